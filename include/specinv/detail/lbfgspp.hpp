// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The one entry point of LBFGSpp (`<LBFGS.h>`, `<LBFGSB.h>`) into specinv:
/// `minimize_nonnegative` (L-BFGS-B, for the filterbank inverse) and `LbfgsMinimizer`
/// (unconstrained L-BFGS with a per-iteration hook, for phase/lbfgs.hpp).
///
/// Debian ships LBFGSpp 0.1.0, whose defaults differ from later releases (newer ones changed the
/// default line search), so everything is passed explicitly here: the More-Thuente line search,
/// which enforces the strong Wolfe conditions, and every tolerance. LBFGSpp reports a failed line
/// search by throwing `std::runtime_error`; that is not an error for specinv (STYLE X3), so the
/// adapter keeps the best iterate seen and returns normally; `converged` then says whether that
/// iterate meets the gradient tolerance.
/// LBFGSpp throws, so it is unavailable in builds without exceptions; there
/// `minimize_nonnegative` reports failure instead.

#include <cmath>
#include <exception>
#include <functional>
#include <limits>

#include <Eigen/Core>

#include "../core/error.hpp"

#if SPECINV_HAS_EXCEPTIONS
#include <stdexcept>

#include <LBFGS.h>
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
///
/// `f` is type-erased on purpose: LBFGSpp's L-BFGS-B solver is one of the heaviest templates to
/// compile, and this way a translation unit instantiates it once, not once per objective type
/// (float and double filterbank inverses); a call through std::function per evaluation costs
/// nothing next to the evaluation. It is a template (called as `minimize_nonnegative<double>`) for
/// the same reason: a non-template body would instantiate the solver in every translation unit
/// that merely includes this header.
/// \tparam Scalar the solver's precision
template <class Scalar>
MinimizeResult minimize_nonnegative(
    const std::function<Scalar(const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>&, Eigen::Matrix<Scalar, Eigen::Dynamic, 1>&)>& f,
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& x, int max_iter, Scalar grad_tolerance, Scalar change_tolerance) {
  MinimizeResult result;
#if SPECINV_HAS_EXCEPTIONS
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  LBFGSpp::LBFGSBParam<Scalar> param;
  param.m = 6;
  param.epsilon = grad_tolerance;
  param.epsilon_rel = 0.0;
  param.past = 1;
  param.delta = change_tolerance;
  param.max_iterations = max_iter;
  param.max_linesearch = 40;
  param.ftol = 1e-4;   // sufficient decrease (Armijo)
  param.wolfe = 0.9;   // curvature condition
  LBFGSpp::LBFGSBSolver<Scalar, LBFGSpp::LineSearchMoreThuente> solver(param);

  // Tracks the best point, since a line search that gives up may leave `x` anywhere.
  Scalar best = std::numeric_limits<Scalar>::infinity();
  Vector best_x = x;
  int evaluations = 0;
  auto tracked = [&](const Vector& at, Vector& grad) {
    const Scalar value = f(at, grad);
    ++evaluations;
    if (value < best) {
      best = value;
      best_x = at;
    }
    return value;
  };
  const Vector lower = Vector::Zero(x.size());
  const Vector upper = Vector::Constant(x.size(), std::numeric_limits<Scalar>::infinity());
  Scalar fx = 0;
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
  Vector grad(x.size());
  const Scalar value = f(x, grad);
  const Scalar projected = ((x - grad).cwiseMax(0.0) - x).cwiseAbs().maxCoeff();
  result.converged = stopped_by_test || projected <= grad_tolerance || value == 0.0;
#else
  (void)f, (void)x, (void)max_iter, (void)grad_tolerance, (void)change_tolerance;
  result.available = false;
#endif
  return result;
}

