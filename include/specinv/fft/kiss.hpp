// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `fft::kiss<T>`: Eigen's bundled KissFFT, header-only and permissively licensed.
///
/// This is the backend for audio plugins and other products that must not link GPL code: it
/// ships inside Eigen (MPL-2.0 / BSD-style), needs no library, and is always available. It is
/// slower than FFTW (no SIMD codelets) but agrees with torch to rounding.
///
/// Eigen's FFT defaults are not torch's: a full mirrored spectrum from the forward transform and a
/// 1/n-scaled inverse. This backend sets `HalfSpectrum | Unscaled` so that it computes exactly
/// what `fft::fftw` computes, and names `kissfft_impl` explicitly so that a user's
/// `EIGEN_FFTW_DEFAULT` cannot switch it to FFTW behind specinv's back.

#include <unsupported/Eigen/FFT>
#ifdef EIGEN_FFTW_DEFAULT
// With EIGEN_FFTW_DEFAULT, <unsupported/Eigen/FFT> includes the FFTW implementation only; the
// KissFFT one (which has no include guard) must then be included by hand, once.
#include <unsupported/Eigen/src/FFT/ei_kissfft_impl.h>
#endif

#include "buffers.hpp"

namespace specinv::fft {

/// \brief KissFFT backend: unscaled real FFTs of length n on `FrameBuffers`, one frame at a time.
/// \tparam T float or double
template <class T>
class kiss : public FrameBuffers<T> {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Allocates the buffers, makes the plans and warms them up: KissFFT builds twiddles and
  /// scratch on first use, so one transform each way here keeps every later call allocation-free.
  /// \param[in] n transform length (>= 1)
  /// \param[in] max_batch most frames per call (>= 1)
  /// \throws specinv::invalid_argument on bad sizes
  kiss(Index n, Index max_batch) : FrameBuffers<T>(n, max_batch) {
    m_fft.SetFlag(Engine::HalfSpectrum);
    m_fft.SetFlag(Engine::Unscaled);
    forward(1);
    inverse(1);
  }

  /// \brief Unscaled r2c of time frames [0, batch) (n samples each) into spectra [0, batch)
  /// (n / 2 + 1 bins each). Allocation-free.
  /// \pre 0 <= batch <= max_batch()
  void forward(Index batch) noexcept {
    SPECINV_ASSERT(batch >= 0 && batch <= this->max_batch());
    if (this->size() == 1) {  // Eigen's KissFFT cannot plan length 1 (it has no scratch for radix 1)
      for (Index f = 0; f < batch; ++f) this->freq_frame(f)[0] = std::complex<T>(this->time_frame(f)[0], T(0));
      return;
    }
    for (Index f = 0; f < batch; ++f) m_fft.fwd(this->freq_frame(f), this->time_frame(f), this->size());
  }

  /// \brief Unscaled c2r of spectra [0, batch) (n / 2 + 1 bins) into time frames [0, batch)
  /// (n samples). The imaginary parts of
  /// the DC and Nyquist bins are ignored, as by torch's irfft. Allocation-free.
  /// \pre 0 <= batch <= max_batch()
  void inverse(Index batch) noexcept {
    SPECINV_ASSERT(batch >= 0 && batch <= this->max_batch());
    if (this->size() == 1) {
      for (Index f = 0; f < batch; ++f) this->time_frame(f)[0] = this->freq_frame(f)[0].real();
      return;
    }
    for (Index f = 0; f < batch; ++f) m_fft.inv(this->time_frame(f), this->freq_frame(f), this->size());
  }

 private:
  using Engine = Eigen::FFT<T, Eigen::internal::kissfft_impl<T>>;
  Engine m_fft;
};

}  // namespace specinv::fft
