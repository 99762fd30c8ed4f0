// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief FFT layer: backends (`fft::fftw`, `fft::kiss`) and the default.

#include "fft/backend.hpp"
#include "fft/buffers.hpp"
#include "fft/kiss.hpp"
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
#include "fft/fftw.hpp"
#endif
