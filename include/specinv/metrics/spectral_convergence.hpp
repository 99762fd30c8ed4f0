// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Spectral convergence: how far a magnitude spectrogram is from a target, in dB
/// (torch_specinv.metrics.sc; lower is better).
///
/// \f$ \mathrm{SC} = 20 \log_{10} \frac{\| \hat S - S \|_F}{\| S \|_F} \f$. Applied to |STFT(y)|
/// against the target magnitude it measures how consistent a reconstruction y is: the score every
/// phase-recovery algorithm reports. Sums are taken in double for float input.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include <Eigen/Core>

#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../stft/stft.hpp"

namespace specinv {
namespace detail {

/// Throws unless `a` and `b` have the same shape and finite values; `what` names them.
template <class A, class B>
void check_metric_pair(const char* where, const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    throw_invalid(where, "estimate shape", std::to_string(a.rows()) + " x " + std::to_string(a.cols()),
                  "the reference's shape " + std::to_string(b.rows()) + " x " + std::to_string(b.cols()));
  }
  require(a.size() >= 1, where, "estimate.size()", a.size(), "at least one element");
  require(a.allFinite(), where, "estimate", "values with NaN or Inf", "finite values");
  require(b.allFinite(), where, "reference", "values with NaN or Inf", "finite values");
}

/// The sums of squares the metrics are made of, in double.
struct PowerSums {
  double difference2;  ///< ||a - b||^2
  double a2;           ///< ||a||^2
  double b2;           ///< ||b||^2
};

/// \brief ||a - b||^2, ||a||^2 and ||b||^2 in double. When the largest |value| is beyond 1e150 or
/// below 1e-150 (a double's square would overflow or underflow: 1e300 and 1e-310 inputs), both
/// arrays are first scaled by the same power of two, which is exact and leaves every ratio as it
/// is; other inputs (every float input among them) are summed as they are.
template <class A, class B>
PowerSums power_sums(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  const auto ad = a.template cast<double>();
  const auto bd = b.template cast<double>();
  const double peak = std::max(ad.cwiseAbs().maxCoeff(), bd.cwiseAbs().maxCoeff());
  if (peak == 0 || (peak >= 1e-150 && peak <= 1e150))
    return {(ad - bd).squaredNorm(), ad.squaredNorm(), bd.squaredNorm()};
  const int k = -std::ilogb(peak);  // scalbn, not a multiply: 2^k itself may not be a double
  const auto as = ad.unaryExpr([k](double v) { return std::scalbn(v, k); });
  const auto bs = bd.unaryExpr([k](double v) { return std::scalbn(v, k); });
  return {(as - bs).squaredNorm(), as.squaredNorm(), bs.squaredNorm()};
}

/// 10 log10(num / den) for sums of squares: 0 / 0 is -inf (silence matched), x / 0 is +inf.
inline double power_ratio_db(double num, double den) noexcept {
  if (num == 0) return -std::numeric_limits<double>::infinity();
  if (den == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(num / den);
}

}  // namespace detail

/// \brief Spectral convergence of `estimate` against `target`, in dB.
/// \param[in] estimate magnitude spectrogram, shape (freq, frames)
/// \param[in] target magnitude spectrogram, same shape
/// \returns 20 log10(||estimate - target||_F / ||target||_F); -inf for an exact match (both all
///          zero among them), +inf when only the target is all zero; finite otherwise, for any
///          finite input (extreme ones are summed scaled, see detail::power_sums)
/// \throws specinv::invalid_argument for different shapes, empty or non-finite input
template <class A, class B>
double spectral_convergence_db(const Eigen::MatrixBase<A>& estimate, const Eigen::MatrixBase<B>& target) {
  detail::check_metric_pair("spectral_convergence_db", estimate, target);
  const detail::PowerSums s = detail::power_sums(estimate, target);
  return detail::power_ratio_db(s.difference2, s.b2);
}

/// \brief Spectral convergence of two signals: |STFT(estimate)| against |STFT(reference)| with
/// the STFT `params` (how golden/INDEX.md scores a reconstruction against the original).
/// \param[in] estimate, reference signals, shape (samples); equally long
/// \throws specinv::invalid_argument for different lengths, non-finite samples or invalid params
template <class T>
double spectral_convergence_db(const Eigen::Ref<const Signal<T>>& estimate,
                               const Eigen::Ref<const Signal<T>>& reference, const StftParams& params) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  detail::check_metric_pair("spectral_convergence_db", estimate, reference);
  Stft<T> stft(params);
  const Magnitude<T> e = stft.forward(estimate).cwiseAbs();
  const Magnitude<T> r = stft.forward(reference).cwiseAbs();
  return spectral_convergence_db(e, r);
}

}  // namespace specinv
