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

/// \brief True if no value in [data, data + count) is NaN or infinite.
///
/// x * 0 is 0 for finite x and NaN otherwise, so one vectorised sum answers for the whole array:
/// several times faster than Eigen's allFinite(), which matters on the inverse STFT's input. (Not
/// valid under -ffinite-math-only, which lets the compiler assume the answer.)
template <class T>
bool all_finite(const T* data, Eigen::Index count) noexcept {
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  return (Eigen::Map<const Array>(data, count) * T(0)).sum() == T(0);
}

}  // namespace specinv::detail
