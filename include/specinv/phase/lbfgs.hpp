// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `lbfgs`: phase recovery as unconstrained optimisation of the time signal with L-BFGS,
/// against a magnitude, power, mel or log1p-mel spectrogram, or any user objective.
///
/// The signal x itself is the unknown (Decorsiere et al.): with a differentiable representation
/// R (|STFT x|, |STFT x|^2, F^T |STFT x|^2 or log(1 + F^T |STFT x|^2), F the filterbank) and the
/// target Y, L-BFGS minimises the mean squared error
/// \f[ L(x) = \frac{1}{M} \sum_{i} \big(R(x)_i - Y_i\big)^2 \f]
/// (M the number of target elements; torch's MSELoss, as torch_specinv's L_BFGS). The gradient is
/// analytic: with S = STFT x, \f$\partial L / \partial S\f$ is
/// \f$\tfrac{2}{M}(|S| - Y)\, S / |S|\f$ (0 where |S| = 0, torch's sgn convention) for the
/// magnitude, \f$\tfrac{4}{M}(|S|^2 - Y)\, S\f$ for the power, and
/// \f$2 S \cdot F\, \tfrac{2}{M}(R - Y) / D\f$ for the mel ones (D = 1, or 1 + F^T|S|^2 for
/// log1p), and \f$\nabla_x L = \mathrm{STFT}^*(\partial L / \partial S)\f$ through
/// `Stft::adjoint`. Each iteration takes the L-BFGS direction \f$d = -H_k \nabla L\f$ (two-loop
/// recursion over the last `history_size` pairs) and a step satisfying the strong Wolfe
/// conditions (Nocedal-Wright line search), both from LBFGSpp (see detail/lbfgspp.hpp).
///
/// Cost per iteration: one objective evaluation per line-search trial (usually one, sometimes
/// two or three), each one forward STFT, O(n_freqs) per frame for the representation (plus
/// O(nnz(F)) per frame for mel), and one adjoint STFT (one inverse FFT per frame); plus
/// O(history_size * samples) for the two-loop recursion. The optimiser works in T, as torch
/// does in float32 (the representation's sums are accumulated in double); memory is
/// 2 * history_size + 6 signal-length vectors. In float the line search can run out of precision
/// late in a run (no step gives a representable decrease, even along steepest descent): the run
/// then ends there, at its best iterate, with fewer than max_iter iterations.
///
/// Iteration semantics (phase/common.hpp): iteration k first evaluates the representation
/// metric of x_{k-1} (free: it is the line search's last evaluation) when k is a multiple of
/// `eval_every`, then steps to x_k. torch_specinv's L_BFGS calls torch.optim.LBFGS's `step` with
/// its default 20 inner iterations per outer one, so its `max_iter = N` is up to 20 N of these
/// iterations; its start is N(0, 1e-6^2) noise (`Init::random` here).
///
/// Reference: A. Decorsiere, P. L. Sondergaard, E. N. MacDonald, T. Dau, "Inversion of auditory
/// spectrograms, traditional spectrograms, and other envelope representations", IEEE/ACM TASLP
/// 23(1), 2015. Reference implementation: torch_specinv.L_BFGS (github.com/yoyololicon/
/// spectrogram-inversion), on torch.optim.LBFGS.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "init.hpp"
#include "../core/error.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/filter_ranges.hpp"
#include "../detail/lbfgspp.hpp"
#include "../detail/math.hpp"
#include "../detail/phase_run.hpp"
#include "../detail/thread_pool.hpp"
#include "../fft/backend.hpp"
#include "../filterbank/inverse.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// \brief What `lbfgs` fits to the target (torch_specinv's `transform_fn`).
enum class Representation {
  magnitude,  ///< |STFT x|, shape (n_fft / 2 + 1, frames)
  power,      ///< |STFT x|^2, shape (n_fft / 2 + 1, frames)
  mel,        ///< F^T |STFT x|^2 with the filterbank F, shape (n_filters, frames)
  log1p_mel,  ///< log(1 + F^T |STFT x|^2), shape (n_filters, frames)
};

/// Lowercase name of a Representation value ("magnitude", "power", "mel", "log1p_mel").
inline const char* to_string(Representation r) noexcept {
  switch (r) {
    case Representation::magnitude: return "magnitude";
    case Representation::power: return "power";
    case Representation::mel: return "mel";
    case Representation::log1p_mel: return "log1p_mel";
  }
  return "?";
}

