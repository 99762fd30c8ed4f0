// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief What every phase-recovery algorithm shares: the initial-phase choice (`Init`), the
/// progress metric (`Metric`), the options of an iterative run (`IterationOptions`), the result
/// (`Reconstruction`, `IterationReport`), and the bookkeeping of an iteration loop
/// (`detail::Monitor`: evaluation cadence, metric history, early stop, callback).
///
/// Conventions of every algorithm in this layer:
/// - The target is a magnitude `(freq, frames)` made with the `StftParams` given (one-sided,
///   n_fft / 2 + 1 rows), or a complex spectrogram whose modulus is the target and which is also
///   the starting point (`Init::given`).
/// - Iteration k (1-based) first analyses the current signal, x_{k-1}, and then updates it. At
///   every k divisible by `eval_every`, the metric of x_{k-1} against the target is computed from
///   that analysis (it costs no extra FFT), appended to the history and passed to the callback;
///   this is torch_specinv's `eva_iter` cadence.
/// - Early stop (torch_specinv's rule): at an evaluation, with L the mean squared magnitude error
///   and L0 the first evaluated one, stop when the loss still falls but by less than
///   `tol * L0` since the previous evaluation, or when L is exactly 0. `tol = 0` never stops early.
/// - The target's values must be finite and >= 0, and its largest value 0 (silence) or within
///   [min_peak_magnitude<T>, max_magnitude<T>]: up to 1e30 in float, so that the projection's
///   factors and the FFT sums stay finite in float (the metric sums are taken in double), and
///   between 1e-100 and 1e100 in double, whose metric sums square the values in double too. A
///   target outside is refused (scale it), never clamped.
/// - `length`, when given, is the exact output length and is also used by every inner inverse
///   STFT (torchaudio's griffinlim does the same); it must keep the frame count:
///   n_frames(length) == frames.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../metrics/spectral_convergence.hpp"
#include "../stft/frames.hpp"
#include "../stft/params.hpp"

namespace specinv {

/// \brief Where an iterative algorithm's phase starts.
enum class Init {
  zero_phase,  ///< phase 0 everywhere: the magnitude itself (torchaudio griffinlim, rand_init=False)
  random,      ///< independent uniform phases in [0, 2 pi) from std::mt19937_64 seeded with `seed`
               ///< (lbfgs, which starts from a signal: N(0, 1e-6^2) samples, torch_specinv's start)
  phase_init,  ///< the single-pass estimate of `phase_init()` (torch_specinv's default start)
  pghi,        ///< phase gradient heap integration: `pghi_spectrogram()` with PghiParams' defaults
               ///< except tolerance 1e-2, and `seed` (detail::pghi_start_tolerance says why; the
               ///< start allocates its workspace, the iterations do not)
  given,       ///< a start passed to the algorithm (the overloads taking `initial`: a complex
               ///< spectrogram, or for lbfgs a signal)
};

/// \brief The progress metric recorded every `eval_every` iterations (torch_specinv's `metric`),
/// computed on magnitude spectrograms: estimate |STFT(x)| against the target.
enum class Metric {
  sc,   ///< spectral convergence in dB, lower is better (spectral_convergence_db)
  snr,  ///< torch_specinv's snr in dB, higher is better (snr_db)
  ser,  ///< torch_specinv's ser in dB, higher is better (ser_db)
};

/// Lowercase name of an Init value ("zero_phase", "random", ...).
inline const char* to_string(Init init) noexcept {
  switch (init) {
    case Init::zero_phase: return "zero_phase";
    case Init::random: return "random";
    case Init::phase_init: return "phase_init";
    case Init::pghi: return "pghi";
    case Init::given: return "given";
  }
  return "?";
}

/// Lowercase name of a Metric value ("sc", "snr", "ser").
inline const char* to_string(Metric metric) noexcept {
  switch (metric) {
    case Metric::sc: return "sc";
    case Metric::snr: return "snr";
    case Metric::ser: return "ser";
  }
  return "?";
}

/// \brief Options shared by the iterative algorithms (GriffinLimParams, AdmmParams, LbfgsParams
/// derive from it and add `max_iter` with their own default and their specific options).
struct IterationOptions {
  /// Early-stop tolerance on the relative improvement of the mean squared magnitude error between
  /// two evaluations (torch_specinv: tol); >= 0, 0 = run all max_iter iterations. Default 1e-6.
  double tol = 1e-6;
  /// Iterations between two evaluations of the metric (torch_specinv: eva_iter); >= 1. Default 10.
  int eval_every = 10;
  /// The metric recorded in the history and passed to the callback. Default Metric::sc.
  Metric metric = Metric::sc;
  /// Called at every evaluation with the iteration number and the metric; return false to stop.
  /// It runs inside the loop, so it should be quick and must not throw into the algorithm unless
  /// the caller wants the run abandoned. A single-signal run calls it on the caller's thread; a
  /// batched run on several threads calls it from the worker threads, one call at a time, for
  /// whichever item is being run. Empty = none.
  std::function<bool(int iter, double metric)> callback;
  /// Exact output length (torchaudio griffinlim: length); none = (frames - 1) * hop with center,
  /// torch.istft's default. Must keep the frame count (see the file comment).
  std::optional<Index> length;
  /// Where the phase starts. Default Init::zero_phase (torchaudio griffinlim with rand_init=False).
  Init init = Init::zero_phase;
  /// Seed of Init::random.
  std::uint64_t seed = 0;
  /// Threads a run uses: frames of one signal (griffin_lim, admm) or items of a batch (every
  /// algorithm's batched form) split across them; >= 1, or 0 for every hardware thread. The result
  /// is bit-identical for any value. Default 1.
  int threads = 1;

