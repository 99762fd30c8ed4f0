// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Bark filterbanks (torchaudio.prototype.functional.barkscale_fbanks) and the Bark
/// spectrogram (torchaudio.prototype.transforms.BarkSpectrogram): `bark_filterbank`,
/// `BarkParams`, `BarkSpectrogram`, `bark_spectrogram`.
///
/// The twin of mel.hpp on the Bark scale: n_barks triangular filters whose n_barks + 2 edges are
/// evenly spaced in Bark between f_min and f_max, never area-normalised. With the Traunmüller
/// scale torchaudio maps the edges back to Hz with an `if/elif` that undoes only one of the two
/// end corrections (see detail::bark_to_hz in scales.hpp): a bank that starts below 2 Bark
/// (about 200 Hz) has its top edge above f_max, e.g. 8390 Hz for 0..8000 Hz. This is reproduced
/// on purpose, so that banks equal torchaudio's.
///
/// Empty filters are reported as for mel banks: through the warning hook when the bank is built
/// ("At least one bark filterbank has all zero values. The value for `n_barks` ..."), and by
/// `inspect_filterbank`; `InverseFilterbank` refuses such filterbanks.

#include <cmath>
#include <utility>

#include "scales.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/filterbank_spectrogram.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"

namespace specinv {

/// \brief Bark filterbank, torchaudio prototype barkscale_fbanks.
/// \tparam T float or double (computed in double, then rounded)
/// \param[in] n_freqs number of spectrum bins, >= 1 (n_fft / 2 + 1)
/// \param[in] f_min lowest filter edge, Hz, finite, 0 <= f_min < f_max
/// \param[in] f_max highest filter edge, Hz, f_max <= sample_rate / 2 (the Traunmüller quirk may
///            still place the top edge above it, as torchaudio does)
/// \param[in] n_barks number of filters, >= 1
/// \param[in] sample_rate Hz, >= 1
/// \param[in] scale the Hz <-> Bark formula (torchaudio bark_scale)
/// \returns shape (n_freqs, n_barks)
/// \throws specinv::invalid_argument naming the first argument out of range
/// \note Warns through the warning hook (core/warning.hpp) when a filter is all zero.
template <class T>
Magnitude<T> bark_filterbank(int n_freqs, double f_min, double f_max, int n_barks, int sample_rate,
                             BarkScale scale = BarkScale::traunmuller) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  constexpr const char* where = "bark_filterbank";
  detail::check_filterbank_args(where, n_freqs, f_min, f_max, "n_barks", n_barks, sample_rate);
  detail::require(scale == BarkScale::traunmuller || scale == BarkScale::schroeder || scale == BarkScale::wang,
                  where, "scale", int(scale), "a BarkScale enumerator");
  const Eigen::MatrixXd fb = detail::triangular_filterbank(detail::bin_frequencies(n_freqs, sample_rate),
                                                           detail::bark_points(f_min, f_max, n_barks, scale));
  return detail::finish_filterbank<T>(fb, "bark", "n_barks");
}

/// \brief Options of the Bark spectrogram; defaults are torchaudio's prototype BarkSpectrogram's.
struct BarkParams {
  /// Sample rate of the signal, Hz, >= 1 (torchaudio `sample_rate`, default 16000).
  int sample_rate = 16000;
  /// Number of Bark filters, >= 1 (torchaudio `n_barks`, default 128).
  int n_barks = 128;
  /// Lowest filter edge, Hz, finite, 0 <= f_min < f_max (torchaudio `f_min`, default 0).
  double f_min = 0.0;
  /// Highest filter edge, Hz, f_min < f_max <= sample_rate / 2; 0 means sample_rate // 2
  /// (integer division), as torchaudio's f_max=None.
  double f_max = 0.0;
  /// Hz <-> Bark formula (torchaudio `bark_scale`, default 'traunmuller').
  BarkScale bark_scale = BarkScale::traunmuller;

  /// \brief Throws specinv::invalid_argument naming the first field out of range.
  void validate() const;
};

inline void BarkParams::validate() const {
  constexpr const char* where = "BarkParams";
  detail::require(n_barks >= 1, where, "n_barks", n_barks, "n_barks >= 1");
  detail::check_band_params(where, *this);
  detail::require(bark_scale == BarkScale::traunmuller || bark_scale == BarkScale::schroeder ||
                      bark_scale == BarkScale::wang,
                  where, "bark_scale", int(bark_scale), "a BarkScale enumerator");
}