/// \brief Options of `lbfgs` (torch_specinv.L_BFGS, with torch.optim.LBFGS's knobs).
///
/// The shared options mean what they mean for every algorithm, measured on the representation:
/// the metric (and `tol`'s mean squared error) compares R(x) with the target. `init` chooses the
/// start signal: `Init::random` is torch_specinv's, N(0, 1e-6^2) samples (from
/// std::mt19937_64(seed) with specinv's own normal mapping, the same on every standard library);
/// `Init::zero_phase`, `Init::phase_init` and `Init::pghi` are the inverse STFT of the linear
/// magnitude the target implies (the target; its square root for power; for the mel ones the
/// `nnls` InverseFilterbank of the target, after expm1 for log1p_mel, then the square root) with
/// that phase; `Init::given` needs the overloads that take the initial signal.
///
/// The target's largest value must be 0 or within [1e-15, 1e15] in float ([1e-100, 1e100] in
/// double; for log1p_mel at most log1p of those upper limits): L-BFGS minimises the mean squared
/// error in T, so its squares must be representable in T. Scale a target outside (the problem is
/// scale-equivariant for the magnitude, power and mel representations); it is refused, never clamped.
struct LbfgsParams : IterationOptions {
  /// L-BFGS iterations, >= 0 (0 returns the start). Default 1000. torch_specinv's `max_iter` counts
  /// torch.optim.LBFGS steps of 20 iterations each (its default `max_iter=20` per step), so
  /// `max_iter = N` there compares with up to 20 N here.
  int max_iter = 1000;
  /// The representation the target is. Default magnitude.
  Representation representation = Representation::magnitude;
  /// Filterbank F of the mel representations, shape (n_fft / 2 + 1, n_filters), finite, >= 0,
  /// e.g. `mel_filterbank<double>(n_fft / 2 + 1, ...)`; required for mel and log1p_mel, ignored
  /// otherwise.
  Magnitude<double> filterbank;
  /// Correction pairs the inverse-Hessian estimate keeps (L-BFGS memory m), >= 1. Default 10.
  /// torch.optim.LBFGS: history_size (default 100); its memory costs 2 m signal-length vectors.
  int history_size = 10;
  /// Objective evaluations one line search may take, >= 1. Default 20 (LBFGSpp's default;
  /// torch.optim.LBFGS: max_eval, 25 per 20 iterations).
  int max_linesearch = 20;
  /// Sufficient-decrease constant c1 of the strong Wolfe conditions, 0 < ftol < 0.5. Default
  /// 1e-4 (torch's _strong_wolfe c1, LBFGSpp's ftol).
  double ftol = 1e-4;
  /// Curvature constant c2 of the strong Wolfe conditions, ftol < wolfe < 1. Default 0.9 (torch's
  /// _strong_wolfe c2, LBFGSpp's wolfe).
  double wolfe = 0.9;

  /// \throws specinv::invalid_argument naming the first invalid field
  void validate() const {
    constexpr const char* where = "LbfgsParams";
    validate_options(where);
    detail::require(max_iter >= 0, where, "max_iter", max_iter, "max_iter >= 0");
    detail::require(int(representation) >= int(Representation::magnitude) &&
                        int(representation) <= int(Representation::log1p_mel),
                    where, "representation", int(representation), "a Representation enumerator");
    detail::require(history_size >= 1, where, "history_size", history_size, "history_size >= 1");
    detail::require(max_linesearch >= 1, where, "max_linesearch", max_linesearch, "max_linesearch >= 1");
    detail::require(ftol > 0 && ftol < 0.5, where, "ftol", ftol, "0 < ftol < 0.5");
    detail::require(wolfe > ftol && wolfe < 1, where, "wolfe", wolfe, "ftol < wolfe < 1");
    if (representation == Representation::mel || representation == Representation::log1p_mel) {
      detail::require(filterbank.size() > 0, where, "filterbank", "empty",
                      "a filterbank of shape (n_fft / 2 + 1, n_filters) for the mel representations");
      detail::require(filterbank.allFinite() && (filterbank.array() >= 0.0).all(), where, "filterbank",
                      "values with NaN, Inf or negatives", "finite, non-negative filter weights");
    }
  }
};

