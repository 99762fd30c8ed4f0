// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `InverseFilterbank`: from a filtered (mel, bark...) spectrogram back to a non-negative
/// linear one, all frames at once.
///
/// With the filterbank `F` of shape (n_freqs, n_filters) and `A = F^T`, a filtered spectrogram is
/// `Y = A X` for a linear spectrogram `X >= 0` (magnitude or power: the inverse is linear, so it
/// returns whichever was filtered). There are far fewer filters than bins, so `A X = Y` has many
/// solutions; the methods differ in which one they return and at what cost.
///
/// - `least_squares`: the minimum-norm least-squares solution `pinv(A) Y`, then clamped at 0,
///   which is what torchaudio >= 2.1's InverseMelScale does (`relu(lstsq(...))`). The
///   pseudo-inverse comes from a complete orthogonal decomposition made once at construction, so
///   solving is one matrix product. Fast, but the clamp leaves a residual (about 8% on speech).
/// - `nnls`: the exact non-negative least-squares solution, per frame; among the minimisers it
///   returns the one of minimum norm, so it equals `least_squares` whenever that one needs no
///   clamp. Computed as the limit of the Tikhonov problem
///   \f$\min_{x \ge 0} \tfrac12\|Ax - y\|^2 + \tfrac{\mu}{2}\|x\|^2\f$ with
///   \f$\mu = 10^{-12}\|A\|_2^2\f$, through its dual
///   \f$\max_\lambda\ y^T\lambda - \tfrac12\|\lambda\|^2 - \tfrac1{2\mu}\|\max(0, A^T\lambda)\|^2\f$,
///   \f$x = \max(0, A^T\lambda)/\mu\f$: an unconstrained, concave, piecewise-quadratic problem in
///   only n_filters unknowns. A semismooth Newton method solves it with an exact line search; its
///   Hessian `I + A_P A_P^T / mu` (P: the bins with x > 0) is a band matrix, tridiagonal for
///   triangular filters, so an iteration costs O(nnz(A)). Each frame starts from its neighbour's
///   solution and typically takes 3 to 10 iterations. The result satisfies the KKT conditions
///   (x >= 0, gradient >= 0, x * gradient = 0) to about 1e-10 relative.
/// - `gradient`: torchaudio 0.13's InverseMelScale / InverseBarkScale: SGD with momentum on the
///   loss "squared error summed over filters, averaged over frames" (averaged over all frames of a
///   batch too), clamping at 0 after every step, stopping after `max_iter` steps or when the loss
///   falls below `tolerance_loss` or changes by less than `tolerance_change`. Vectorised: one
///   sparse product per step for all frames. Starts from zero (torchaudio: `torch.rand`), which
///   keeps it deterministic and puts no noise in the filterbank's null space.
/// - `lbfgsb`: L-BFGS-B with the bound x >= 0 (LBFGSpp, More-Thuente line search), frame by
///   frame on the normalised objective \f$\tfrac12\|Au - y/\|y\|\|^2\f$, started from the
///   `least_squares` result. (One problem over the whole spectrogram is slower: LBFGSpp's Cauchy
///   point sorts every variable.)
///
/// Filterbanks with an all-zero filter (more filters than the bins can hold, see
/// `inspect_filterbank`) are refused at construction with an `invalid_argument` naming the
/// filters: such a filter's channel can never be reproduced, and the usual fix (fewer filters,
/// more bins) belongs to the caller.

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SparseCore>

#include "../core/error.hpp"
#include "../core/types.hpp"
#include "../detail/band_cholesky.hpp"
#include "../detail/check.hpp"
#include "../detail/filter_ranges.hpp"
#include "../detail/lbfgspp.hpp"
#include "../detail/math.hpp"
#include "scales.hpp"