/// Settings of `LbfgsMinimizer` (LBFGSpp's LBFGSParam fields that it uses).
struct LbfgsSettings {
  int history_size = 10;     ///< m, the number of correction pairs kept (>= 1)
  int max_linesearch = 20;   ///< objective evaluations per line search (>= 1)
  double ftol = 1e-4;        ///< sufficient-decrease (Armijo) constant, 0 < ftol < 0.5
  double wolfe = 0.9;        ///< curvature constant of the strong Wolfe condition, ftol < wolfe < 1
};

/// Why `LbfgsMinimizer::minimize` returned.
enum class LbfgsStop {
  max_iter,     ///< all iterations ran
  observer,     ///< the observer asked to stop
  stationary,   ///< the gradient is zero (or the objective is not finite): no descent direction
  line_search,  ///< the line search failed along steepest descent; the best point is kept
  unavailable,  ///< built without exceptions: LBFGSpp cannot be used, nothing ran
};

/// What `LbfgsMinimizer::minimize` did.
struct LbfgsResult {
  int iterations = 0;                  ///< iterations that ran (each evaluated, most also updated)
  LbfgsStop stop = LbfgsStop::max_iter;
  double value = 0;                    ///< objective at the returned point
};

/// \brief Unconstrained L-BFGS that owns its vectors, so that repeated runs of the same size
/// allocate nothing, and that calls an observer at every iteration.
///
/// This is LBFGSpp's `LBFGSSolver::minimize` written out (0.1.0 has no per-iteration hook): the
/// two-loop recursion of `LBFGSpp::BFGSMat` gives the direction d = -H g, and
/// `LBFGSpp::LineSearchNocedalWright` finds a step satisfying the strong Wolfe conditions, starting
/// from 1 (from 1 / ||g|| along steepest descent). Differences, all for robustness: a correction
/// pair is stored only when s'y > 0 (BFGS needs it to stay positive definite); a direction that
/// does not descend, or a failed line search (LBFGSpp throws), restarts from steepest descent with
/// the memory cleared, and a failure along steepest descent ends the run at the best point, which
/// is the previous iterate (STYLE X3: not an error). Every accepted step decreases the objective.
/// \tparam Scalar the optimiser's precision (the objective may compute in another)
template <class Scalar>
class LbfgsMinimizer {
 public:
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  /// True when this build can run it (LBFGSpp needs exceptions).
  static constexpr bool available() noexcept { return SPECINV_HAS_EXCEPTIONS != 0; }

  /// Sizes the workspace for `n` unknowns (allocates when n or the history size changes).
  void reset(Eigen::Index n, const LbfgsSettings& settings) {
    m_settings = settings;
    m_grad.resize(n);
    m_xp.resize(n);
    m_gp.resize(n);
    m_drt.resize(n);
    m_s.resize(n);
    m_y.resize(n);
#if SPECINV_HAS_EXCEPTIONS
    m_param.m = settings.history_size;
    m_param.epsilon = Scalar(0);
    m_param.epsilon_rel = Scalar(0);
    m_param.past = 0;
    m_param.delta = Scalar(0);
    m_param.max_iterations = 0;
    m_param.linesearch = LBFGSpp::LBFGS_LINESEARCH_BACKTRACKING_STRONG_WOLFE;
    m_param.max_linesearch = settings.max_linesearch;
    m_param.min_step = Scalar(0);
    m_param.max_step = std::numeric_limits<Scalar>::max();
    m_param.ftol = Scalar(settings.ftol);
    m_param.wolfe = Scalar(settings.wolfe);
    m_param.check_param();
    m_bfgs.reset(int(n), settings.history_size);
#endif
  }

  /// The gradient at the point `minimize` returned.
  const Vector& gradient() const noexcept { return m_grad; }