namespace detail {

/// \brief N(0, sigma^2) samples from std::mt19937_64(seed): Box-Muller on 53-bit uniforms, our
/// own mapping so that every standard library gives the same signal.
template <class T>
void lbfgs_noise(std::uint64_t seed, double sigma, Eigen::Ref<Signal<T>> out) noexcept {
  std::mt19937_64 rng(seed);
  const double unit = 1.0 / 9007199254740992.0;  // 2^-53
  for (Index i = 0; i < out.size(); i += 2) {
    const double u1 = (double(rng() >> 11) + 1.0) * unit;  // (0, 1]: log stays finite
    const double u2 = double(rng() >> 11) * unit;          // [0, 1)
    const double r = sigma * std::sqrt(-2.0 * std::log(u1));
    out[i] = T(r * std::cos(2.0 * pi * u2));
    if (i + 1 < out.size()) out[i + 1] = T(r * std::sin(2.0 * pi * u2));
  }
}

/// Settings of the minimiser from the options.
inline LbfgsSettings lbfgs_settings(const LbfgsParams& p) noexcept {
  LbfgsSettings s;
  s.history_size = p.history_size;
  s.max_linesearch = p.max_linesearch;
  s.ftol = p.ftol;
  s.wolfe = p.wolfe;
  return s;
}

}  // namespace detail

/// \brief L-BFGS phase recovery for one STFT configuration and one set of options, owning the
/// STFT, the optimiser's memory and every buffer.
///
/// Construction validates and allocates; `run` resizes buffers only when the frame count (or the
/// signal length) changes, so runs on equally sized targets allocate nothing. One object serves
/// one thread at a time.
/// \tparam T float or double \tparam Backend the FFT backend
template <class T, class Backend = fft::default_backend<T>>
class Lbfgs {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Validates both option sets; builds the STFT and, for the mel representations, the
  /// filterbank (and its inverse when the start needs it).
  /// \throws specinv::invalid_argument naming the first invalid field (a two-sided STFT, a
  ///         filterbank whose rows are not n_fft / 2 + 1, or, for a zero_phase / phase_init start
  ///         with a mel representation, a filterbank with an all-zero filter)
  /// \throws specinv::runtime_error in a build without exceptions (LBFGSpp needs them)
  explicit Lbfgs(StftParams stft, LbfgsParams params = {})
      : m_stft(std::move(stft)), m_params(validated(std::move(params))) {
    constexpr const char* where = "Lbfgs";
    detail::require(m_stft.params().onesided, where, "onesided", "false",
                    "a one-sided STFT (onesided = true): the target has n_fft / 2 + 1 bins");
    if (is_mel()) {
      const Index bins = m_stft.n_fft() / 2 + 1;
      if (m_params.filterbank.rows() != bins) {
        detail::throw_invalid(where, "filterbank rows", m_params.filterbank.rows(),
                              std::to_string(bins) + " (n_fft / 2 + 1 for n_fft = " +
                                  std::to_string(m_stft.n_fft()) + ")");
      }
      m_ranges = detail::FilterRanges<T>(m_params.filterbank);
      m_mel.resize(m_params.filterbank.cols());
      m_dmel.resize(m_params.filterbank.cols());
      if (m_params.init != Init::random && m_params.init != Init::given) m_inverse.emplace(m_params.filterbank);
    }
    m_power.resize(m_stft.n_fft() / 2 + 1);
    m_dpower.resize(m_stft.n_fft() / 2 + 1);
    if (!detail::LbfgsMinimizer<T>::available()) {
      SPECINV_THROW(runtime_error("Lbfgs: L-BFGS needs a build with exceptions (LBFGSpp throws)"));
    }
    m_monitor.reserve(m_params, m_params.max_iter);
  }

  /// The STFT options.
  const StftParams& stft_params() const noexcept { return m_stft.params(); }
  /// The L-BFGS options.
  const LbfgsParams& params() const noexcept { return m_params; }
  /// Rows of a target: n_fft / 2 + 1, or the filterbank's n_filters for the mel representations.
  Index target_rows() const noexcept {
    return is_mel() ? m_params.filterbank.cols() : m_stft.n_fft() / 2 + 1;
  }
  /// \brief Samples `run` returns for `frames` target frames: `params().length`, else
  /// torch.istft's default. \throws specinv::invalid_argument for frames < 1 or a bad length
  Index output_length(Index frames) const {
    return detail::reconstruction_length("Lbfgs", m_stft.params(), frames, m_params.length);
  }
  /// Metric history of the last run, one value per evaluation.
  const std::vector<double>& history() const noexcept { return m_monitor.history(); }

