// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Small numeric helpers shared by several layers.

#include <Eigen/Core>

namespace specinv::detail {

/// pi to double precision (M_PI is not standard C++).
inline constexpr double pi = 3.141592653589793238462643383279502884;

/// Smallest multiple of `m` that is >= `n` (n >= 0, m > 0).
constexpr Eigen::Index round_up(Eigen::Index n, Eigen::Index m) noexcept {
  return (n + m - 1) / m * m;
}

}  // namespace specinv::detail
