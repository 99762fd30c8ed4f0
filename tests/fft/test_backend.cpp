// SPDX-License-Identifier: MIT
// FFT backends: both against a long-double DFT, the c2r/r2c pair, batching, alignment, threads.

#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <specinv/fft.hpp>

#include "../support/catch.hpp"

using namespace specinv;

namespace {

/// Half spectrum of x by the definition, in long double.
std::vector<std::complex<long double>> naive_rdft(const std::vector<long double>& x) {
  const std::size_t n = x.size();
  std::vector<std::complex<long double>> out(n / 2 + 1);
  const long double two_pi = 6.283185307179586476925286766559005768L;
  for (std::size_t k = 0; k < out.size(); ++k) {
    std::complex<long double> acc = 0;
    for (std::size_t m = 0; m < n; ++m) {
      const long double a = -two_pi * static_cast<long double>((k * m) % n) / static_cast<long double>(n);
      acc += x[m] * std::complex<long double>(std::cos(a), std::sin(a));
    }
    out[k] = acc;
  }
  return out;
}

template <class T>
double fft_tol() {
  return std::is_same_v<T, float> ? 2e-6 : 1e-14;
}

}  // namespace

TEMPLATE_TEST_CASE("forward matches a long-double DFT for even, odd and prime sizes", "[fft]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  for (Index n : {1, 2, 3, 4, 5, 6, 7, 8, 12, 15, 16, 17, 31, 64, 100, 127, 128, 400, 512, 1000, 1024, 2048}) {
    const Index batch = 3;
    Backend fft(n, batch);
    std::vector<std::vector<long double>> frames(batch, std::vector<long double>(std::size_t(n)));
    for (Index f = 0; f < batch; ++f)
      for (Index m = 0; m < n; ++m) {
        const T v = T(normal(rng));
        frames[std::size_t(f)][std::size_t(m)] = v;
        fft.time_frame(f)[m] = v;
      }
    // batch == max_batch takes the batched plan; batch 2 then 1 frame at a time.
    for (Index run : {batch, Index(2)}) {
      fft.forward(run);
      for (Index f = 0; f < run; ++f) {
        const auto want = naive_rdft(frames[std::size_t(f)]);
        long double err = 0, norm = 0;
        for (Index k = 0; k <= n / 2; ++k) {
          err += std::norm(std::complex<long double>(fft.freq_frame(f)[k]) - want[std::size_t(k)]);
          norm += std::norm(want[std::size_t(k)]);
        }
        INFO(TestType::name() << " n=" << n << " frame " << f << " of " << run);
        CHECK(double(std::sqrt(err / norm)) <= fft_tol<T>());
      }
    }
  }
}

TEMPLATE_TEST_CASE("inverse is the unscaled c2r: inverse(forward(x)) = n x", "[fft]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(-1, 1);
  for (Index n : {1, 2, 3, 9, 16, 30, 257, 1024}) {
    for (Index batch : {1, 4}) {
      Backend fft(n, batch);
      Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> x(n, batch);
      for (Index f = 0; f < batch; ++f)
        for (Index m = 0; m < n; ++m) fft.time_frame(f)[m] = x(m, f) = T(uniform(rng));
      fft.forward(batch);
      fft.inverse(batch);
      for (Index f = 0; f < batch; ++f) {
        const Eigen::Map<const Signal<T>> y(fft.time_frame(f), n);
        INFO(TestType::name() << " n=" << n << " batch=" << batch);
        CHECK(test::rel_error((y / T(n)).eval(), x.col(f).eval()) <= fft_tol<T>() * 10);
      }
    }
  }
}

