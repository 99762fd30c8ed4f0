// SPDX-License-Identifier: MIT
// Stft::adjoint is the adjoint of Stft::forward: Re<forward(x), S> == <x, adjoint(S)> for random
// x and S, over parameter sets that cover every pad mode (including padding wider than the frames
// that fold back more than once), center on and off, torchaudio's `pad`, every normalisation,
// short windows, odd n_fft and two-sided spectra; on both FFT backends. Plus an independent
// check against the explicit matrix of the forward map, and bad input.

#include <random>
#include <string>

#include <specinv/stft.hpp>

#include "../support/catch.hpp"

using namespace specinv;

namespace {

struct Case {
  const char* name;
  int n_fft, hop, win_length;
  bool center;
  PadMode pad_mode;
  Normalization normalized;
  bool onesided;
  int pad;
  Index length;
};

StftParams params_of(const Case& c) {
  StftParams p;
  p.n_fft = c.n_fft;
  p.hop_length = c.hop;
  p.win_length = c.win_length;
  p.center = c.center;
  p.pad_mode = c.pad_mode;
  p.normalized = c.normalized;
  p.onesided = c.onesided;
  p.pad = c.pad;
  return p;
}

const Case cases[] = {
    {"reflect", 64, 16, 0, true, PadMode::reflect, Normalization::none, true, 0, 300},
    {"constant", 64, 16, 0, true, PadMode::constant, Normalization::none, true, 0, 300},
    {"replicate", 64, 16, 0, true, PadMode::replicate, Normalization::none, true, 0, 300},
    {"circular", 64, 16, 0, true, PadMode::circular, Normalization::none, true, 0, 300},
    {"no centre", 64, 16, 0, false, PadMode::reflect, Normalization::none, true, 0, 300},
    {"no centre, hop leaves a tail", 64, 24, 0, false, PadMode::reflect, Normalization::none, true, 0, 301},
    {"normalized window", 64, 16, 0, true, PadMode::reflect, Normalization::window, true, 0, 300},
    {"normalized frame_length", 64, 16, 0, true, PadMode::reflect, Normalization::frame_length, true, 0, 300},
    {"win_length < n_fft", 64, 10, 40, true, PadMode::reflect, Normalization::none, true, 0, 257},
    {"odd n_fft", 63, 15, 0, true, PadMode::reflect, Normalization::none, true, 0, 250},
    {"odd n_fft, odd win_length", 63, 7, 31, true, PadMode::replicate, Normalization::window, true, 0, 199},
    {"two-sided", 64, 16, 0, true, PadMode::reflect, Normalization::none, false, 0, 300},
    {"two-sided, odd n_fft", 63, 15, 0, true, PadMode::circular, Normalization::frame_length, false, 0, 250},
    {"torchaudio pad, reflect", 64, 16, 0, true, PadMode::reflect, Normalization::none, true, 5, 300},
    {"torchaudio pad, circular", 64, 16, 0, true, PadMode::circular, Normalization::none, true, 7, 300},
    {"torchaudio pad, replicate", 64, 16, 0, true, PadMode::replicate, Normalization::none, true, 3, 300},
    {"torchaudio pad, no centre", 64, 16, 0, false, PadMode::constant, Normalization::none, true, 9, 300},
    {"short signal, circular wraps", 64, 16, 0, true, PadMode::circular, Normalization::none, true, 0, 32},
    {"short signal, reflect", 64, 16, 0, true, PadMode::reflect, Normalization::none, true, 0, 33},
    {"short signal, replicate", 64, 8, 0, true, PadMode::replicate, Normalization::none, true, 0, 5},
    {"one frame", 64, 16, 0, false, PadMode::reflect, Normalization::none, true, 0, 64},
    {"tiny n_fft", 2, 1, 0, true, PadMode::reflect, Normalization::none, true, 0, 9},
    {"hop > win_length", 64, 80, 32, true, PadMode::reflect, Normalization::none, true, 0, 400},
};

// Signals and spectra with a fixed seed per case, so that a failure reproduces.
template <class T>
Signal<T> random_signal(Index n, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Signal<T> x(n);
  for (Index i = 0; i < n; ++i) x[i] = T(normal(rng));
  return x;
}

template <class T>
Spectrogram<T> random_spectrogram(Index rows, Index cols, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Spectrogram<T> s(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) s(i, j) = std::complex<T>(T(normal(rng)), T(normal(rng)));
  return s;
}

// Re<a, b> in long double.
template <class T>
long double real_inner(const Spectrogram<T>& a, const Spectrogram<T>& b) {
  long double sum = 0;
  for (Index i = 0; i < a.size(); ++i)
    sum += (long double)(a.data()[i].real()) * b.data()[i].real() + (long double)(a.data()[i].imag()) * b.data()[i].imag();
  return sum;
}

template <class T>
long double dot(const Signal<T>& a, const Signal<T>& b) {
  long double sum = 0;
  for (Index i = 0; i < a.size(); ++i) sum += (long double)(a[i]) * b[i];
  return sum;
}

}  // namespace