namespace specinv {

/// \brief How `InverseFilterbank` solves for the linear spectrogram.
enum class InverseMethod {
  least_squares,  ///< minimum-norm least squares, clamped at 0 (torchaudio >= 2.1)
  nnls,           ///< exact non-negative least squares (minimum-norm minimiser), per frame
  gradient,       ///< SGD with momentum, torchaudio 0.13 InverseMelScale semantics
  lbfgsb,         ///< L-BFGS-B with bound 0 (LBFGSpp)
};

/// Lower-case name of the method ("least_squares", "nnls", "gradient", "lbfgsb").
inline const char* to_string(InverseMethod method) noexcept {
  switch (method) {
    case InverseMethod::least_squares: return "least_squares";
    case InverseMethod::nnls: return "nnls";
    case InverseMethod::gradient: return "gradient";
    case InverseMethod::lbfgsb: return "lbfgsb";
  }
  return "unknown";
}

/// \brief Options of `InverseFilterbank`. The iterative knobs mirror torchaudio 0.13's
/// `InverseMelScale(max_iter, tolerance_loss, tolerance_change, sgdargs={'lr', 'momentum'})`.
struct InverseParams {
  /// The solver. Default `nnls`, the exact one.
  InverseMethod method = InverseMethod::nnls;
  /// Iteration cap, >= 1: SGD steps (`gradient`), L-BFGS-B iterations (`lbfgsb`), Newton
  /// iterations per frame (`nnls`, which needs far fewer). torchaudio's default is 100000.
  int max_iter = 1000;
  /// `gradient`: stop when the loss (squared error summed over filters, averaged over frames)
  /// falls below this. `lbfgsb`: stop when the projected gradient of each frame's normalised
  /// objective falls below this (infinity norm). >= 0. torchaudio: tolerance_loss.
  double tolerance_loss = 1e-5;
  /// `gradient`: stop when the loss changes by less than this in one step. `lbfgsb`: stop when a
  /// frame's normalised objective changes by less than this in one iteration. >= 0.
  /// torchaudio: tolerance_change.
  double tolerance_change = 1e-8;
  /// `gradient`: SGD step size, > 0. torchaudio: sgdargs['lr'].
  double learning_rate = 0.1;
  /// `gradient`: SGD momentum in [0, 1) (torch.optim.SGD, dampening 0). torchaudio: sgdargs['momentum'].
  double momentum = 0.9;

  /// \throws specinv::invalid_argument naming the first field out of range
  void validate() const {
    constexpr const char* where = "InverseParams";
    detail::require(max_iter >= 1, where, "max_iter", max_iter, "max_iter >= 1");
    detail::require(std::isfinite(tolerance_loss) && tolerance_loss >= 0.0, where, "tolerance_loss",
                    tolerance_loss, "a finite tolerance_loss >= 0");
    detail::require(std::isfinite(tolerance_change) && tolerance_change >= 0.0, where, "tolerance_change",
                    tolerance_change, "a finite tolerance_change >= 0");
    detail::require(std::isfinite(learning_rate) && learning_rate > 0.0, where, "learning_rate", learning_rate,
                    "a finite learning_rate > 0");
    detail::require(momentum >= 0.0 && momentum < 1.0, where, "momentum", momentum, "0 <= momentum < 1");
    detail::require(SPECINV_HAS_EXCEPTIONS || method != InverseMethod::lbfgsb, where, "method", "lbfgsb",
                    "another method: lbfgsb uses LBFGSpp, which needs exceptions");
  }
};

/// \brief What an inversion achieved. Not converging is not an error: the result is still the
/// best non-negative estimate found.
struct InverseReport {
  InverseMethod method = InverseMethod::nnls;
  /// `least_squares`: 1. `nnls`, `lbfgsb`: the most iterations any frame needed (`lbfgsb`:
  /// objective evaluations for a frame whose line search gave up). `gradient`: SGD steps.
  int iterations = 0;
  /// Relative residual ||F^T X - Y||_F / ||Y||_F of the returned X (0 for an all-zero Y).
  double residual = 0.0;
  /// False when `max_iter` stopped the solver (or L-BFGS-B's line search gave up).
  bool converged = true;
};

template <class T>
class InverseFilterbank;

/// \brief Scratch space of `InverseFilterbank::solve`: reuse one per thread, and calls after the
/// first with the same number of frames allocate nothing (`lbfgsb` excepted, LBFGSpp allocates).
template <class T>
class InverseWorkspace {
 private:
  friend class InverseFilterbank<T>;
  using Vector = Eigen::VectorXd;
  using Matrix = Magnitude<T>;

