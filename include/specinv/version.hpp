// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Library version, bumped by hand on every release (semantic versioning).

#define SPECINV_VERSION_MAJOR 0
#define SPECINV_VERSION_MINOR 1
#define SPECINV_VERSION_PATCH 0
#define SPECINV_VERSION_STRING "0.1.0"
