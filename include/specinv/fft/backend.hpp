// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The FFT backend requirements and `fft::default_backend<T>`.
///
/// A backend is a policy class `B` (templated on the real scalar) that derives from
/// `fft::FrameBuffers<T>` and provides
///
///     B(Index n, Index max_batch);   // allocates and plans; may throw
///     void forward(Index batch);     // unscaled r2c, time frames -> half spectra, [0, batch)
///     void inverse(Index batch);     // unscaled c2r, half spectra -> time frames, [0, batch)
///
/// `forward` and `inverse` must not allocate, lock or throw. An object is used by one thread at a
/// time; construction from many threads at once must be safe. specinv ships `fft::fftw` (FFTW3,
/// GPL) and `fft::kiss` (Eigen's KissFFT, permissive).
///
/// The default is FFTW when the build says it is linked (`SPECINV_HAS_FFTW`, which the CMake
/// target `specinv::specinv` defines unless configured with `SPECINV_FFT_BACKEND=kiss`), else
/// KissFFT. Code that must stay permissive names `fft::kiss` explicitly.

#include "kiss.hpp"
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
#include "fftw.hpp"
#endif

namespace specinv::fft {

#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
/// The backend every algorithm uses unless told otherwise: FFTW here.
template <class T>
using default_backend = fftw<T>;
#else
/// The backend every algorithm uses unless told otherwise: KissFFT here (FFTW not linked).
template <class T>
using default_backend = kiss<T>;
#endif

}  // namespace specinv::fft