  // nnls, per frame, in double: filter-sized and bin-sized vectors, the Newton system, the line
  // search's breakpoints.
  Vector y, lambda, lambda_prev, g, d, ax;
  Vector z, w, x, weights;
  Eigen::Array<bool, Eigen::Dynamic, 1> active, active_prev;
  detail::BandCholesky<double> hessian;
  std::vector<std::pair<double, Index>> breakpoints;
  // gradient: residual, gradient and momentum buffer for all frames at once.
  Matrix residual, grad, velocity;
};

/// \brief Maps a filtered spectrogram back to a non-negative linear spectrogram.
///
/// Factorises the filterbank once at construction; a call then solves all frames (and all batch
/// items) at once. `operator()` is const and thread-safe; `solve` reuses a caller-owned workspace.
/// \tparam T float or double (`nnls` and `lbfgsb` compute in double internally either way)
template <class T>
class InverseFilterbank {
  static_assert(detail::is_real_scalar_v<T>, "InverseFilterbank<T>: T must be float or double");

 public:
  /// \param filterbank shape (n_freqs, n_filters), as `mel_filterbank` returns it; finite, >= 0,
  ///        and no all-zero filter (column)
  /// \param params the method and its knobs
  /// \throws specinv::invalid_argument naming `filterbank` or the `InverseParams` field at fault
  explicit InverseFilterbank(Magnitude<T> filterbank, InverseParams params = {})
      : m_fb(std::move(filterbank)), m_params(params) {
    m_params.validate();
    check_filterbank();
    build_sparse();
    const Eigen::MatrixXd a = m_fb.transpose().template cast<double>();
    m_pinv64 = Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(a).pseudoInverse();
    m_pinv = m_pinv64.template cast<T>();
    const double norm2 = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(a * a.transpose(), Eigen::EigenvaluesOnly)
                             .eigenvalues()
                             .maxCoeff();
    m_mu = 1e-12 * norm2;
    m_cold.resize(n_filters(), m_ranges.bandwidth());
    for (Index m = 0; m < n_filters(); ++m) m_cold.band(0, m) = 1.0;
    m_ranges.add_gram(Eigen::VectorXd::Constant(n_freqs(), 1.0 / m_mu), m_cold);
    if (!m_cold.factorize()) {
      SPECINV_THROW(runtime_error("InverseFilterbank: the normal matrix of the filterbank is not positive definite"));
    }
  }

  /// Number of linear frequency bins (rows of the output).
  Index n_freqs() const noexcept { return m_fb.rows(); }
  /// Number of filters (rows of the input).
  Index n_filters() const noexcept { return m_fb.cols(); }
  /// The filterbank, shape (n_freqs, n_filters).
  const Magnitude<T>& filterbank() const noexcept { return m_fb; }
  /// The options given at construction.
  const InverseParams& params() const noexcept { return m_params; }

  /// \brief Inverts every frame.
  /// \param[in] filtered shape (n_filters, frames), finite and >= 0
  /// \returns shape (n_freqs, frames), >= 0
  /// \throws specinv::invalid_argument naming `filtered` when its shape or values are invalid
  Magnitude<T> operator()(const Eigen::Ref<const Magnitude<T>>& filtered) const {
    InverseReport report;
    return (*this)(filtered, report);
  }

  /// \brief As above, and reports iterations and residual in `report`.
  Magnitude<T> operator()(const Eigen::Ref<const Magnitude<T>>& filtered, InverseReport& report) const {
    InverseWorkspace<T> workspace;
    Magnitude<T> out(n_freqs(), filtered.cols());
    report = solve(filtered, out, workspace);
    return out;
  }