  /// \brief Runs from the start `params().init` gives (not Init::given).
  /// \param[in] target the representation to match, shape (target_rows(), frames); finite, >= 0,
  ///            within LbfgsParams' range
  /// \param[out] out the signal, shape (output_length(frames))
  /// \returns iterations run and the spectral convergence of R(out) against the target, in dB
  /// \throws specinv::invalid_argument for a bad target, a wrongly sized `out`, Init::given, or a
  ///         start the inverse STFT refuses (hop_length > win_length, NOLA)
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& target, Eigen::Ref<Signal<T>> out) {
    constexpr const char* where = "Lbfgs::run";
    prepare(where, target, out);
    if (m_params.init == Init::given) {
      detail::throw_invalid(where, "init", to_string(m_params.init),
                            "zero_phase, random, phase_init or pghi here; Init::given needs the "
                            "overload that takes the initial signal");
    }
    if (silent(target)) return finish_silent(target, out);
    if (m_params.init == Init::random) {
      detail::lbfgs_noise<T>(m_params.seed, 1e-6, m_x);
    } else {
      linear_magnitude(target);
      detail::initial_spectrogram<T>(where, m_params.init, m_params.seed, m_linear, m_stft.params(), m_spec);
      m_stft.inverse(m_spec, m_x, m_params.length);
    }
    return optimise(target, out);
  }

  /// \brief Runs from a given signal (Init::given; `params().init` is not used).
  /// \param[in] target shape (target_rows(), frames); finite, >= 0
  /// \param[in] initial the start, shape (output_length(frames)); finite. May alias `out`.
  /// \param[out] out the signal, shape (output_length(frames))
  /// \throws specinv::invalid_argument for a bad target or initial signal, or a wrongly sized `out`
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& target, const Eigen::Ref<const Signal<T>>& initial,
                      Eigen::Ref<Signal<T>> out) {
    constexpr const char* where = "Lbfgs::run";
    const Index n = prepare(where, target, out);
    detail::require(initial.size() == n, where, "initial.size()", initial.size(),
                    "output_length(frames), the output's length");
    detail::require(detail::all_finite(initial.data(), initial.size()), where, "initial",
                    "a signal with NaN or Inf samples", "finite samples");
    if (silent(target)) return finish_silent(target, out);
    m_x = initial;
    return optimise(target, out);
  }

  /// \brief The objective at a signal and its gradient: the mean squared error of R(x) against
  /// the target, as every run minimises it (what the gradient tests check).
  /// \param[in] target shape (target_rows(), frames); finite, >= 0
  /// \param[in] x signal, shape (samples) with n_frames(samples) = frames; finite
  /// \param[out] grad the gradient with respect to x, same shape
  /// \returns the loss
  /// \throws specinv::invalid_argument for a bad target or signal, or wrongly sized `x` / `grad`
  double loss(const Eigen::Ref<const Magnitude<T>>& target, const Eigen::Ref<const Signal<T>>& x,
              Eigen::Ref<Signal<T>> grad) {
    constexpr const char* where = "Lbfgs::loss";
    check_target(where, target);
    if (m_stft.n_frames(x.size()) != target.cols()) {
      detail::throw_invalid(where, "x.size()", x.size(),
                            "a length whose STFT has the target's " + std::to_string(target.cols()) + " frames");
    }
    detail::require(grad.size() == x.size(), where, "grad.size()", grad.size(), "x.size()");
    resize(target.cols(), x.size());
    detail::require(detail::all_finite(x.data(), x.size()), where, "x", "a signal with NaN or Inf samples",
                    "finite samples");
    m_x = x;
    const double value = evaluate(target, m_x, &m_grad_t).mse();
    grad = m_grad_t;
    return value;
  }

 private:
  static LbfgsParams validated(LbfgsParams p) {
    p.validate();
    return p;
  }

  bool is_mel() const noexcept {
    return m_params.representation == Representation::mel || m_params.representation == Representation::log1p_mel;
  }

  /// Checks target and `out` (of output_length(frames) samples), sizes the buffers for them;
  /// returns the signal length.
  Index prepare(const char* where, const Eigen::Ref<const Magnitude<T>>& target, const Eigen::Ref<Signal<T>>& out) {
    check_target(where, target);
    const Index n = output_length(target.cols());
    detail::require(out.size() == n, where, "out.size()", out.size(), "output_length(frames)");
    resize(target.cols(), n);
    m_monitor.start(m_params);  // a run starts here (loss() keeps the last run's history)
    return n;
  }

  void check_target(const char* where, const Eigen::Ref<const Magnitude<T>>& target) const {
    const Index rows = target_rows();
    if (target.rows() != rows) {
      detail::throw_invalid(where, "target rows", target.rows(),
                            std::to_string(rows) +
                                (is_mel() ? " (the filterbank's n_filters)" : " (n_fft / 2 + 1 for n_fft = " +
                                                                                  std::to_string(m_stft.n_fft()) + ")"));
    }
    detail::require(target.cols() >= 1, where, "target frames", target.cols(), "at least 1 frame");
    bool finite = true, nonnegative = true;
    T peak = T(0);
    for (Index t = 0; t < target.cols(); ++t) {
      const T* v = target.col(t).data();
      for (Index f = 0; f < rows; ++f) {
        finite = finite && std::isfinite(v[f]);
        nonnegative = nonnegative && !(v[f] < T(0));
        peak = v[f] > peak ? v[f] : peak;
      }
    }
    detail::require(finite, where, "target", "values with NaN or Inf", "finite values");
    detail::require(nonnegative, where, "target", "negative values", "a target >= 0");
    check_target_range(where, double(peak));
  }

  /// The range of the class comment: the objective, a mean of squares in T, must be representable.
  void check_target_range(const char* where, double peak) const {
    constexpr bool is_float = std::is_same_v<T, float>;
    const bool log = m_params.representation == Representation::log1p_mel;
    const double high = is_float ? 1e15 : 1e100, low = is_float ? 1e-15 : 1e-100;
    if (!(peak <= (log ? std::log1p(high) : high))) {
      detail::throw_invalid(where, "max(target)", peak,
                            std::string(log ? (is_float ? "values <= log1p(1e15) = 34.5" : "values <= log1p(1e100) = 230.2")
                                            : (is_float ? "values <= 1e15" : "values <= 1e100")) +
                                " for " + (is_float ? "float" : "double") +
                                ": the objective, a mean of squares, is computed in that type (scale the target down)");
    }
    if (peak != 0 && !(peak >= low)) {
      detail::throw_invalid(where, "max(target)", peak,
                            std::string("a largest value of 0 or >= ") + (is_float ? "1e-15 for float" : "1e-100 for double") +
                                ": the objective, a mean of squares, is computed in that type (scale the target up)");
    }
  }

  /// Sizes the buffers for `frames` frames and `n` samples (allocates only when they change).
  void resize(Index frames, Index n) {
    if (frames != m_frames) {
      m_spec.resize(m_stft.n_freqs(), frames);
      if (m_params.init != Init::random && m_params.init != Init::given) {
        m_linear.resize(m_stft.n_freqs(), frames);
        if (is_mel()) {
          m_filtered.resize(target_rows(), frames);
          m_linear_power.resize(m_stft.n_freqs(), frames);
        }
      }
      m_frames = frames;
    }
    if (n != m_x.size()) {
      m_x.resize(n);
      m_grad_t.resize(n);
      m_minimizer.reset(n, detail::lbfgs_settings(m_params));
    }
  }

  static bool silent(const Eigen::Ref<const Magnitude<T>>& target) noexcept {
    for (Index t = 0; t < target.cols(); ++t)
      for (Index f = 0; f < target.rows(); ++f)
        if (target(f, t) != T(0)) return false;
    return true;
  }

  /// The silent target's minimiser is the silent signal, for every representation.
  IterationReport finish_silent(const Eigen::Ref<const Magnitude<T>>& target, Eigen::Ref<Signal<T>> out) {
    out.setZero();
    m_x.setZero();
    IterationReport report;
    report.spectral_convergence_db = detail::sc_db(evaluate(target, m_x, nullptr));
    return report;
  }

  /// The linear magnitude the target implies, into m_linear (for the zero_phase, phase_init and
  /// pghi starts).
  void linear_magnitude(const Eigen::Ref<const Magnitude<T>>& target) {
    switch (m_params.representation) {
      case Representation::magnitude: m_linear = target; return;
      case Representation::power: m_linear = target.cwiseSqrt(); return;
      case Representation::mel:
      case Representation::log1p_mel:
        // In double whatever T: one InverseFilterbank instantiation serves both scalar types
        // (it is the heaviest template in the library to compile), and the start is more exact.
        if (m_params.representation == Representation::mel)
          m_filtered = target.template cast<double>();
        else
          m_filtered = target.template cast<double>().array().unaryExpr([](double v) { return std::expm1(v); });
        m_inverse->solve(m_filtered, m_linear_power, m_inverse_workspace);
        m_linear = m_linear_power.cwiseSqrt().template cast<T>();
        return;
    }
  }

  /// \brief The representation of `x` against the target: the sums every metric follows from;
  /// with a `grad`, also the loss's gradient with respect to the signal, into it.
  detail::MagnitudeSums evaluate(const Eigen::Ref<const Magnitude<T>>& target, const Signal<T>& x, Signal<T>* grad) {
    const bool gradient = grad != nullptr;
    using Complex = std::complex<T>;
    m_stft.forward(x, m_spec);
    const double scale = 2.0 / double(target.size());  // d(mean of squares) / d(error)
    const Index bins = m_spec.rows();
    detail::MagnitudeSums sums;
    for (Index t = 0; t < target.cols(); ++t) {
      Complex* s = m_spec.col(t).data();
      const T* y = target.col(t).data();
      switch (m_params.representation) {
        case Representation::magnitude:
        case Representation::power: {
          // Vectorised in T per frame; the sums in double.
          squared_bins(s, bins);
          auto r = m_power.array();
          if (m_params.representation == Representation::magnitude) r = r.sqrt();
          accumulate(sums, r, ConstArray(y, bins));
          if (gradient) {
            // magnitude: d|S| / dS = S / |S|, taken as 0 at S = 0 (torch's sgn); power: 2 S.
            if (m_params.representation == Representation::magnitude)
              m_dpower.array() = (r > T(0)).select((r - ConstArray(y, bins)) * T(scale) / r, T(0));
            else
              m_dpower.array() = (r - ConstArray(y, bins)) * T(2.0 * scale);
            scale_bins(s, bins);
          }
          break;
        }
        case Representation::mel:
        case Representation::log1p_mel: {
          const bool log = m_params.representation == Representation::log1p_mel;
          squared_bins(s, bins);
          m_ranges.times(m_power, m_mel);
          for (Index m = 0; m < m_mel.size(); ++m) {
            const double mel = double(m_mel[m]);
            const double r = log ? std::log1p(mel) : mel;
            const double e = r - double(y[m]);
            sums.error2 += e * e;
            sums.estimate2 += r * r;
            sums.target2 += double(y[m]) * double(y[m]);
            m_dmel[m] = T(log ? scale * e / (1.0 + mel) : scale * e);  // dL/dmel
          }
          if (gradient) {
            m_ranges.transpose_times(m_dmel, m_dpower);
            m_dpower *= T(2);  // d|S|^2 / dS = 2 S
            scale_bins(s, bins);
          }
          break;
        }
      }
    }
    sums.count = target.size();
    if (gradient) m_stft.adjoint(m_spec, *grad);
    return sums;
  }

  using ConstArray = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

  /// m_power = |s|^2 for one frame (on the interleaved parts, which the compiler vectorises).
  void squared_bins(const std::complex<T>* s, Index bins) noexcept {
    const T* v = reinterpret_cast<const T*>(s);
    T* p = m_power.data();
    for (Index k = 0; k < bins; ++k) p[k] = v[2 * k] * v[2 * k] + v[2 * k + 1] * v[2 * k + 1];
  }

  /// s *= m_dpower bin by bin for one frame.
  void scale_bins(std::complex<T>* s, Index bins) noexcept {
    T* v = reinterpret_cast<T*>(s);
    const T* f = m_dpower.data();
    for (Index k = 0; k < bins; ++k) {
      v[2 * k] *= f[k];
      v[2 * k + 1] *= f[k];
    }
  }

  /// Adds the sums of one frame's representation `r` against its target `y`: vectorised sums in
  /// T over the frame (a few hundred terms), accumulated over frames in double.
  template <class R>
  static void accumulate(detail::MagnitudeSums& sums, const R& r, const ConstArray& y) noexcept {
    sums.error2 += double((r - y).square().sum());
    sums.estimate2 += double(r.square().sum());
    sums.target2 += double(y.square().sum());
  }

  IterationReport optimise(const Eigen::Ref<const Magnitude<T>>& target, Eigen::Ref<Signal<T>> out) {
    auto objective = [&](const Signal<T>& x, Signal<T>& grad) -> T {
      // An overflowing trial step (non-finite, or too large for the STFT, which would refuse it): reject it.
      using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
      const double peak = double(Eigen::Map<const Array>(x.data(), x.size()).abs().template maxCoeff<Eigen::PropagateNaN>());
      if (!(peak <= m_stft.max_sample())) {
        grad.setZero();
        return std::numeric_limits<T>::infinity();
      }
      m_sums = evaluate(target, x, &grad);
      return T(m_sums.mse());
    };
    // m_sums always belongs to the current iterate here: the line search's last evaluation is at
    // the point it accepts, and the minimiser re-runs nothing after restoring a rejected step.
    auto observe = [&](int k, T) { return !m_monitor.due(k) || m_monitor.record(k, m_sums); };
    const detail::LbfgsResult result = m_minimizer.minimize(objective, m_x, m_params.max_iter, observe);
    out = m_x;
    IterationReport report;
    report.iterations = result.iterations;
    report.spectral_convergence_db = detail::sc_db(evaluate(target, m_x, nullptr));
    return report;
  }

  Stft<T, Backend> m_stft;
  LbfgsParams m_params;
  detail::FilterRanges<T> m_ranges;                   // the mel filterbank, as runs of bins
  std::optional<InverseFilterbank<double>> m_inverse;  // mel start: target -> linear power
  InverseWorkspace<double> m_inverse_workspace;
  detail::LbfgsMinimizer<T> m_minimizer;
  detail::Monitor m_monitor;
  detail::MagnitudeSums m_sums;                       // of the last evaluation
  Index m_frames = 0;
  Spectrogram<T> m_spec;                              // STFT of m_x, then dL/dS in place
  Magnitude<T> m_linear;                              // start: linear magnitude estimate
  Magnitude<double> m_filtered;                       // start: the mel target (expm1 for log1p-mel)
  Magnitude<double> m_linear_power;                   // start: its inverse filterbank, linear power
  Signal<T> m_x, m_grad_t;                            // the iterate; a gradient (for loss())
  Signal<T> m_power, m_dpower;                        // one frame: |S|^2 (or |S|), dL/d(that)
  Signal<T> m_mel, m_dmel;                            // one frame of the mel chain
};

