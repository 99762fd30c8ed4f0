// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Signal-to-error ratio in dB (torch_specinv.metrics.ser; higher is better):
/// \f$ 10 \log_{10} \frac{\sum \hat s_i^2}{\sum (\hat s_i - s_i)^2} \f$.
/// Note the estimate's energy in the numerator, as torch_specinv defines it.

#include <Eigen/Core>

#include "spectral_convergence.hpp"

namespace specinv {

/// \brief Signal-to-error ratio of `estimate` against `reference`, in dB.
/// \param[in] estimate, reference any real arrays of the same shape (signals or magnitudes)
/// \returns 10 log10(sum estimate^2 / sum (estimate - reference)^2); +inf for an exact match
///          (of a non-silent estimate), -inf for a silent estimate that misses the reference;
///          finite otherwise, for any finite input (extreme ones are summed scaled)
/// \throws specinv::invalid_argument for different shapes, empty or non-finite input
template <class A, class B>
double ser_db(const Eigen::MatrixBase<A>& estimate, const Eigen::MatrixBase<B>& reference) {
  detail::check_metric_pair("ser_db", estimate, reference);
  const detail::PowerSums s = detail::power_sums(estimate, reference);  // scaled when extreme
  return -detail::power_ratio_db(s.difference2, s.a2);
}

}  // namespace specinv