  /// \brief Batched inverse: the batch is solved as one run of frames (for `gradient`, the loss
  /// averages over all of them, as torchaudio's does over a batch).
  /// \param[in] filtered shape (n_filters, frames, batch)
  /// \returns shape (n_freqs, frames, batch)
  MagnitudeBatch<T> operator()(const MagnitudeBatch<T>& filtered) const {
    InverseWorkspace<T> workspace;
    MagnitudeBatch<T> out(n_freqs(), filtered.dimension(1), filtered.dimension(2));
    solve(Eigen::TensorMap<const MagnitudeBatch<T>>(filtered.data(), filtered.dimensions()),
          Eigen::TensorMap<MagnitudeBatch<T>>(out.data(), out.dimensions()), workspace);
    return out;
  }

  /// \brief Batched inverse into caller storage.
  /// \param[in] filtered shape (n_filters, frames, batch) \param[out] out shape (n_freqs, frames, batch)
  InverseReport solve(const Eigen::TensorMap<const MagnitudeBatch<T>>& filtered,
                      Eigen::TensorMap<MagnitudeBatch<T>> out, InverseWorkspace<T>& workspace) const {
    detail::require(filtered.dimension(0) == n_filters(), "InverseFilterbank", "filtered.dimension(0)",
                    filtered.dimension(0), "n_filters, the number of filterbank columns");
    detail::require(out.dimension(0) == n_freqs() && out.dimension(1) == filtered.dimension(1) &&
                        out.dimension(2) == filtered.dimension(2),
                    "InverseFilterbank", "out.dimension(0)", out.dimension(0),
                    "out of shape (n_freqs, frames, batch) matching filtered");
    const Index columns = filtered.dimension(1) * filtered.dimension(2);
    const Eigen::Map<const Magnitude<T>> in_map(filtered.data(), n_filters(), columns);
    Eigen::Map<Magnitude<T>> out_map(out.data(), n_freqs(), columns);
    return solve(in_map, out_map, workspace);
  }

  /// \brief Inverts every frame into caller storage; allocation-free once `workspace` has seen
  /// this many frames (except for `lbfgsb`).
  /// \param[in] filtered shape (n_filters, frames), finite and >= 0
  /// \param[out] out shape (n_freqs, frames), >= 0
  /// \throws specinv::invalid_argument naming `filtered` or `out` when a shape or value is invalid
  ///         (values so large that the solution overflows T among them; `out` is then unspecified)
  InverseReport solve(const Eigen::Ref<const Magnitude<T>>& filtered, Eigen::Ref<Magnitude<T>> out,
                      InverseWorkspace<T>& workspace) const {
    check_input(filtered, out);
    InverseReport report;
    report.method = m_params.method;
    switch (m_params.method) {
      case InverseMethod::least_squares:
        // Frame by frame: a matrix-vector product needs no scratch, where Eigen's matrix product
        // would allocate its blocking buffers on every call.
        for (Index j = 0; j < filtered.cols(); ++j) {
          out.col(j).noalias() = m_pinv * filtered.col(j);
          out.col(j) = out.col(j).cwiseMax(T(0));
        }
        report.iterations = 1;
        break;
      case InverseMethod::nnls: solve_nnls(filtered, out, workspace, report); break;
      case InverseMethod::gradient: solve_gradient(filtered, out, workspace, report); break;
      case InverseMethod::lbfgsb: solve_lbfgsb(filtered, out, workspace, report); break;
    }
    // The solution of a filtered spectrogram near the largest T can exceed it (a filter's weights
    // are below 1): refused rather than returned as Inf.
    bool finite = true;
    for (Index j = 0; j < out.cols() && finite; ++j) finite = detail::all_finite(out.col(j).data(), out.rows());
    detail::require(finite, "InverseFilterbank", "filtered", "values whose solution overflows T",
                    "values small enough that the linear spectrogram is finite in T (scale them down)");
    report.residual = relative_residual(filtered, out, workspace);
    return report;
  }

