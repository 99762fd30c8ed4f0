// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief STFT layer: `StftParams`, `Stft`, `stft()`, `istft()`, frame geometry, NOLA.

#include "stft/frames.hpp"
#include "stft/istft.hpp"
#include "stft/nola.hpp"
#include "stft/params.hpp"
#include "stft/stft.hpp"