namespace detail {

/// Lbfgs's result as a Reconstruction.
template <class T, class Backend>
Reconstruction<T> lbfgs_reconstruction(Lbfgs<T, Backend>& solver, Signal<T>&& signal, const IterationReport& report) {
  Reconstruction<T> r;
  r.signal = std::move(signal);
  r.iterations = report.iterations;
  r.spectral_convergence_db = report.spectral_convergence_db;
  r.history = solver.history();
  return r;
}

}  // namespace detail

/// \brief L-BFGS phase recovery of one target, started as `params.init` says.
/// \tparam T float or double \tparam Backend the FFT backend
/// \param[in] target the representation to match, shape (n_fft / 2 + 1, frames) for magnitude and
///            power, (n_filters, frames) for the mel ones; finite, >= 0, within LbfgsParams' range
/// \param[in] stft the STFT the target was made with (one-sided)
/// \returns the signal, shape (samples), iterations, SC of R(signal) against the target in dB,
///          and the metric history
/// \throws specinv::invalid_argument for invalid options, a bad target or Init::given
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> lbfgs(const Eigen::Ref<const Magnitude<T>>& target, const StftParams& stft,
                        const LbfgsParams& params = {}) {
  Lbfgs<T, Backend> solver(stft, params);
  Signal<T> signal(target.cols() >= 1 ? solver.output_length(target.cols()) : 0);
  const IterationReport report = solver.run(target, signal);
  return detail::lbfgs_reconstruction(solver, std::move(signal), report);
}

