// SPDX-License-Identifier: MIT
// A real clip through stft -> istft, printing how exactly it comes back.
//
//   stft_roundtrip [clip.wav] [--n-fft N] [--hop H]
//
// With no clip it uses the bundled speech recording. For float and double, and for every FFT
// backend compiled in, it prints the reconstruction error and the time of each direction.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include <specinv/specinv.hpp>

#include "common/audio.hpp"

namespace {

/// Runs and prints one configuration; false if the reconstruction is not exact to rounding.
template <class T, class Backend>
bool round_trip(const char* label, const Eigen::VectorXd& clip, const specinv::StftParams& params, int rate) {
  using clock = std::chrono::steady_clock;
  const specinv::Signal<T> x = clip.cast<T>();
  specinv::Stft<T, Backend> stft(params);  // plans once; the calls below allocate nothing
  specinv::Spectrogram<T> s(stft.n_freqs(), stft.n_frames(x.size()));
  specinv::Signal<T> y(x.size());
  stft.forward(x, s);  // warm-up
  stft.inverse(s, y, x.size());

  const int reps = 20;
  const auto t0 = clock::now();
  for (int r = 0; r < reps; ++r) stft.forward(x, s);
  const auto t1 = clock::now();
  for (int r = 0; r < reps; ++r) stft.inverse(s, y, x.size());
  const auto t2 = clock::now();

  const double ms_fwd = std::chrono::duration<double, std::milli>(t1 - t0).count() / reps;
  const double ms_inv = std::chrono::duration<double, std::milli>(t2 - t1).count() / reps;
  const double err = (y - x).template cast<double>().norm() / x.template cast<double>().norm();
  const double max_abs = (y - x).cwiseAbs().maxCoeff();
  const double seconds = double(x.size()) / rate;
  std::printf("%-14s %10.2e %10.2e %8.1f %9.3f %9.3f %9.0fx\n", label, err, max_abs, -20.0 * std::log10(err),
              ms_fwd, ms_inv, seconds / ((ms_fwd + ms_inv) * 1e-3));
  return err < (std::is_same_v<T, float> ? 1e-5 : 1e-12);
}

}  // namespace

int main(int argc, char** argv) {
  std::string clip = SPECINV_DEMO_CLIP;
  specinv::StftParams params;
  params.n_fft = 1024;
  params.hop_length = 256;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--n-fft") && i + 1 < argc) params.n_fft = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--hop") && i + 1 < argc) params.hop_length = std::atoi(argv[++i]);
    else if (argv[i][0] != '-') clip = argv[i];
    else {
      std::fprintf(stderr, "usage: %s [clip.wav] [--n-fft N] [--hop H]\n", argv[0]);
      return 2;
    }
  }
  try {
    int rate = 0;
    const Eigen::VectorXd x = examples::read_mono(clip, &rate);
    std::printf("specinv %s demo: STFT -> iSTFT round trip\n", SPECINV_VERSION_STRING);
    std::printf("clip: %s (%.2f s at %d Hz)\n", clip.c_str(), double(x.size()) / rate, rate);
    std::printf("STFT: n_fft %d, hop %d, periodic Hann, center, reflect padding; %ld frames x %ld bins\n\n",
                params.n_fft, params.hop_length, long(specinv::n_frames(x.size(), params)),
                long(params.n_fft / 2 + 1));
    std::printf("%-14s %10s %10s %8s %9s %9s %10s\n", "scalar/fft", "rel.error", "max|err|", "SNR dB",
                "stft ms", "istft ms", "real-time");
    bool exact = true;
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
    exact &= round_trip<float, specinv::fft::fftw<float>>("float/fftw", x, params, rate);
    exact &= round_trip<double, specinv::fft::fftw<double>>("double/fftw", x, params, rate);
#endif
    exact &= round_trip<float, specinv::fft::kiss<float>>("float/kiss", x, params, rate);
    exact &= round_trip<double, specinv::fft::kiss<double>>("double/kiss", x, params, rate);
    if (!exact) {
      std::fprintf(stderr, "stft_roundtrip: the reconstruction error is above rounding level\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stft_roundtrip: %s\n", e.what());
    return 2;
  }
  return 0;
}
