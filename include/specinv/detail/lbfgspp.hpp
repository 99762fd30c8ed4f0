// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The one entry point of LBFGSpp (`<LBFGSB.h>`) into specinv.
///
/// Debian ships LBFGSpp 0.1.0, whose defaults differ from later releases (newer ones changed the
/// default line search), so everything is passed explicitly here: the More-Thuente line search,
/// which enforces the strong Wolfe conditions, and every tolerance. LBFGSpp reports a failed line
/// search by throwing `std::runtime_error`; that is not an error for specinv (STYLE X3), so the
/// adapter keeps the best iterate seen and returns normally; `converged` then says whether that
/// iterate meets the gradient tolerance.
/// LBFGSpp throws, so it is unavailable in builds without exceptions; there
/// `minimize_nonnegative` reports failure instead.

#include <limits>

#include <Eigen/Core>

#include "../core/error.hpp"

#if SPECINV_HAS_EXCEPTIONS
#include <stdexcept>

#include <LBFGSB.h>
#endif

namespace specinv::detail {

/// What a bounded minimisation achieved.
struct MinimizeResult {
  int iterations = 0;      ///< L-BFGS-B iterations (objective evaluations if the line search failed)
  bool converged = false;  ///< stopped by a tolerance, or the projected gradient is within it
  bool available = true;   ///< false when built without exceptions (LBFGSpp needs them)
};

/// \brief Minimises `f` over `x >= 0` with L-BFGS-B, starting from `x`.
/// \param f callable `double f(const Eigen::VectorXd& x, Eigen::VectorXd& grad)`
/// \param[in,out] x start, then the best point found
/// \param max_iter iteration cap (>= 1)
/// \param grad_tolerance stop when the projected gradient's infinity norm is below this
/// \param change_tolerance stop when the objective changes by less than this (relative) in one iteration
template <class F>
MinimizeResult minimize_nonnegative(F& f, Eigen::VectorXd& x, int max_iter, double grad_tolerance,
                                    double change_tolerance) {
  MinimizeResult result;
#if SPECINV_HAS_EXCEPTIONS
  LBFGSpp::LBFGSBParam<double> param;
  param.m = 6;
  param.epsilon = grad_tolerance;
  param.epsilon_rel = 0.0;
  param.past = 1;
  param.delta = change_tolerance;
  param.max_iterations = max_iter;
  param.max_linesearch = 40;
  param.ftol = 1e-4;   // sufficient decrease (Armijo)
  param.wolfe = 0.9;   // curvature condition
  LBFGSpp::LBFGSBSolver<double, LBFGSpp::LineSearchMoreThuente> solver(param);

  // Tracks the best point, since a line search that gives up may leave `x` anywhere.
  double best = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_x = x;
  int evaluations = 0;
  auto tracked = [&](const Eigen::VectorXd& at, Eigen::VectorXd& grad) {
    const double value = f(at, grad);
    ++evaluations;
    if (value < best) {
      best = value;
      best_x = at;
    }
    return value;
  };
  const Eigen::VectorXd lower = Eigen::VectorXd::Zero(x.size());
  const Eigen::VectorXd upper = Eigen::VectorXd::Constant(x.size(), std::numeric_limits<double>::infinity());
  double fx = 0.0;
  bool stopped_by_test = false;
  try {
    result.iterations = solver.minimize(tracked, x, fx, lower, upper);
    stopped_by_test = result.iterations < max_iter;
  } catch (const std::runtime_error&) {
    result.iterations = evaluations;
  } catch (const std::logic_error&) {  // 0.1.0 also throws logic_error when the line search fails
    result.iterations = evaluations;
  }
  // Line-search trial points can overshoot the bound by a rounding error: project back onto x >= 0.
  x = best_x.cwiseMax(0.0);
  // Converged when a stopping test holds at the point returned (0.1.0 has no final gradient).
  Eigen::VectorXd grad(x.size());
  const double value = f(x, grad);
  const double projected = ((x - grad).cwiseMax(0.0) - x).cwiseAbs().maxCoeff();
  result.converged = stopped_by_test || projected <= grad_tolerance || value == 0.0;
#else
  (void)f, (void)x, (void)max_iter, (void)grad_tolerance, (void)change_tolerance;
  result.available = false;
#endif
  return result;
}

}  // namespace specinv::detail