/// \brief L-BFGS phase recovery of one target from a given signal (Init::given).
/// \param[in] target shape (target rows, frames) \param[in] initial the start, shape
///            (samples) with samples = the output length for the target's frames
/// \throws specinv::invalid_argument for invalid options, a bad target or initial signal
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> lbfgs(const Eigen::Ref<const Magnitude<T>>& target, const Eigen::Ref<const Signal<T>>& initial,
                        const StftParams& stft, const LbfgsParams& params = {}) {
  Lbfgs<T, Backend> solver(stft, params);
  Signal<T> signal(initial.size());
  const IterationReport report = solver.run(target, initial, signal);
  return detail::lbfgs_reconstruction(solver, std::move(signal), report);
}

/// \brief L-BFGS phase recovery of a batch, on `params.threads` threads (one object each).
/// \param[in] targets shape (target rows, frames, batch) \returns one Reconstruction per item
template <class T, class Backend = fft::default_backend<T>>
std::vector<Reconstruction<T>> lbfgs(const MagnitudeBatch<T>& targets, const StftParams& stft,
                                     const LbfgsParams& params = {}) {
  const Index rows = targets.dimension(0), frames = targets.dimension(1), batch = targets.dimension(2);
  const int threads = detail::resolved_threads(params.threads, "lbfgs");
  std::mutex callback_lock;
  const LbfgsParams inner = threads > 1 && batch > 1 ? detail::batch_thread_options(params, callback_lock) : params;
  std::vector<Reconstruction<T>> out(std::size_t(std::max<Index>(batch, 0)));
  detail::parallel_items(threads, batch, [&] { return Lbfgs<T, Backend>(stft, inner); }, [&](auto& solver, Index b) {
    const Eigen::Map<const Magnitude<T>> target(targets.data() + b * rows * frames, rows, frames);
    Signal<T> signal(frames >= 1 ? solver.output_length(frames) : 0);
    const IterationReport report = solver.run(target, signal);
    out[std::size_t(b)] = detail::lbfgs_reconstruction(solver, std::move(signal), report);
  });
  return out;
}