  /// \brief Relative residual ||F^T X - Y||_F / ||Y||_F (0 when Y is all zero), in double.
  /// \param[in] filtered Y, shape (n_filters, frames) \param[in] linear X, shape (n_freqs, frames)
  double relative_residual(const Eigen::Ref<const Magnitude<T>>& filtered, const Eigen::Ref<const Magnitude<T>>& linear,
                           InverseWorkspace<T>& workspace) const {
    SPECINV_ASSERT(filtered.rows() == n_filters() && linear.rows() == n_freqs() && linear.cols() == filtered.cols());
    prepare(workspace);
    // Scaled by the largest value, so that squares neither overflow nor underflow.
    const double scale = std::max(filtered.size() ? double(filtered.cwiseAbs().maxCoeff()) : 0.0,
                                  linear.size() ? double(linear.cwiseAbs().maxCoeff()) : 0.0);
    if (scale == 0.0) return 0.0;
    double error = 0.0, norm = 0.0;
    for (Index j = 0; j < filtered.cols(); ++j) {
      workspace.x = linear.col(j).template cast<double>() / scale;
      workspace.y = filtered.col(j).template cast<double>() / scale;
      m_ranges.times(workspace.x, workspace.ax);
      error += (workspace.ax - workspace.y).squaredNorm();
      norm += workspace.y.squaredNorm();
    }
    return norm > 0.0 ? std::sqrt(error / norm) : std::sqrt(error);
  }

 private:
  using SparseRows = Eigen::SparseMatrix<T, Eigen::RowMajor>;

  void check_filterbank() const {
    constexpr const char* where = "InverseFilterbank";
    detail::require(m_fb.rows() >= 1 && m_fb.cols() >= 1, where, "filterbank.rows() * filterbank.cols()",
                    m_fb.rows() * m_fb.cols(), "a filterbank of shape (n_freqs >= 1, n_filters >= 1)");
    detail::require(detail::all_finite(m_fb.data(), m_fb.size()) && (m_fb.array() >= T(0)).all(), where,
                    "filterbank", "(values)", "finite, non-negative filter weights");
    const FilterbankInfo info = inspect_filterbank<T>(m_fb);
    if (!info.ok()) {
      std::ostringstream filters;
      for (std::size_t k = 0; k < info.empty_filters.size(); ++k) filters << (k ? ", " : "") << info.empty_filters[k];
      detail::throw_invalid(where, "filterbank", "(n_freqs " + std::to_string(m_fb.rows()) + ", n_filters " +
                                                     std::to_string(m_fb.cols()) + ")",
                            "no all-zero filter, but filters " + filters.str() +
                                " are all zero: lower the number of filters or raise n_freqs");
    }
  }

  void build_sparse() {
    m_ranges = detail::FilterRanges<double>(m_fb);
    m_a = m_fb.transpose().sparseView();
    m_at = m_fb.sparseView();
    m_a.makeCompressed();
    m_at.makeCompressed();
  }

  void check_input(const Eigen::Ref<const Magnitude<T>>& filtered, const Eigen::Ref<const Magnitude<T>>& out) const {
    constexpr const char* where = "InverseFilterbank";
    detail::require(filtered.rows() == n_filters(), where, "filtered.rows()", filtered.rows(),
                    "n_filters, the number of filterbank columns");
    detail::require(out.rows() == n_freqs() && out.cols() == filtered.cols(), where, "out.rows()", out.rows(),
                    "out of shape (n_freqs, filtered.cols())");
    bool finite = true;
    for (Index j = 0; j < filtered.cols() && finite; ++j) finite = detail::all_finite(filtered.col(j).data(), filtered.rows());
    detail::require(finite, where, "filtered", "(values)", "finite values (no NaN or Inf)");
    detail::require(filtered.size() == 0 || filtered.minCoeff() >= T(0), where, "filtered",
                    filtered.size() ? double(filtered.minCoeff()) : 0.0, "non-negative values (a magnitude or power)");
  }

