// SPDX-License-Identifier: MIT
// Round trip through the library as an outside project would use it; prints "consumer: ok".
#include <cmath>
#include <cstdio>
#include <cstring>

#include <specinv/specinv.hpp>

// The KissFFT-only build (a plugin's) must not even include FFTW's header.
#if !(defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW) && defined(FFTW3_H)
#error "fftw3.h was included in a KissFFT-only build"
#endif

int main() {
  specinv::Signal<float> x(22050);
  for (Eigen::Index i = 0; i < x.size(); ++i) x[i] = std::sin(0.05f * float(i)) * std::exp(-1e-4f * float(i));
  specinv::StftParams p;
  p.n_fft = 1024;
  p.hop_length = 256;
  const auto s = specinv::stft(x, p);
  const auto y = specinv::istft(s, p, x.size());
  const double err = (y - x).norm() / x.norm();
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
  const char* backend = "fftw";
#else
  const char* backend = "kiss";
#endif
  std::printf("specinv %s, backend %s, %ldx%ld spectrogram, round-trip error %.2e\n", SPECINV_VERSION_STRING,
              backend, long(s.rows()), long(s.cols()), err);
  if (!(err < 1e-5)) return 1;
  if (std::strcmp(backend, EXPECTED_BACKEND) != 0) {
    std::printf("expected the %s backend\n", EXPECTED_BACKEND);
    return 1;
  }
  std::printf("consumer: ok\n");
  return 0;
}