/// \brief Bark spectrogram of one configuration, owning the STFT plans, the filterbank and the
/// workspace (torchaudio prototype BarkSpectrogram): `fb^T |STFT(x)|^power`.
///
/// Construction validates, plans and builds the filterbank (it allocates, and warns if a filter
/// is all zero). A call into caller storage then allocates nothing as long as the frame count is
/// the same as the previous call's. One object serves one thread at a time.
/// \tparam T float or double
/// \tparam Backend `fft::fftw<T>` or `fft::kiss<T>`
template <class T, class Backend = fft::default_backend<T>>
class BarkSpectrogram {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Validates everything, plans the STFT, builds the (n_fft / 2 + 1, n_barks) filterbank.
  /// \param[in] stft the STFT; must be one-sided
  /// \param[in] bark the filterbank options
  /// \param[in] power exponent of the magnitude, finite and > 0 (1 magnitude, 2 power)
  /// \throws specinv::invalid_argument naming the first invalid field (`onesided`, `power`, ...)
  explicit BarkSpectrogram(StftParams stft, BarkParams bark, double power = 2.0)
      : m_params(validated(std::move(bark))),
        m_impl(where, std::move(stft), power, [this](int n_freqs) {
          return bark_filterbank<T>(n_freqs, m_params.f_min, detail::resolved_f_max(m_params), m_params.n_barks,
                                    m_params.sample_rate, m_params.bark_scale);
        }) {}

  /// \brief Bark spectrogram into caller storage; allocation-free once warm.
  /// \param[in] x signal, shape (samples); finite values
  /// \param[out] out shape (n_barks, n_frames(x.size()))
  /// \throws specinv::invalid_argument for a bad signal (non-finite samples, or so large that the
  ///         filtered |STFT|^power overflows T, `max|x|` then) or a wrongly sized `out`
  void operator()(const Eigen::Ref<const Signal<T>>& x, Eigen::Ref<Magnitude<T>> out) { m_impl.apply(where, x, out); }

  /// \brief Bark spectrogram, returned by value. \param[in] x signal, shape (samples)
  /// \returns shape (n_barks, n_frames(x.size())) \throws specinv::invalid_argument for a bad signal
  Magnitude<T> operator()(const Eigen::Ref<const Signal<T>>& x) { return m_impl.apply(where, x); }

  /// The filterbank, shape (n_fft / 2 + 1, n_barks).
  const Magnitude<T>& filterbank() const noexcept { return m_impl.filterbank(); }
  /// Frames of the Bark spectrogram of `n_samples` samples (those of the STFT).
  /// \throws specinv::invalid_argument if the signal is too short for the STFT's padding
  Index n_frames(Index n_samples) const { return m_impl.n_frames(n_samples); }
  /// Number of Bark filters (output rows).
  Index n_barks() const noexcept { return m_impl.n_filters(); }
  /// The Bark options, as given (f_max = 0 not resolved).
  const BarkParams& params() const noexcept { return m_params; }
  /// The STFT options, as given.
  const StftParams& stft_params() const noexcept { return m_impl.stft_params(); }
  /// The magnitude exponent.
  double power() const noexcept { return m_impl.power(); }

 private:
  static constexpr const char* where = "BarkSpectrogram";
  static BarkParams validated(BarkParams p) {
    p.validate();
    return p;
  }

  BarkParams m_params;
  detail::FilteredSpectrogram<T, Backend> m_impl;
};

/// \brief Bark spectrogram of a signal, `fb^T |STFT(x)|^power`.
/// Plans, filterbank and workspace are made per call; keep a `BarkSpectrogram` to reuse them.
/// \tparam T float or double \tparam Backend the FFT backend
/// \param[in] x signal, shape (samples)
/// \param[in] stft the STFT; must be one-sided
/// \param[in] bark the filterbank options
/// \param[in] power exponent of the magnitude, finite and > 0
/// \returns shape (n_barks, frames)
/// \throws specinv::invalid_argument naming the first invalid parameter
template <class T, class Backend = fft::default_backend<T>>
Magnitude<T> bark_spectrogram(const Eigen::Ref<const Signal<T>>& x, const StftParams& stft, const BarkParams& bark,
                              double power = 2.0) {
  return BarkSpectrogram<T, Backend>(stft, bark, power)(x);
}

}  // namespace specinv