  void prepare(InverseWorkspace<T>& ws) const {
    const Index m = n_filters(), n = n_freqs();
    if (ws.y.size() != m) {
      for (Eigen::VectorXd* v : {&ws.y, &ws.lambda, &ws.lambda_prev, &ws.g, &ws.d, &ws.ax}) v->resize(m);
    }
    if (ws.hessian.size() != m || ws.hessian.bandwidth() != m_ranges.bandwidth()) {
      ws.hessian.resize(m, m_ranges.bandwidth());  // a workspace may move between filterbanks
    }
    if (ws.z.size() != n) {
      for (Eigen::VectorXd* v : {&ws.z, &ws.w, &ws.x, &ws.weights}) v->resize(n);
      ws.active.resize(n);
      ws.active_prev.resize(n);
      ws.breakpoints.reserve(std::size_t(n));
    }
  }

  // ---- nnls: semismooth Newton on the dual, one frame at a time --------------------------------

  void solve_nnls(const Eigen::Ref<const Magnitude<T>>& filtered, Eigen::Ref<Magnitude<T>> out,
                  InverseWorkspace<T>& ws, InverseReport& report) const {
    prepare(ws);
    double previous_norm = 0.0;
    for (Index j = 0; j < filtered.cols(); ++j) {
      ws.y = filtered.col(j).template cast<double>();
      const double peak = ws.y.maxCoeff();
      if (peak == 0.0) {  // silence: x = 0 exactly; keep the warm start of the last sound
        out.col(j).setZero();
        continue;
      }
      // Solve for y / scale, with scale the power of two at y's peak: the squares and products
      // neither overflow nor underflow, and the scaling itself rounds nothing.
      const double scale = std::ldexp(1.0, std::ilogb(peak));
      ws.y /= scale;
      const double norm = ws.y.norm();
      if (previous_norm > 0.0) {
        ws.lambda = ws.lambda_prev * (norm / previous_norm);  // the dual scales with y
      } else {
        ws.lambda = ws.y;  // cold start: one Newton step from lambda = 0 with every bin active
        m_cold.solve_in_place(ws.lambda);
      }
      const auto [iterations, converged] = newton(norm, ws);
      report.iterations = std::max(report.iterations, iterations);
      report.converged = report.converged && converged;
      const double factor = scale / m_mu;  // overflows for a peak near the largest double
      if (std::isfinite(factor))
        out.col(j) = (ws.z.array().max(0.0) * factor).template cast<T>().matrix();
      else
        out.col(j) = ((ws.z.array().max(0.0) / m_mu) * scale).template cast<T>().matrix();
      ws.lambda_prev = ws.lambda;
      previous_norm = norm;
    }
  }

  // Maximises the dual from ws.lambda; leaves lambda and z = A^T lambda at the optimum.
  std::pair<int, bool> newton(double y_norm, InverseWorkspace<T>& ws) const {
    m_ranges.transpose_times(ws.lambda, ws.z);
    double previous_norm = std::numeric_limits<double>::infinity();
    for (int it = 0; it < m_params.max_iter; ++it) {
      ws.x = ws.z.array().max(0.0) / m_mu;
      m_ranges.times(ws.x, ws.ax);
      ws.g = ws.y - ws.lambda - ws.ax;  // gradient of the dual
      ws.active = ws.z.array() > 0.0;
      // The dual is C^1, so a gradient at rounding level is the optimum, whatever bins with
      // z ~ 0 do. On one piece it is quadratic and a Newton step lands on its optimum, so a step
      // that kept the active set and did not shrink the gradient has met rounding: stop there too.
      const bool same_set = it > 0 && (ws.active == ws.active_prev).all();
      const double g_norm = ws.g.norm();
      if (g_norm <= 1e-11 * y_norm) return {it, true};
      if (same_set && g_norm >= 0.5 * previous_norm) return {it, g_norm <= 1e-6 * y_norm};  // stalled
      previous_norm = same_set ? g_norm : std::numeric_limits<double>::infinity();
      auto& h = ws.hessian;  // I + A_P A_P^T / mu, refactorised only when P moved
      if (!same_set) {
        ws.active_prev = ws.active;
        h.clear();
        for (Index m = 0; m < n_filters(); ++m) h.band(0, m) = 1.0;
        ws.weights = ws.active.template cast<double>() / m_mu;
        m_ranges.add_gram(ws.weights, h);
        if (!h.factorize()) return {it + 1, false};  // not SPD to working precision: keep this iterate
      }
      ws.d = ws.g;
      h.solve_in_place(ws.d);
      m_ranges.transpose_times(ws.d, ws.w);
      const double t = exact_step(ws);
      ws.lambda += t * ws.d;
      ws.z += t * ws.w;
    }
    return {m_params.max_iter, false};
  }