  /// \brief Minimises `f` from `x` for at most `max_iter` iterations. Allocation-free after
  /// `reset(x.size(), ...)`, as long as `f` and `observe` are.
  ///
  /// Iteration k (1-based) first calls `observe(k, f(x_{k-1}))`, then steps to x_k; when
  /// `observe` returns false the run stops after that step.
  /// \param f callable `Scalar f(const Vector& x, Vector& grad)`: the objective, and its gradient
  ///        written into `grad`
  /// \param[in,out] x the start, then the best point found (the last iterate)
  /// \param observe callable `bool observe(int k, Scalar value)`
  template <class F, class Observe>
  LbfgsResult minimize(F& f, Vector& x, int max_iter, Observe&& observe) {
    LbfgsResult result;
#if SPECINV_HAS_EXCEPTIONS
    const int n = int(x.size());
    m_bfgs.reset(n, m_settings.history_size);  // keeps its storage: no allocation
    Scalar fx = f(x, m_grad);
    for (int k = 1; k <= max_iter; ++k) {
      result.iterations = k;
      const bool go_on = observe(k, fx);
      if (!std::isfinite(fx) || !(m_grad.squaredNorm() > Scalar(0))) {
        result.stop = LbfgsStop::stationary;
        break;
      }
      const Scalar fp = fx;
      bool stepped = false;
      for (int attempt = 0; attempt < 2 && !stepped; ++attempt) {
        m_bfgs.apply_Hv(m_grad, Scalar(-1), m_drt);
        if (!(m_grad.dot(m_drt) < Scalar(0))) {  // not a descent direction: forget the memory
          m_bfgs.reset(n, m_settings.history_size);
          m_drt.noalias() = -m_grad;
        }
        const bool steepest = m_bfgs.num_corrections() == 0;
        Scalar step = steepest ? Scalar(1) / m_drt.norm() : Scalar(1);
        m_xp = x;
        m_gp = m_grad;
        bool failed = false;
        // LBFGSpp reports a failed line search with std::runtime_error / std::logic_error; an
        // exception the objective itself throws (of any type) must reach the caller instead.
        std::exception_ptr objective_error;
        auto guarded = [&f, &objective_error](const Vector& at, Vector& grad) -> Scalar {
          try {
            return f(at, grad);
          } catch (...) {
            objective_error = std::current_exception();
            throw;
          }
        };
        try {
          LBFGSpp::LineSearchNocedalWright<Scalar>::LineSearch(guarded, fx, x, m_grad, step, m_drt, m_xp, m_param);
        } catch (const std::runtime_error&) {  // "insufficient numeric precision"
          if (objective_error) std::rethrow_exception(objective_error);
          failed = true;
        } catch (const std::logic_error&) {    // not a descent direction after all
          if (objective_error) std::rethrow_exception(objective_error);
          failed = true;
        }
        // The line search returns its last trial after max_linesearch evaluations even when that
        // trial is worse: accept only a decrease.
        if (failed || !(fx < fp) || !std::isfinite(fx)) {
          x = m_xp;
          m_grad = m_gp;
          fx = fp;
          if (steepest) break;
          m_bfgs.reset(n, m_settings.history_size);  // retry along steepest descent
          continue;
        }
        stepped = true;
        m_s.noalias() = x - m_xp;
        m_y.noalias() = m_grad - m_gp;
        const Scalar sy = m_s.dot(m_y);
        if (sy > Scalar(0) && std::isfinite(sy)) m_bfgs.add_correction(m_s, m_y);
      }
      if (!stepped) {
        result.stop = LbfgsStop::line_search;
        break;
      }
      if (!go_on) {
        result.stop = LbfgsStop::observer;
        break;
      }
    }
    result.value = double(fx);
#else
    (void)f, (void)x, (void)max_iter, (void)observe;
    result.stop = LbfgsStop::unavailable;
#endif
    return result;
  }

 private:
  LbfgsSettings m_settings;
  Vector m_grad, m_xp, m_gp, m_drt, m_s, m_y;
#if SPECINV_HAS_EXCEPTIONS
  LBFGSpp::LBFGSParam<Scalar> m_param;
  LBFGSpp::BFGSMat<Scalar, false> m_bfgs;
#endif
};

}  // namespace specinv::detail
