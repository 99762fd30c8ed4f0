// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Mel filterbanks (torchaudio.functional.melscale_fbanks) and the mel spectrogram
/// (torchaudio.transforms.MelSpectrogram): `mel_filterbank`, `MelParams`, `MelSpectrogram`,
/// `mel_spectrogram`.
///
/// A mel filterbank has n_mels triangular filters over the n_freqs bins 0 .. sample_rate // 2 Hz
/// of a one-sided spectrum. Filter edges are n_mels + 2 points evenly spaced in mel between
/// f_min and f_max; filter m rises from edge m to 1 at edge m + 1 and falls to 0 at edge m + 2.
/// With `MelNorm::slaney` each filter is scaled by 2 / (edge m + 2 - edge m) Hz, which makes
/// its area constant. Everything is computed in double with torchaudio's operation order, then
/// rounded to T: float64 filterbanks equal torchaudio's to about 1e-15.
///
/// The mel spectrogram of a signal is \f$ M = F^\top |S|^p \f$, with S its one-sided STFT and F
/// the filterbank, shape (n_mels, frames): torchaudio's Spectrogram(power=p) followed by MelScale.
/// Cost per frame: one STFT frame, then a dot product over each filter's non-zero bins.
///
/// Empty filters: with too many mels for the bins (say 128 mels over 201 bins) the narrowest
/// low-frequency triangles fall between two bins and are all zero. Such a filterbank is valid and
/// is returned, but it is reported two ways: at build time through the warning hook
/// (core/warning.hpp; torchaudio's own message, "At least one mel filterbank has all zero values.
/// The value for `n_mels` (128) may be set too high. ..."), and on demand by
/// `inspect_filterbank(fb)` (filterbank/scales.hpp), which lists the empty filters. Their outputs
/// are always 0 and carry no information, so `InverseFilterbank` refuses such filterbanks.

#include <cmath>
#include <string>
#include <utility>

#include "scales.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/filterbank_spectrogram.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"

namespace specinv {

/// \brief Mel filterbank, torchaudio.functional.melscale_fbanks.
/// \tparam T float or double (computed in double, then rounded)
/// \param[in] n_freqs number of spectrum bins, >= 1 (n_fft / 2 + 1); bin k is at
///            k (sample_rate // 2) / (n_freqs - 1) Hz
/// \param[in] f_min lowest filter edge, Hz, finite, 0 <= f_min < f_max
/// \param[in] f_max highest filter edge, Hz, f_max <= sample_rate / 2
/// \param[in] n_mels number of filters, >= 1
/// \param[in] sample_rate Hz, >= 1
/// \param[in] norm MelNorm::slaney scales each filter to constant area (torchaudio norm='slaney')
/// \param[in] scale the Hz <-> mel formula (torchaudio mel_scale)
/// \returns shape (n_freqs, n_mels); a mel spectrogram is `fb.transpose() * spec`
/// \throws specinv::invalid_argument naming the first argument out of range
/// \note Warns through the warning hook (core/warning.hpp) when a filter is all zero.
template <class T>
Magnitude<T> mel_filterbank(int n_freqs, double f_min, double f_max, int n_mels, int sample_rate,
                            MelNorm norm = MelNorm::none, MelScale scale = MelScale::htk) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  constexpr const char* where = "mel_filterbank";
  detail::check_filterbank_args(where, n_freqs, f_min, f_max, "n_mels", n_mels, sample_rate);
  detail::require(norm == MelNorm::none || norm == MelNorm::slaney, where, "norm", int(norm),
                  "a MelNorm enumerator");
  detail::require(scale == MelScale::htk || scale == MelScale::slaney, where, "scale", int(scale),
                  "a MelScale enumerator");
  const Eigen::VectorXd f_pts = detail::mel_points(f_min, f_max, n_mels, scale);
  Eigen::MatrixXd fb = detail::triangular_filterbank(detail::bin_frequencies(n_freqs, sample_rate), f_pts);
  if (norm == MelNorm::slaney) {
    for (Index j = 0; j < n_mels; ++j) fb.col(j) *= 2.0 / (f_pts[j + 2] - f_pts[j]);
  }
  return detail::finish_filterbank<T>(fb, "mel", "n_mels");
}

/// \brief Options of the mel spectrogram; defaults are torchaudio.transforms.MelSpectrogram's.
struct MelParams {
  /// Sample rate of the signal, Hz, >= 1 (torchaudio `sample_rate`, default 16000).
  int sample_rate = 16000;
  /// Number of mel filters, >= 1 (torchaudio `n_mels`, default 128).
  int n_mels = 128;
  /// Lowest filter edge, Hz, finite, 0 <= f_min < f_max (torchaudio `f_min`, default 0).
  double f_min = 0.0;
  /// Highest filter edge, Hz, f_min < f_max <= sample_rate / 2; 0 means sample_rate // 2
  /// (integer division), as torchaudio's f_max=None.
  double f_max = 0.0;
  /// Filter area normalisation (torchaudio `norm`, default None).
  MelNorm norm = MelNorm::none;
  /// Hz <-> mel formula (torchaudio `mel_scale`, default 'htk').
  MelScale mel_scale = MelScale::htk;