  // Exact maximiser over t > 0 of the dual along lambda + t d. Its derivative is
  // phi'(t) = g.d - t d.d - (1/mu) sum_i w_i (max(0, z_i + t w_i) - max(0, z_i)): piecewise linear
  // and decreasing, with a kink where some z_i + t w_i crosses 0. Walk the kinks in order.
  double exact_step(InverseWorkspace<T>& ws) const {
    double a = ws.g.dot(ws.d), b = ws.d.squaredNorm();
    if (!(b > 0.0) || !std::isfinite(a)) return 0.0;
    auto& kinks = ws.breakpoints;
    kinks.clear();
    for (Index i = 0; i < n_freqs(); ++i) {
      const double zi = ws.z[i], wi = ws.w[i];
      if (zi > 0.0 || (zi == 0.0 && wi > 0.0)) b += wi * wi / m_mu;
      if ((zi > 0.0 && wi < 0.0) || (zi < 0.0 && wi > 0.0)) kinks.emplace_back(-zi / wi, i);
    }
    if (!std::isfinite(a / b)) return 0.0;  // cannot happen on normalised frames; never loop on NaN
    // Most kinks lie far beyond the step, so only those below a moving cut are put in the heap.
    const auto later = std::greater<std::pair<double, Index>>();
    auto rest = kinks.begin();
    double cut = 2.0 * std::max(a / b, 1.0);
    for (;;) {
      auto heap_end = std::partition(rest, kinks.end(), [cut](const auto& kink) { return kink.first <= cut; });
      const auto next = heap_end;
      std::make_heap(rest, heap_end, later);
      while (rest != heap_end) {
        if (a / b <= rest->first) return a / b;  // the root of phi' comes before the next kink
        std::pop_heap(rest, heap_end, later);
        --heap_end;
        const Index i = heap_end->second;
        const double zi = ws.z[i], wi = ws.w[i];
        if (zi > 0.0) {  // bin i leaves the active set
          a += wi * zi / m_mu;
          b -= wi * wi / m_mu;
        } else {  // bin i enters it
          a -= wi * zi / m_mu;
          b += wi * wi / m_mu;
        }
      }
      if (next == kinks.end() || a / b <= cut) return a / b;
      rest = next;
      cut = 2.0 * (a / b);
    }
  }

  // ---- gradient: torchaudio 0.13 InverseMelScale, vectorised over frames -----------------------