  /// \brief Checks the shared fields. \param where the calling struct, e.g. "GriffinLimParams"
  /// \throws specinv::invalid_argument naming the first invalid field
  void validate_options(const char* where) const {
    detail::require(std::isfinite(tol) && tol >= 0, where, "tol", tol, "a finite tol >= 0");
    detail::require(eval_every >= 1, where, "eval_every", eval_every, "eval_every >= 1");
    if (length) detail::require(*length >= 1, where, "length", *length, "length >= 1 (or none)");
    detail::require(threads >= 0, where, "threads", threads, "threads >= 1, or 0 for every hardware thread");
    detail::require(metric == Metric::sc || metric == Metric::snr || metric == Metric::ser, where, "metric",
                    int(metric), "Metric::sc, snr or ser");
    detail::require(init == Init::zero_phase || init == Init::random || init == Init::phase_init ||
                        init == Init::pghi || init == Init::given,
                    where, "init", int(init), "Init::zero_phase, random, phase_init, pghi or given");
  }
};

/// \brief A reconstructed signal and how the run went.
template <class T>
struct Reconstruction {
  Signal<T> signal;                      ///< the waveform, shape (samples)
  int iterations = 0;                    ///< iterations run (fewer than max_iter after an early stop)
  double spectral_convergence_db = 0;    ///< SC of |STFT(signal)| against the target, in dB
  std::vector<double> history;           ///< one metric value per evaluation (every eval_every)
};

/// \brief What a run into caller storage reports (the history stays in the algorithm object).
struct IterationReport {
  int iterations = 0;                    ///< iterations run
  double spectral_convergence_db = 0;    ///< SC of |STFT(signal)| against the target, in dB
};

namespace detail {

/// The sums over a pair (estimate, target) of magnitudes from which every metric follows.
struct MagnitudeSums {
  double error2 = 0;     ///< sum (estimate - target)^2
  double estimate2 = 0;  ///< sum estimate^2
  double target2 = 0;    ///< sum target^2
  Index count = 0;       ///< number of elements

  MagnitudeSums& operator+=(const MagnitudeSums& o) noexcept {
    error2 += o.error2;
    estimate2 += o.estimate2;
    target2 += o.target2;
    count += o.count;
    return *this;
  }
  /// Mean squared error (torch's mse_loss), the loss of the early-stop rule.
  double mse() const noexcept { return count > 0 ? error2 / double(count) : 0.0; }
};

/// Spectral convergence in dB: 20 log10(||e - t|| / ||t||).
inline double sc_db(const MagnitudeSums& s) noexcept { return power_ratio_db(s.error2, s.target2); }
/// torch_specinv's snr: -10 log10(sum((e - t) / ||t||)^2), i.e. -sc_db.
inline double snr_db(const MagnitudeSums& s) noexcept { return -power_ratio_db(s.error2, s.target2); }
/// torch_specinv's ser: 10 log10(sum e^2 / sum (e - t)^2).
inline double ser_db(const MagnitudeSums& s) noexcept { return -power_ratio_db(s.error2, s.estimate2); }

inline double metric_db(Metric m, const MagnitudeSums& s) noexcept {
  switch (m) {
    case Metric::sc: return sc_db(s);
    case Metric::snr: return snr_db(s);
    case Metric::ser: return ser_db(s);
  }
  return sc_db(s);
}

/// \brief The bookkeeping of one iterative run: which iterations evaluate, the metric history,
/// the early stop and the callback. Allocation-free once `reserve` has run for the iteration count.
class Monitor {
 public:
  /// Reserves the history for runs of up to `max_iter` iterations with `options`' cadence, up to
  /// `max_reserved` evaluations: a longer run (say max_iter = INT_MAX, stopped by `tol`) still
  /// works, but its history grows, and allocates, past that many evaluations.
  void reserve(const IterationOptions& options, int max_iter) {
    const std::size_t wanted = std::size_t(max_iter / std::max(1, options.eval_every)) + 1;
    m_history.reserve(std::min(wanted, max_reserved));
  }

  /// The most evaluations `reserve` makes room for (1 MiB of history).
  static constexpr std::size_t max_reserved = std::size_t(1) << 17;

