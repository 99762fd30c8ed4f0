// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Frequency scales (Hz <-> mel, Hz -> Bark) with torchaudio's formulas, the triangular
/// filterbank that mel and bark banks share, and `inspect_filterbank`, which reports the filters
/// of any filterbank that are all zero.
///
/// Everything here computes in double with the operation order of torchaudio
/// (`functional.melscale_fbanks`, `_hz_to_mel`, `_mel_to_hz`, `_create_triangular_filterbank`, and
/// the prototype's `barkscale_fbanks`, `_hz_to_bark`, `_bark_to_hz`), so that float64 filterbanks
/// match torchaudio's to rounding. Scalar conversions are public; the vector forms that build
/// filter edges reproduce torch's kernels (torch.linspace, the Bark-to-Hz `if/elif`) and live in
/// `detail`.

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/types.hpp"
#include "../core/warning.hpp"
#include "../detail/check.hpp"

namespace specinv {

/// \brief The Hz <-> mel formula (torchaudio's `mel_scale`).
enum class MelScale {
  htk,     ///< 2595 log10(1 + f / 700) (torchaudio 'htk', the default)
  slaney,  ///< linear below 1 kHz, logarithmic above (torchaudio 'slaney', librosa's default)
};

/// \brief Filter area normalisation of a mel filterbank (torchaudio's `norm`).
enum class MelNorm {
  none,    ///< triangles of peak 1 (torchaudio norm=None)
  slaney,  ///< each triangle divided by half its width in Hz: constant energy per filter ('slaney')
};

/// \brief The Hz -> Bark formula (torchaudio prototype's `bark_scale`).
enum class BarkScale {
  traunmuller,  ///< 26.81 f / (1960 + f) - 0.53 with end corrections (torchaudio's default)
  schroeder,    ///< 7 asinh(f / 650)
  wang,         ///< 6 asinh(f / 600)
};

/// Lower-case name as torchaudio spells it ("htk", "slaney").
inline const char* to_string(MelScale scale) noexcept {
  switch (scale) {
    case MelScale::htk: return "htk";
    case MelScale::slaney: return "slaney";
  }
  return "unknown";
}

/// Lower-case name as torchaudio spells it ("none" for norm=None, "slaney").
inline const char* to_string(MelNorm norm) noexcept {
  switch (norm) {
    case MelNorm::none: return "none";
    case MelNorm::slaney: return "slaney";
  }
  return "unknown";
}

/// Lower-case name as torchaudio spells it ("traunmuller", "schroeder", "wang").
inline const char* to_string(BarkScale scale) noexcept {
  switch (scale) {
    case BarkScale::traunmuller: return "traunmuller";
    case BarkScale::schroeder: return "schroeder";
    case BarkScale::wang: return "wang";
  }
  return "unknown";
}

namespace detail {
// Slaney's mel scale (torchaudio `_hz_to_mel` / `_mel_to_hz`): linear with slope 3 / 200 mel per
// Hz below min_log_hz, logarithmic with step log(6.4) / 27 per mel above.
inline constexpr double slaney_f_sp = 200.0 / 3;
inline constexpr double slaney_min_log_hz = 1000.0;
inline constexpr double slaney_min_log_mel = (slaney_min_log_hz - 0.0) / slaney_f_sp;
inline double slaney_logstep() noexcept { return std::log(6.4) / 27.0; }
}  // namespace detail

/// \brief Frequency in Hz to mel (torchaudio `_hz_to_mel`).
/// \param[in] hz frequency, >= 0 for meaningful results
/// \param[in] scale htk: `2595 log10(1 + hz / 700)`; slaney: `hz / (200 / 3)` below 1000 Hz, then
///            `15 + log(hz / 1000) / (log(6.4) / 27)`
inline double hz_to_mel(double hz, MelScale scale) noexcept {
  if (scale == MelScale::htk) return 2595.0 * std::log10(1.0 + (hz / 700.0));
  double mels = (hz - 0.0) / detail::slaney_f_sp;
  if (hz >= detail::slaney_min_log_hz)
    mels = detail::slaney_min_log_mel + std::log(hz / detail::slaney_min_log_hz) / detail::slaney_logstep();
  return mels;
}

/// \brief Mel to frequency in Hz (torchaudio `_mel_to_hz`), the inverse of hz_to_mel().
/// \param[in] mel value on the given scale
/// \param[in] scale htk: `700 (10^(mel / 2595) - 1)`; slaney: `(200 / 3) mel` below 15 mel, then
///            `1000 exp((log(6.4) / 27) (mel - 15))`
inline double mel_to_hz(double mel, MelScale scale) noexcept {
  if (scale == MelScale::htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel >= detail::slaney_min_log_mel)
    return detail::slaney_min_log_hz * std::exp(detail::slaney_logstep() * (mel - detail::slaney_min_log_mel));
  return 0.0 + detail::slaney_f_sp * mel;
}

/// \brief Frequency in Hz to Bark (torchaudio prototype `_hz_to_bark`).
/// \param[in] hz frequency, >= 0 for meaningful results
/// \param[in] scale wang: `6 asinh(hz / 600)`; schroeder: `7 asinh(hz / 650)`; traunmuller:
///            `b = 26.81 hz / (1960 + hz) - 0.53`, then `b += 0.15 (2 - b)` if b < 2, or
///            `b += 0.22 (b - 20.1)` if b > 20.1
inline double hz_to_bark(double hz, BarkScale scale) noexcept {
  if (scale == BarkScale::wang) return 6.0 * std::asinh(hz / 600.0);
  if (scale == BarkScale::schroeder) return 7.0 * std::asinh(hz / 650.0);
  double barks = ((26.81 * hz) / (1960.0 + hz)) - 0.53;
  if (barks < 2) {
    barks += 0.15 * (2 - barks);
  } else if (barks > 20.1) {
    barks += 0.22 * (barks - 20.1);
  }
  return barks;
}

/// \brief What `inspect_filterbank` found in a filterbank.
struct FilterbankInfo {
  /// Filters (columns) whose values are all zero, ascending. Such a filter passes nothing: its
  /// output is always 0, and an inverse filterbank cannot tell anything from it.
  std::vector<Index> empty_filters;
  /// True when no filter is all zero.
  bool ok() const noexcept { return empty_filters.empty(); }
};

/// \brief Reports the all-zero filters of a filterbank (torchaudio's
/// "At least one mel filterbank has all zero values" condition, as data).
/// \tparam T float or double
/// \param[in] fb filterbank, shape (n_freqs, n_filters)
/// \returns the indices of the all-zero columns
template <class T>
FilterbankInfo inspect_filterbank(const Eigen::Ref<const Magnitude<T>>& fb) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  FilterbankInfo info;
  for (Index j = 0; j < fb.cols(); ++j)
    if ((fb.col(j).array() == T(0)).all()) info.empty_filters.push_back(j);
  return info;
}

