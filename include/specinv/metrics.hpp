// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Metrics layer: spectral convergence, SER and SNR with torch_specinv's definitions.

#include "metrics/ser.hpp"
#include "metrics/snr.hpp"
#include "metrics/spectral_convergence.hpp"
