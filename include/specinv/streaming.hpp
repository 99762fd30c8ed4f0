// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Layer 4, streaming: `StreamingReconstructor`, real-time phase recovery (RTPGHI or
/// RTISI-LA) that turns magnitude frames into audio one hop at a time, allocation-free.

#include "streaming/reconstructor.hpp"