/// \brief lbfgs of any real Eigen matrix expression; the scalar type is deduced.
template <class Derived, std::enable_if_t<std::is_base_of_v<Eigen::MatrixBase<Derived>, Derived> &&
                                              detail::is_real_scalar_v<typename Derived::Scalar>,
                                          int> = 0>
Reconstruction<typename Derived::Scalar> lbfgs(const Eigen::MatrixBase<Derived>& target, const StftParams& stft,
                                               const LbfgsParams& params = {}) {
  using T = typename Derived::Scalar;
  return lbfgs<T>(Eigen::Ref<const Magnitude<T>>(target.derived()), stft, params);
}

/// \brief L-BFGS on any objective of the signal: `objective(x, grad)` returns the value at x and
/// writes the gradient into grad (already sized like x).
///
/// No STFT is involved: `initial` fixes the length, and `params`' representation, filterbank,
/// init, seed and length are not used. The history records the objective value itself (not
/// dB) every `eval_every` iterations and the callback receives it; the early stop applies
/// `tol` to it as to the loss elsewhere (stop when it still falls, by less than tol * |first
/// recorded value| since the previous record, or when it is exactly 0).
/// `spectral_convergence_db` is NaN (there is no target).
/// \tparam F callable as `T f(const Signal<T>& x, Signal<T>& grad)`
/// \param[in] initial the start, shape (samples); finite, at least one sample
/// \throws specinv::invalid_argument for invalid options or initial signal, or an objective that is
///         not finite at the initial signal; whatever `objective` throws
template <class F, class Derived,
          std::enable_if_t<std::is_base_of_v<Eigen::MatrixBase<Derived>, Derived> &&
                               detail::is_real_scalar_v<typename Derived::Scalar> &&
                               std::is_invocable_v<F&, const Signal<typename Derived::Scalar>&,
                                                   Signal<typename Derived::Scalar>&>,
                           int> = 0>