  void solve_gradient(const Eigen::Ref<const Magnitude<T>>& filtered, Eigen::Ref<Magnitude<T>> out,
                      InverseWorkspace<T>& ws, InverseReport& report) const {
    const Index frames = filtered.cols();
    out.setZero();
    if (frames == 0) return;
    ws.residual.resize(n_filters(), frames);
    ws.grad.resize(n_freqs(), frames);
    ws.velocity.resize(n_freqs(), frames);
    const T lr = T(m_params.learning_rate), momentum = T(m_params.momentum);
    const T scale = T(2.0 / double(frames));  // d/dX of mean over frames of the summed squared error
    double previous = std::numeric_limits<double>::infinity();
    report.converged = false;
    for (int it = 1; it <= m_params.max_iter; ++it) {
      ws.residual.noalias() = m_a * out;
      ws.residual -= filtered;
      const double loss = ws.residual.template cast<double>().squaredNorm() / double(frames);
      if (it == 1 && !std::isfinite(loss)) {  // from out = 0: the input's own squares overflow
        detail::throw_invalid("InverseFilterbank", "filtered", "values whose squares overflow double",
                              "values below about 1e150 for the gradient method (scale them down)");
      }
      if (!std::isfinite(loss)) {
        detail::throw_invalid("InverseFilterbank", "learning_rate", m_params.learning_rate,
                              "a smaller learning_rate: gradient descent diverged");
      }
      ws.grad.noalias() = m_at * ws.residual;
      if (it == 1) {
        ws.velocity = scale * ws.grad;  // torch.optim.SGD: the first momentum buffer is the gradient
      } else {
        ws.velocity = momentum * ws.velocity + scale * ws.grad;
      }
      out -= lr * ws.velocity;
      out = out.cwiseMax(T(0));
      report.iterations = it;
      if (loss < m_params.tolerance_loss || std::abs(previous - loss) < m_params.tolerance_change) {
        report.converged = true;
        break;
      }
      previous = loss;
    }
    if (!detail::all_finite(out.data(), out.size())) {  // the last step is not followed by a loss
      detail::throw_invalid("InverseFilterbank", "learning_rate", m_params.learning_rate,
                            "a smaller learning_rate: gradient descent diverged");
    }
  }

  // ---- lbfgsb: L-BFGS-B on the whole spectrogram ----------------------------------------------

  void solve_lbfgsb(const Eigen::Ref<const Magnitude<T>>& filtered, Eigen::Ref<Magnitude<T>> out,
                    InverseWorkspace<T>& ws, InverseReport& report) const {
    prepare(ws);
    for (Index j = 0; j < filtered.cols(); ++j) {
      ws.y = filtered.col(j).template cast<double>();
      double norm = ws.y.norm();
      if (!(norm > 1e-150 && norm < 1e150)) norm = ws.y.stableNorm();  // y^2 under- or overflows
      if (norm == 0.0) {
        out.col(j).setZero();
        continue;
      }
      ws.y /= norm;  // scale-free objective: the tolerances mean the same for loud and quiet frames
      ws.x.noalias() = m_pinv64 * ws.y;
      ws.x = ws.x.cwiseMax(0.0);
      auto objective = [&](const Eigen::VectorXd& x, Eigen::VectorXd& grad) {
        m_ranges.times(x, ws.ax);
        ws.ax -= ws.y;
        m_ranges.transpose_times(ws.ax, grad);
        return 0.5 * ws.ax.squaredNorm();
      };
      const detail::MinimizeResult result = detail::minimize_nonnegative<double>(
          objective, ws.x, m_params.max_iter, m_params.tolerance_loss, m_params.tolerance_change);
      if (!result.available) {
        SPECINV_THROW(runtime_error("InverseFilterbank: the lbfgsb method needs a build with exceptions (LBFGSpp)"));
      }
      report.iterations = std::max(report.iterations, result.iterations);
      report.converged = report.converged && result.converged;
      out.col(j) = (ws.x * norm).template cast<T>();
    }
  }

  Magnitude<T> m_fb;          // (n_freqs, n_filters)
  InverseParams m_params;
  Magnitude<T> m_pinv;        // (n_freqs, n_filters): pinv(F^T)
  Eigen::MatrixXd m_pinv64;   // the same in double: the start of lbfgsb
  detail::FilterRanges<double> m_ranges;  // F^T in double, per filter: the per-frame solvers
  SparseRows m_a, m_at;       // F^T and F in T, rows: filters resp. bins: the gradient method
  double m_mu = 0.0;          // Tikhonov weight of nnls
  detail::BandCholesky<double> m_cold;  // I + A A^T / mu, factorised: the cold start of nnls
};

}  // namespace specinv
