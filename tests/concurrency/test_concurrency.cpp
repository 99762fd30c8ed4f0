// SPDX-License-Identifier: MIT
// Many threads using specinv at once, on both FFT backends: 8 threads each create their own plans
// (STFTs of several sizes, odd and even) and run every algorithm while the others do the same, and
// every result equals the one computed alone beforehand. The algorithms are those with their own
// FFT plans and state (Griffin-Lim's fused engine, running its own pool of 2 threads inside each
// thread; RTISI-LA; PGHI; both streaming reconstructors; ADMM, LeGLA and L-BFGS plan through the
// same Stft and engine, and would only add compile time here). One InverseFilterbank object is
// shared by all threads (its operator() is const and documented thread-safe). CI builds this test under ThreadSanitizer (scripts/test.sh)
// as well, where any data race in plan creation, the planner lock or the pools is reported.

#include <atomic>
#include <complex>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <specinv/filterbank.hpp>
#include <specinv/phase/griffin_lim.hpp>
#include <specinv/phase/pghi.hpp>
#include <specinv/phase/rtisi_la.hpp>
#include <specinv/streaming.hpp>

#include "../support/catch.hpp"

using specinv::Index;
using specinv::Magnitude;
using specinv::Signal;
using specinv::StftParams;

namespace {

constexpr int kThreads = 8;

template <class T>
Signal<T> chirp(Index n) {
  Signal<T> x(n);
  for (Index i = 0; i < n; ++i) {
    const double t = double(i) / 8000.0;
    x[i] = T(0.5 * std::sin(2 * 3.141592653589793 * (200 + 900 * t) * t) + 0.1 * std::sin(0.37 * double(i)));
  }
  return x;
}

StftParams geometry(int n_fft, int hop) {
  StftParams p;
  p.n_fft = n_fft;
  p.hop_length = hop;
  return p;
}

template <class Derived>
Eigen::VectorXd flat(const Eigen::MatrixBase<Derived>& m) {
  Eigen::VectorXd v(2 * m.size());
  for (Index i = 0; i < m.size(); ++i) {
    const std::complex<double> z(m.derived().data()[i]);
    v[2 * i] = z.real();
    v[2 * i + 1] = z.imag();
  }
  return v;
}

struct Job {
  std::string name;
  std::function<Eigen::VectorXd()> run;
};

/// Every kind of work a thread might do, each building its own objects (and so its own plans).
template <class T, class Backend>
std::vector<Job> jobs(const specinv::InverseFilterbank<T>& inverse_mel, const Magnitude<T>& mel_fb) {
  const Signal<T> x = chirp<T>(6000);
  std::vector<Job> out;
  for (const StftParams& p : {geometry(256, 64), geometry(320, 80), geometry(255, 60), geometry(96, 24)}) {
    const std::string g = std::to_string(p.n_fft) + "/" + std::to_string(p.hop_length);
    out.push_back({"stft+istft " + g, [p, x] {
                     specinv::Stft<T, Backend> stft(p);
                     const specinv::Spectrogram<T> s = stft.forward(x);
                     return flat(stft.inverse(s, x.size()));
                   }});
  }
  const StftParams p = geometry(256, 64);
  const Magnitude<T> mag = specinv::Stft<T, Backend>(p).forward(x).cwiseAbs();
  out.push_back({"fgla, 2 threads inside", [p, mag] {
                   specinv::GriffinLimParams o;
                   o.max_iter = 6;
                   o.threads = 2;
                   return flat(specinv::griffin_lim<T, Backend>(mag, p, o).signal);
                 }});
  out.push_back({"rtisi_la", [p, mag] {
                   specinv::RtisiLaParams o;
                   o.iters_per_frame = 2;
                   return flat(specinv::rtisi_la<T, Backend>(mag, p, o).signal);
                 }});
  out.push_back({"pghi", [p, mag] { return flat(specinv::pghi<T, Backend>(mag, p).signal); }});
  for (const auto algorithm : {specinv::StreamAlgorithm::rtpghi, specinv::StreamAlgorithm::rtisi_la}) {
    out.push_back({std::string("stream ") + specinv::to_string(algorithm), [p, mag, algorithm] {
                     specinv::StreamingParams o;
                     o.algorithm = algorithm;
                     o.iters_per_frame = 2;
                     specinv::StreamingReconstructor<T, Backend> stream(p, o);
                     Eigen::VectorXd samples(mag.cols() * stream.hop_length());
                     Signal<T> hop(stream.hop_length());
                     for (Index f = 0; f < mag.cols(); ++f) {
                       if (stream.push(mag.col(f).data(), mag.rows()) != specinv::PushStatus::accepted) return Eigen::VectorXd();
                       if (stream.pop(hop.data()) != hop.size()) return Eigen::VectorXd();
                       samples.segment(f * hop.size(), hop.size()) = hop.template cast<double>();
                     }
                     return samples;
                   }});
  }
  out.push_back({"mel and the shared InverseFilterbank", [p, x, &inverse_mel, &mel_fb] {
                   const Magnitude<T> power = specinv::Stft<T, Backend>(p).forward(x).cwiseAbs2();
                   const Magnitude<T> mel = mel_fb.transpose() * power;
                   return flat(inverse_mel(mel));
                 }});
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("8 threads create plans and run every algorithm at once, as they would alone",
                   "[threads][concurrency]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const Magnitude<T> mel_fb = specinv::mel_filterbank<T>(129, 0.0, 4000.0, 24, 8000);
  specinv::InverseParams ip;
  ip.method = specinv::InverseMethod::nnls;
  const specinv::InverseFilterbank<T> inverse_mel(mel_fb, ip);
  const std::vector<Job> work = jobs<T, Backend>(inverse_mel, mel_fb);

  std::vector<Eigen::VectorXd> alone;  // each job run on this thread, nothing else running
  for (const Job& job : work) alone.push_back(job.run());
  for (std::size_t j = 0; j < work.size(); ++j) {
    INFO(work[j].name);
    REQUIRE(alone[j].size() > 0);
    REQUIRE(alone[j].allFinite());
  }

  // Each thread runs every job, starting at a different one, so that all kinds overlap in time.
  std::vector<std::string> failures(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();  // start together
      try {
        for (std::size_t k = 0; k < work.size(); ++k) {
          const std::size_t j = (std::size_t(t) * 3 + k) % work.size();
          const Eigen::VectorXd got = work[j].run();
          // FFTW picks its plans once per process (wisdom), so a run repeats bit for bit; the
          // tolerance only allows for a plan measured under different load. KissFFT is exact.
          const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;
          const double scale = alone[j].norm() + 1e-30;
          if (got.size() != alone[j].size() || !got.allFinite() || (got - alone[j]).norm() > tolerance * scale)
            failures[std::size_t(t)] += work[j].name + "; ";
        }
      } catch (const std::exception& e) {
        failures[std::size_t(t)] += std::string("threw: ") + e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t << " differs from the lone run in: " << failures[std::size_t(t)]);
    CHECK(failures[std::size_t(t)].empty());
  }
}
