// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Core layer: types, errors, the warning hook, windows.

#include "core/error.hpp"
#include "core/types.hpp"
#include "core/warning.hpp"
#include "core/window.hpp"