TEMPLATE_TEST_CASE("inverse ignores the imaginary parts of DC and Nyquist, as irfft", "[fft]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  for (Index n : {6, 8, 9}) {
    Backend fft(n, 1);
    Backend clean(n, 1);
    for (Index k = 0; k <= n / 2; ++k) {
      const std::complex<T> v(T(0.25 * double(k + 1)), T(0.5 - 0.1 * double(k)));
      fft.freq_frame(0)[k] = v;
      clean.freq_frame(0)[k] = v;
    }
    clean.freq_frame(0)[0].imag(0);
    if (n % 2 == 0) clean.freq_frame(0)[n / 2].imag(0);
    fft.inverse(1);
    clean.inverse(1);
    INFO(TestType::name() << " n=" << n);
    CHECK(test::rel_error(Eigen::Map<const Signal<T>>(fft.time_frame(0), n).eval(),
                          Eigen::Map<const Signal<T>>(clean.time_frame(0), n).eval()) <= fft_tol<T>() * 10);
  }
}

TEMPLATE_TEST_CASE("every frame of the buffers is cache-line aligned", "[fft]", SPECINV_TEST_CONFIGS) {
  using Backend = typename TestType::backend;
  for (Index n : {1, 7, 100, 1001}) {
    Backend fft(n, 5);
    CHECK(fft.time_stride() >= n);
    CHECK(fft.freq_stride() >= n / 2 + 1);
    for (Index f = 0; f < 5; ++f) {
      CHECK(reinterpret_cast<std::uintptr_t>(fft.time_frame(f)) % 64 == 0);
      CHECK(reinterpret_cast<std::uintptr_t>(fft.freq_frame(f)) % 64 == 0);
    }
  }
}

TEMPLATE_TEST_CASE("backends reject sizes below 1", "[fft][errors]", SPECINV_TEST_CONFIGS) {
  using Backend = typename TestType::backend;
  CHECK_THROWS_MATCHES(Backend(0, 1), specinv::invalid_argument, test::Mentions("n = 0"));
  CHECK_THROWS_MATCHES(Backend(16, 0), specinv::invalid_argument, test::Mentions("max_batch = 0"));
}

TEMPLATE_TEST_CASE("plans can be created and executed from 8 threads at once", "[fft][threads]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const std::vector<Index> sizes = {96, 160, 210, 320, 486, 700, 768, 882};
  // Reference spectra, computed on this thread.
  auto fill = [](Backend& fft, Index seed) {
    for (Index m = 0; m < fft.size(); ++m) fft.time_frame(0)[m] = T(std::sin(0.37 * double(m + seed)));
  };
  std::vector<std::vector<std::complex<T>>> want;
  for (Index n : sizes) {
    Backend fft(n, 2);
    fill(fft, n);
    fft.forward(1);
    want.emplace_back(fft.freq_frame(0), fft.freq_frame(0) + n / 2 + 1);
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 20; ++rep) {
        const Index n = sizes[(i + std::size_t(rep)) % sizes.size()];
        Backend fft(n, 2);  // plan creation races with the other threads' creation and execution
        fill(fft, n);
        fft.forward(1);
        const auto& w = want[(i + std::size_t(rep)) % sizes.size()];
        for (Index k = 0; k <= n / 2; ++k)
          if (std::abs(fft.freq_frame(0)[k] - w[std::size_t(k)]) > T(1e-4) * (T(1) + std::abs(w[std::size_t(k)])))
            ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

TEST_CASE("the default backend is the one the build configured", "[fft]") {
  const std::string configured = SPECINV_CONFIGURED_BACKEND;
  const bool kiss_default = std::is_same_v<fft::default_backend<float>, fft::kiss<float>> &&
                            std::is_same_v<fft::default_backend<double>, fft::kiss<double>>;
  CHECK(configured == (kiss_default ? "kiss" : "fftw"));
}

TEMPLATE_TEST_CASE("backends move, and a moved-to backend keeps working", "[fft]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  Backend a(64, 4);
  for (Index m = 0; m < 64; ++m) a.time_frame(0)[m] = T(m % 5);
  a.forward(1);
  const std::complex<T> dc = a.freq_frame(0)[0];
  Backend b(std::move(a));
  b.forward(1);
  CHECK(b.freq_frame(0)[0] == dc);
  Backend c(32, 2);
  c = std::move(b);
  c.forward(1);
  CHECK(c.freq_frame(0)[0] == dc);
  CHECK(c.size() == 64);
}