  /// \brief Throws specinv::invalid_argument naming the first field out of range.
  void validate() const;
};

inline void MelParams::validate() const {
  constexpr const char* where = "MelParams";
  detail::require(n_mels >= 1, where, "n_mels", n_mels, "n_mels >= 1");
  detail::check_band_params(where, *this);
  detail::require(norm == MelNorm::none || norm == MelNorm::slaney, where, "norm", int(norm),
                  "a MelNorm enumerator");
  detail::require(mel_scale == MelScale::htk || mel_scale == MelScale::slaney, where, "mel_scale",
                  int(mel_scale), "a MelScale enumerator");
}

/// \brief Mel spectrogram of one configuration, owning the STFT plans, the filterbank and the
/// workspace (torchaudio.transforms.MelSpectrogram).
///
/// Construction validates, plans and builds the filterbank (it allocates, and warns if a filter
/// is all zero). A call into caller storage then allocates nothing as long as the frame count is
/// the same as the previous call's. One object serves one thread at a time.
/// \tparam T float or double
/// \tparam Backend `fft::fftw<T>` or `fft::kiss<T>`
template <class T, class Backend = fft::default_backend<T>>
class MelSpectrogram {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Validates everything, plans the STFT, builds the (n_fft / 2 + 1, n_mels) filterbank.
  /// \param[in] stft the STFT; must be one-sided
  /// \param[in] mel the filterbank options
  /// \param[in] power exponent of the magnitude, finite and > 0 (torchaudio `power`: 1 magnitude,
  ///            2 power, the default)
  /// \throws specinv::invalid_argument naming the first invalid field (`onesided`, `power`, ...)
  explicit MelSpectrogram(StftParams stft, MelParams mel, double power = 2.0)
      : m_params(validated(std::move(mel))),
        m_impl(where, std::move(stft), power, [this](int n_freqs) {
          return mel_filterbank<T>(n_freqs, m_params.f_min, detail::resolved_f_max(m_params), m_params.n_mels,
                                   m_params.sample_rate, m_params.norm, m_params.mel_scale);
        }) {}

  /// \brief Mel spectrogram into caller storage; allocation-free once warm.
  /// \param[in] x signal, shape (samples); finite values
  /// \param[out] out shape (n_mels, n_frames(x.size()))
  /// \throws specinv::invalid_argument for a bad signal (non-finite samples, or so large that the
  ///         filtered |STFT|^power overflows T, `max|x|` then) or a wrongly sized `out`
  void operator()(const Eigen::Ref<const Signal<T>>& x, Eigen::Ref<Magnitude<T>> out) { m_impl.apply(where, x, out); }

  /// \brief Mel spectrogram, returned by value. \param[in] x signal, shape (samples)
  /// \returns shape (n_mels, n_frames(x.size())) \throws specinv::invalid_argument for a bad signal
  Magnitude<T> operator()(const Eigen::Ref<const Signal<T>>& x) { return m_impl.apply(where, x); }

  /// The filterbank, shape (n_fft / 2 + 1, n_mels).
  const Magnitude<T>& filterbank() const noexcept { return m_impl.filterbank(); }
  /// Frames of the mel spectrogram of `n_samples` samples (those of the STFT).
  /// \throws specinv::invalid_argument if the signal is too short for the STFT's padding
  Index n_frames(Index n_samples) const { return m_impl.n_frames(n_samples); }
  /// Number of mel filters (output rows).
  Index n_mels() const noexcept { return m_impl.n_filters(); }
  /// The mel options, as given (f_max = 0 not resolved).
  const MelParams& params() const noexcept { return m_params; }
  /// The STFT options, as given.
  const StftParams& stft_params() const noexcept { return m_impl.stft_params(); }
  /// The magnitude exponent.
  double power() const noexcept { return m_impl.power(); }

 private:
  static constexpr const char* where = "MelSpectrogram";
  static MelParams validated(MelParams p) {
    p.validate();
    return p;
  }

  MelParams m_params;
  detail::FilteredSpectrogram<T, Backend> m_impl;
};

/// \brief Mel spectrogram of a signal, `fb^T |STFT(x)|^power` (torchaudio.transforms.MelSpectrogram).
/// Plans, filterbank and workspace are made per call; keep a `MelSpectrogram` to reuse them.
/// \tparam T float or double \tparam Backend the FFT backend
/// \param[in] x signal, shape (samples)
/// \param[in] stft the STFT; must be one-sided
/// \param[in] mel the filterbank options
/// \param[in] power exponent of the magnitude, finite and > 0
/// \returns shape (n_mels, frames)
/// \throws specinv::invalid_argument naming the first invalid parameter
template <class T, class Backend = fft::default_backend<T>>
Magnitude<T> mel_spectrogram(const Eigen::Ref<const Signal<T>>& x, const StftParams& stft, const MelParams& mel,
                             double power = 2.0) {
  return MelSpectrogram<T, Backend>(stft, mel, power)(x);
}

}  // namespace specinv