Reconstruction<typename Derived::Scalar> lbfgs(F&& objective, const Eigen::MatrixBase<Derived>& initial,
                                               const LbfgsParams& params = {}) {
  using T = typename Derived::Scalar;
  constexpr const char* where = "lbfgs";
  params.validate();
  const Index n = initial.size();
  detail::require(n >= 1, where, "initial.size()", n, "at least 1 sample");
  detail::require(initial.allFinite(), where, "initial", "a signal with NaN or Inf samples", "finite samples");
  if (!detail::LbfgsMinimizer<T>::available()) {
    SPECINV_THROW(runtime_error("lbfgs: L-BFGS needs a build with exceptions (LBFGSpp throws)"));
  }
  detail::LbfgsMinimizer<T> minimizer;
  minimizer.reset(n, detail::lbfgs_settings(params));
  Signal<T> x = initial.derived();
  auto f = [&](const Signal<T>& at, Signal<T>& grad) -> T {
    grad.setZero();
    return T(objective(at, grad));
  };
  Reconstruction<T> r;
  r.history.reserve(std::min(std::size_t(params.max_iter / params.eval_every + 1), detail::Monitor::max_reserved));
  double first = std::numeric_limits<double>::quiet_NaN(), previous = first;
  auto observe = [&](int k, T objective_value) {
    const double value = double(objective_value);
    if (k == 1 && !std::isfinite(value))
      detail::throw_invalid(where, "objective value", value, "a finite value at the initial signal");
    if (k % params.eval_every != 0) return true;
    r.history.push_back(value);
    bool go_on = value != 0;
    if (std::isnan(first)) {
      first = value;
    } else if (previous > value && (previous - value) < params.tol * std::abs(first)) {
      go_on = false;
    }
    previous = value;
    if (params.callback && !params.callback(k, value)) go_on = false;
    return go_on;
  };
  const detail::LbfgsResult result = minimizer.minimize(f, x, params.max_iter, observe);
  r.signal = std::move(x);
  r.iterations = result.iterations;
  r.spectral_convergence_db = std::numeric_limits<double>::quiet_NaN();
  return r;
}

}  // namespace specinv