TEMPLATE_TEST_CASE("Stft::adjoint is the adjoint of forward: Re<F x, S> == <x, F* S>", "[stft][adjoint]",
                   SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const int index = GENERATE(range(0, int(sizeof(cases) / sizeof(cases[0]))));
  const Case& c = cases[index];
  INFO(TestType::name() << " case " << c.name);
  Stft<T, Backend> stft(params_of(c));
  std::mt19937_64 rng(1234 + std::uint64_t(index));
  for (int trial = 0; trial < 3; ++trial) {
    const Signal<T> x = random_signal<T>(c.length, rng);
    const Spectrogram<T> s = random_spectrogram<T>(stft.n_freqs(), stft.n_frames(c.length), rng);
    const Spectrogram<T> fx = stft.forward(x);
    Signal<T> adj(c.length);
    stft.adjoint(s, adj);
    const long double lhs = real_inner<T>(fx, s);
    const long double rhs = dot<T>(x, adj);
    // Relative to the scale of the terms summed (sum |F x| |S|), so that cancellation does not
    // make the check meaningless.
    long double scale = 0;
    for (Index i = 0; i < s.size(); ++i) scale += std::abs(fx.data()[i]) * std::abs(s.data()[i]);
    const double error = double(std::abs(lhs - rhs) / scale);
    INFO("trial " << trial << ": <F x, S> = " << double(lhs) << ", <x, F* S> = " << double(rhs));
    CHECK(error < (std::is_same_v<T, float> ? 1e-5 : 1e-12));
  }
}

TEMPLATE_TEST_CASE("Stft::adjoint equals the transpose of forward's explicit matrix", "[stft][adjoint]", float,
                   double) {
  // Column j of F is forward(e_j); row (k, t) of F* must then be the real inner product of
  // S = e_(k,t) (or i e_(k,t)) with those columns. Checked entrywise on a small reflect-padded,
  // two-sided, odd-sized case where every bin and every fold matters.
  using T = TestType;
  StftParams p;
  p.n_fft = 9;
  p.hop_length = 4;
  p.win_length = 7;
  p.onesided = false;
  p.pad = 2;
  p.normalized = Normalization::window;
  Stft<T> stft(p);
  const Index n = 11, rows = stft.n_freqs(), frames = stft.n_frames(n);
  Eigen::Matrix<std::complex<double>, Eigen::Dynamic, Eigen::Dynamic> f(rows * frames, n);
  for (Index j = 0; j < n; ++j) {
    const Spectrogram<T> col = stft.forward(Signal<T>(Signal<T>::Unit(n, j)));
    f.col(j) = Eigen::Map<const Eigen::Matrix<std::complex<T>, Eigen::Dynamic, 1>>(col.data(), col.size())
                   .template cast<std::complex<double>>();
  }
  double worst = 0;
  for (Index e = 0; e < rows * frames; ++e) {
    for (const std::complex<T> unit : {std::complex<T>(1, 0), std::complex<T>(0, 1)}) {
      Spectrogram<T> s = Spectrogram<T>::Zero(rows, frames);
      s.data()[e] = unit;
      const Signal<T> adj = stft.adjoint(s, n);
      for (Index j = 0; j < n; ++j) {
        const double expected = (std::conj(std::complex<double>(unit)) * f(e, j)).real();
        worst = std::max(worst, std::abs(double(adj[j]) - expected));
      }
    }
  }
  CHECK(worst < (std::is_same_v<T, float> ? 1e-6 : 1e-14));
}

TEST_CASE("Stft::adjoint rejects bad input naming the parameter", "[stft][adjoint][errors]") {
  using test::Mentions;
  StftParams p;
  p.n_fft = 64;
  p.hop_length = 16;
  Stft<double> stft(p);
  const Index frames = stft.n_frames(300);
  Signal<double> out(300);
  CHECK_THROWS_MATCHES(stft.adjoint(Spectrogram<double>::Zero(32, frames), out), specinv::invalid_argument,
                       Mentions("spectrogram = 32 x " + std::to_string(frames) + "; expected 33 x"));
  CHECK_THROWS_MATCHES(stft.adjoint(Spectrogram<double>::Zero(33, frames + 1), out), specinv::invalid_argument,
                       Mentions("Stft::adjoint: spectrogram"));
  Spectrogram<double> s = Spectrogram<double>::Zero(33, frames);
  s(3, 4) = std::complex<double>(std::nan(""), 0);
  CHECK_THROWS_MATCHES(stft.adjoint(s, out), specinv::invalid_argument, Mentions("values with NaN or Inf"));
  CHECK_THROWS_MATCHES(stft.adjoint(Spectrogram<double>::Zero(33, 1), 10), specinv::invalid_argument,
                       Mentions("signal length = 10"));  // reflect padding wider than the signal
  Signal<double> empty(0);
  CHECK_THROWS_MATCHES(stft.adjoint(Spectrogram<double>::Zero(33, 1), empty), specinv::invalid_argument,
                       Mentions("signal length = 0"));
}
