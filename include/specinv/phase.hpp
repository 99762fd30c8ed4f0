// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Phase-recovery layer: from a magnitude spectrogram (or a mel / bark one, through
/// `lbfgs`) back to a waveform. Griffin-Lim and Fast Griffin-Lim (`griffin_lim`), ADMM (`admm`),
/// RTISI-LA (`rtisi_la`), L-BFGS on the time signal (`lbfgs`), LeGLA / FleGLA (`legla`), the
/// single-pass `phase_init`, the non-iterative PGHI (`pghi`) and its real-time form (`rtpghi`),
/// and the shared options and result types (common.hpp).

#include "phase/admm.hpp"
#include "phase/common.hpp"
#include "phase/griffin_lim.hpp"
#include "phase/init.hpp"
#include "phase/lbfgs.hpp"
#include "phase/legla.hpp"
#include "phase/pghi.hpp"
#include "phase/rtisi_la.hpp"
#include "phase/rtpghi.hpp"
