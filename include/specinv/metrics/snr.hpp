// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Signal-to-noise ratio in dB (torch_specinv.metrics.snr; higher is better):
/// \f$ -10 \log_{10} \sum \big( \hat s_i / \|s\| - s_i / \|s\| \big)^2 \f$, both scaled by the
/// reference's norm, i.e. \f$ 10 \log_{10} \|s\|^2 / \|\hat s - s\|^2 \f$.

#include <Eigen/Core>

#include "spectral_convergence.hpp"

namespace specinv {

/// \brief Signal-to-noise ratio of `estimate` against `reference`, in dB.
/// \param[in] estimate, reference any real arrays of the same shape (signals or magnitudes)
/// \returns -10 log10(||estimate - reference||^2 / ||reference||^2); +inf for an exact match,
///          -inf for an all-zero reference that is missed; finite otherwise, for any finite input
/// \throws specinv::invalid_argument for different shapes, empty or non-finite input
template <class A, class B>
double snr_db(const Eigen::MatrixBase<A>& estimate, const Eigen::MatrixBase<B>& reference) {
  detail::check_metric_pair("snr_db", estimate, reference);
  const detail::PowerSums s = detail::power_sums(estimate, reference);  // scaled when extreme
  return -detail::power_ratio_db(s.difference2, s.b2);
}

}  // namespace specinv