  /// Starts a run (clears the history; keeps its capacity).
  void start(const IterationOptions& options) noexcept {
    m_options = &options;
    m_history.clear();
    m_first_loss = -1;
    m_previous_loss = -1;
  }

  /// True when iteration k (1-based) evaluates the metric.
  bool due(int k) const noexcept { return k % m_options->eval_every == 0; }

  /// \brief Records the evaluation of iteration k from `sums` (estimate x_{k-1} against the
  /// target). \returns false when the run should stop after this iteration (early stop or callback)
  bool record(int k, const MagnitudeSums& sums) {
    const double value = metric_db(m_options->metric, sums);
    m_history.push_back(value);  // within the reserved capacity
    bool go_on = true;
    const double loss = sums.mse();
    if (loss == 0) {
      go_on = false;  // the target is reached exactly (silence, or a consistent start)
    } else if (m_first_loss < 0) {
      m_first_loss = loss;
    } else if (m_previous_loss > loss && (m_previous_loss - loss) / m_first_loss < m_options->tol) {
      go_on = false;
    }
    m_previous_loss = loss;
    if (m_options->callback && !m_options->callback(k, value)) go_on = false;
    return go_on;
  }

  const std::vector<double>& history() const noexcept { return m_history; }
  std::vector<double>& history() noexcept { return m_history; }

 private:
  const IterationOptions* m_options = nullptr;
  std::vector<double> m_history;
  double m_first_loss = -1;
  double m_previous_loss = -1;
};

/// The largest target magnitude the phase-recovery algorithms accept (see the file comment).
template <class T>
inline constexpr double max_magnitude = std::is_same_v<T, float> ? 1e30 : 1e100;
/// The smallest non-zero largest value of a target they accept: any in float, 1e-100 in double.
template <class T>
inline constexpr double min_peak_magnitude = std::is_same_v<T, float> ? 0.0 : 1e-100;

/// \brief Checks that the largest value `peak` of a finite, non-negative target (or of one frame)
/// is in the range of the file comment. \throws specinv::invalid_argument naming `name`
template <class T>
void check_magnitude_range(const char* where, const char* name, double peak) {
  constexpr bool is_float = std::is_same_v<T, float>;
  require(peak <= double(T(max_magnitude<T>)), where, name, peak,  // 1e30f itself is a little above 1e30
          is_float ? "values <= 1e30 in float (scale the target down)"
                   : "values <= 1e100 in double: the metrics sum their squares in double (scale the target down)");
  require(peak == 0 || peak >= min_peak_magnitude<T>, where, name, peak,
          "a largest value of 0 or >= 1e-100 in double: the metrics sum squares in double (scale the target up)");
}

/// \brief Checks a target magnitude against the STFT it must come from: finite, >= 0, within the
/// range of the file comment, the bin count of a one-sided n_fft, at least one frame.
/// \throws specinv::invalid_argument naming `magnitude` (or its largest value)
template <class T, class Derived>
void check_magnitude(const char* where, const Eigen::MatrixBase<Derived>& mag, const StftParams& stft) {
  require(stft.onesided, where, "onesided", "false", "a one-sided STFT (onesided = true)");
  const Index bins = stft.n_fft / 2 + 1;
  if (mag.rows() != bins) {
    throw_invalid(where, "magnitude rows", mag.rows(),
                  std::to_string(bins) + " frequency bins (n_fft / 2 + 1 for n_fft = " +
                      std::to_string(stft.n_fft) + ")");
  }
  require(mag.cols() >= 1, where, "magnitude frames", mag.cols(), "at least 1 frame");
  bool finite = true, nonnegative = true;
  T peak = T(0);
  for (Index t = 0; t < mag.cols(); ++t) {
    for (Index f = 0; f < mag.rows(); ++f) {
      const T v = mag(f, t);
      finite = finite && std::isfinite(v);
      nonnegative = nonnegative && !(v < T(0));
      peak = v > peak ? v : peak;
    }
  }
  require(finite, where, "magnitude", "values with NaN or Inf", "finite values");
  require(nonnegative, where, "magnitude", "negative values", "a magnitude >= 0");
  check_magnitude_range<T>(where, "max(magnitude)", double(peak));
}

/// \brief The output length of a reconstruction of `frames` frames: `length` when given (checked
/// to keep the frame count), else torch.istft's default.
/// \throws specinv::invalid_argument naming `length`
inline Index reconstruction_length(const char* where, const StftParams& stft, Index frames,
                                   std::optional<Index> length) {
  const Index n = inverse_geometry(stft, frames, length, where).out_length;
  if (length) {
    const Index analysed = forward_geometry(stft, n, where).frames;
    if (analysed != frames) {
      throw_invalid(where, "length", *length,
                    "a length whose STFT has the target's " + std::to_string(frames) +
                        " frames (it has " + std::to_string(analysed) + ")");
    }
  }
  return n;
}

}  // namespace detail
}  // namespace specinv