/// \brief inspect_filterbank() of any Eigen matrix expression; the scalar type is deduced.
/// \tparam Derived an Eigen dense matrix type of float or double
/// \param[in] fb filterbank, shape (n_freqs, n_filters)
template <class Derived, std::enable_if_t<std::is_base_of_v<Eigen::MatrixBase<Derived>, Derived>, int> = 0>
FilterbankInfo inspect_filterbank(const Eigen::MatrixBase<Derived>& fb) {
  using T = typename Derived::Scalar;
  return inspect_filterbank<T>(Eigen::Ref<const Magnitude<T>>(fb.derived()));
}

namespace detail {

/// Doubles per SIMD vector in torch's CPU kernels: 4 (32 bytes) in both the AVX2 and the generic
/// builds, which are what torch runs unless told to use AVX-512.
inline constexpr Index torch_double_lanes = 4;

/// \brief `torch.linspace(start, end, steps)` in float64, value for value as torch's CPU kernel
/// computes it.
///
/// torch's scalar formula counts the first half up from `start` and the second half down from
/// `end`: point i is `start + step * i` for i < steps / 2, else `end - step * (steps - 1 - i)`,
/// with `step = (end - start) / (steps - 1)`. But the kernel runs vectorised: in blocks of two
/// vectors of torch_double_lanes points, each vector is that formula at its first point i0 plus
/// `k * step` (Vectorized::arange), and only the points after the last whole block use the
/// formula itself. The two differ by an ulp here and there, which moves a filterbank by ~1e-14;
/// reproducing the vectorised form makes melscale_fbanks bit-exact (golden m13). (Beyond
/// at::internal::GRAIN_SIZE = 32768 points torch also splits the work between threads, which
/// is not modelled.)
/// \returns shape (steps); {start} when steps == 1, as torch
inline Eigen::VectorXd linspace(double start, double end, Index steps) {
  Eigen::VectorXd out(steps);
  if (steps == 1) {
    out[0] = start;
    return out;
  }
  const double step = (end - start) / double(steps - 1);
  const Index halfway = steps / 2;
  auto point = [&](Index i) { return i < halfway ? start + step * double(i) : end - step * double(steps - 1 - i); };
  constexpr Index lanes = torch_double_lanes;
  Index i = 0;
  for (; i + 2 * lanes <= steps; i += 2 * lanes) {
    for (Index v = i; v < i + 2 * lanes; v += lanes) {
      const double first = point(v);
      out[v] = first;
      for (Index k = 1; k < lanes; ++k) out[v + k] = first + double(k) * step;
    }
  }
  for (; i < steps; ++i) out[i] = point(i);
  return out;
}

/// \brief torchaudio `_mel_to_hz` on a tensor of mels, element by element.
/// \param[in] mels shape (n) \returns shape (n), Hz
inline Eigen::VectorXd mel_to_hz(const Eigen::VectorXd& mels, MelScale scale) {
  Eigen::VectorXd hz(mels.size());
  for (Index i = 0; i < mels.size(); ++i) hz[i] = specinv::mel_to_hz(mels[i], scale);
  return hz;
}

/// \brief torchaudio prototype `_bark_to_hz` on a tensor of Barks, quirk included.
///
/// Traunmüller's end corrections are undone with an `if/elif` over the whole tensor: if ANY point
/// is below 2 Bark, those points are mapped back with (b - 0.3) / 0.85 and the points above
/// 20.1 Bark are left as they are; only when none is below 2 are the points above 20.1 mapped
/// back with (b + 4.422) / 1.22. A bank starting at 0 Hz therefore has its top edge above f_max
/// (8390 Hz for 0..8000 Hz). Reproduced on purpose, to match torchaudio.
/// \param[in] barks shape (n) \returns shape (n), Hz
inline Eigen::VectorXd bark_to_hz(Eigen::VectorXd barks, BarkScale scale) {
  if (scale == BarkScale::wang) return (barks / 6.0).array().sinh() * 600.0;
  if (scale == BarkScale::schroeder) return (barks / 7.0).array().sinh() * 650.0;
  if ((barks.array() < 2).any()) {
    for (Index i = 0; i < barks.size(); ++i)
      if (barks[i] < 2) barks[i] = (barks[i] - 0.3) / 0.85;
  } else if ((barks.array() > 20.1).any()) {
    for (Index i = 0; i < barks.size(); ++i)
      if (barks[i] > 20.1) barks[i] = (barks[i] + 4.422) / 1.22;
  }
  Eigen::VectorXd hz(barks.size());
  for (Index i = 0; i < barks.size(); ++i) hz[i] = 1960 * ((barks[i] + 0.53) / (26.28 - barks[i]));
  return hz;
}

/// \brief The n_mels + 2 filter edges in Hz of melscale_fbanks: mel_to_hz of
/// linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2).
inline Eigen::VectorXd mel_points(double f_min, double f_max, int n_mels, MelScale scale) {
  return detail::mel_to_hz(linspace(hz_to_mel(f_min, scale), hz_to_mel(f_max, scale), Index(n_mels) + 2), scale);
}

/// \brief The n_barks + 2 filter edges in Hz of the prototype's barkscale_fbanks: bark_to_hz of
/// linspace(hz_to_bark(f_min), hz_to_bark(f_max), n_barks + 2).
inline Eigen::VectorXd bark_points(double f_min, double f_max, int n_barks, BarkScale scale) {
  return detail::bark_to_hz(linspace(hz_to_bark(f_min, scale), hz_to_bark(f_max, scale), Index(n_barks) + 2),
                            scale);
}

/// The FFT bin frequencies of torchaudio's filterbanks: linspace(0, sample_rate // 2, n_freqs),
/// with the integer division.
inline Eigen::VectorXd bin_frequencies(int n_freqs, int sample_rate) {
  return linspace(0.0, double(sample_rate / 2), n_freqs);
}

/// max / min that return NaN when either argument is NaN, as torch.max / torch.min do.
inline double nan_max(double a, double b) noexcept { return a != a || b != b ? a + b : (a < b ? b : a); }
inline double nan_min(double a, double b) noexcept { return a != a || b != b ? a + b : (b < a ? b : a); }

/// \brief torchaudio `_create_triangular_filterbank`: filter j rises from f_pts[j] to 1 at
/// f_pts[j + 1] and falls to 0 at f_pts[j + 2].
///
/// Same arithmetic as torch: `down = (-1.0 * (f_pts[j] - f)) / (f_pts[j + 1] - f_pts[j])`,
/// `up = (f_pts[j + 2] - f) / (f_pts[j + 2] - f_pts[j + 1])`, value `max(0, min(down, up))`.
/// \param[in] all_freqs bin frequencies, shape (n_freqs)
/// \param[in] f_pts filter edges, shape (n_filters + 2), increasing
/// \returns shape (n_freqs, n_filters)
inline Eigen::MatrixXd triangular_filterbank(const Eigen::VectorXd& all_freqs, const Eigen::VectorXd& f_pts) {
  const Index n_filters = f_pts.size() - 2;
  const Eigen::VectorXd f_diff = f_pts.tail(n_filters + 1) - f_pts.head(n_filters + 1);
  Eigen::MatrixXd fb(all_freqs.size(), n_filters);
  for (Index j = 0; j < n_filters; ++j) {
    for (Index i = 0; i < all_freqs.size(); ++i) {
      const double down = (-1.0 * (f_pts[j] - all_freqs[i])) / f_diff[j];
      const double up = (f_pts[j + 2] - all_freqs[i]) / f_diff[j + 1];
      fb(i, j) = nan_max(0.0, nan_min(down, up));
    }
  }
  return fb;
}

/// A frequency as the error messages quote it: up to 17 significant digits, no trailing zeros.
inline std::string format_hz(double hz) {
  std::ostringstream text;
  text.precision(17);
  text << hz;
  return text.str();
}

/// \brief Checks the arguments every filterbank takes, naming the first one out of range.
/// \param[in] where the calling function, e.g. "mel_filterbank"
/// \param[in] filters_name "n_mels" or "n_barks"
inline void check_filterbank_args(const char* where, int n_freqs, double f_min, double f_max,
                                  const char* filters_name, int n_filters, int sample_rate) {
  require(n_freqs >= 1, where, "n_freqs", n_freqs, "n_freqs >= 1 (n_fft / 2 + 1 for a one-sided STFT)");
  require(n_filters >= 1, where, filters_name, n_filters, ">= 1 filters");
  require(sample_rate >= 1, where, "sample_rate", sample_rate, "sample_rate >= 1 (Hz)");
  require(std::isfinite(f_min) && f_min >= 0.0, where, "f_min", f_min, "a finite f_min >= 0 (Hz)");
  require(std::isfinite(f_max), where, "f_max", f_max, "a finite f_max (Hz)");
  const double nyquist = sample_rate / 2.0;
  if (!(f_max <= nyquist)) {
    throw_invalid(where, "f_max", f_max,
                  "f_max <= sample_rate / 2 = " + format_hz(nyquist) + " Hz (Nyquist)");
  }
  if (!(f_min < f_max)) throw_invalid(where, "f_min", f_min, "f_min < f_max = " + format_hz(f_max) + " Hz");
}

/// Effective f_max of a parameter struct (resolves the 0 sentinel to sample_rate // 2).
template <class Params>
double resolved_f_max(const Params& p) noexcept {
  return p.f_max == 0.0 ? double(p.sample_rate / 2) : p.f_max;
}

/// The checks MelParams and BarkParams share (their filter count is checked by the caller).
template <class Params>
void check_band_params(const char* where, const Params& p) {
  require(p.sample_rate >= 1, where, "sample_rate", p.sample_rate, "sample_rate >= 1 (Hz)");
  require(std::isfinite(p.f_min) && p.f_min >= 0.0, where, "f_min", p.f_min, "a finite f_min >= 0 (Hz)");
  require(std::isfinite(p.f_max) && p.f_max >= 0.0, where, "f_max", p.f_max,
          "a finite f_max > f_min (Hz), or 0 for sample_rate // 2");
  const double f_max = resolved_f_max(p);
  const double nyquist = p.sample_rate / 2.0;
  if (!(f_max <= nyquist)) {
    throw_invalid(where, "f_max", p.f_max, "f_max <= sample_rate / 2 = " + format_hz(nyquist) + " Hz (Nyquist)");
  }
  if (!(p.f_min < f_max)) {
    throw_invalid(where, "f_min", p.f_min,
                  "f_min < f_max = " + format_hz(f_max) + " Hz" +
                      (p.f_max == 0.0 ? " (f_max = 0 means sample_rate // 2)" : ""));
  }
}

/// \brief Rounds a double filterbank to T, warning first (torchaudio's wording) if a filter is
/// all zero.
/// \param[in] kind "mel" or "bark"; \param[in] filters_name "n_mels" or "n_barks"
template <class T>
Magnitude<T> finish_filterbank(const Eigen::MatrixXd& fb, const char* kind, const char* filters_name) {
  if (!inspect_filterbank<double>(fb).ok()) {
    warn(std::string("At least one ") + kind + " filterbank has all zero values. The value for `" + filters_name +
         "` (" + std::to_string(fb.cols()) + ") may be set too high. Or, the value for `n_freqs` (" +
         std::to_string(fb.rows()) + ") may be set too low.");
  }
  return fb.cast<T>();
}

}  // namespace detail
}  // namespace specinv
