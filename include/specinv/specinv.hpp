// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Everything in specinv. Layers, each usable on its own through its own umbrella:
/// core (types, errors, windows) <- fft (backends) <- stft (STFT / iSTFT) <- filterbank (mel, bark,
/// inverse filterbank) <- phase (Griffin-Lim, FGLA, ADMM, RTISI-LA, L-BFGS, phase_init, PGHI,
/// RTPGHI) <- streaming (real-time reconstruction); metrics (spectral convergence, SER, SNR) on
/// core and stft.

#include "version.hpp"
#include "core.hpp"
#include "fft.hpp"
#include "stft.hpp"
#include "filterbank.hpp"
#include "metrics.hpp"
#include "phase.hpp"
#include "streaming.hpp"
