// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Filterbank layer: mel and bark filterbanks (torchaudio semantics), the forward
/// `mel_spectrogram` / `bark_spectrogram` transforms, and `InverseFilterbank`, which maps a
/// filtered spectrogram back to a non-negative linear one.

#include "filterbank/bark.hpp"
#include "filterbank/inverse.hpp"
#include "filterbank/mel.hpp"
#include "filterbank/scales.hpp"
