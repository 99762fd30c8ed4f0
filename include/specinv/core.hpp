// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Core layer: types, errors, windows.

#include "core/error.hpp"
#include "core/types.hpp"
#include "core/window.hpp"
