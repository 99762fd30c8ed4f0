// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `FilteredSpectrogram`: |STFT(x)|^power followed by a filterbank, the engine shared by
/// `MelSpectrogram` and `BarkSpectrogram` (torchaudio's Spectrogram(power) then MelScale).

#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

#include "check.hpp"
#include "filter_ranges.hpp"
#include "math.hpp"
#include "../core/types.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv::detail {

/// \brief Throws unless `power` is finite and > 0.
inline void check_power(const char* where, double power) {
  require(std::isfinite(power) && power > 0.0, where, "power", power,
          "a finite power > 0 (1: magnitude, 2: power spectrogram)");
}

/// \brief `stft`, validated, and refused unless one-sided: a filterbank weights the
/// n_fft / 2 + 1 non-negative frequencies.
inline StftParams filterable_stft(const char* where, StftParams stft, double power) {
  stft.validate();
  require(stft.onesided, where, "onesided", stft.onesided ? "true" : "false",
          "true (filterbanks weight the n_fft / 2 + 1 one-sided bins)");
  check_power(where, power);
  return stft;
}

/// \brief |STFT(x)|^power, then a filterbank applied to every frame: `fb^T |S|^power`.
///
/// Each filter's output is a dot product over the rows where the filter is not zero (a triangle
/// covers a few bins), which is the same sum as the full product `fb^T |S|^power` without the
/// zero terms. Construction allocates; a call into caller storage allocates only when the frame
/// count differs from the previous call's (the complex spectrogram buffer is resized).
/// \tparam T float or double
/// \tparam Backend the FFT backend of the STFT
template <class T, class Backend>
class FilteredSpectrogram {
 public:
  static_assert(is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Validates `stft` and `power`, then builds the filterbank with `make(n_freqs)`.
  /// \param[in] where the public class, for error messages
  /// \param[in] make callable `Magnitude<T>(int n_freqs)` returning shape (n_freqs, n_filters)
  template <class MakeFilterbank>
  FilteredSpectrogram(const char* where, StftParams stft, double power, MakeFilterbank&& make)
      : m_stft(filterable_stft(where, std::move(stft), power)),
        m_power(power),
        m_fb(std::forward<MakeFilterbank>(make)(int(m_stft.n_freqs()))),
        m_ranges(m_fb),
        m_bin(m_stft.n_freqs()) {
    SPECINV_ASSERT(m_fb.rows() == m_stft.n_freqs());
  }

  const Magnitude<T>& filterbank() const noexcept { return m_fb; }
  const StftParams& stft_params() const noexcept { return m_stft.params(); }
  double power() const noexcept { return m_power; }
  Index n_freqs() const noexcept { return m_stft.n_freqs(); }
  Index n_filters() const noexcept { return m_fb.cols(); }
  Index n_frames(Index n_samples) const { return m_stft.n_frames(n_samples); }

  /// \brief Filtered spectrogram into caller storage.
  /// \param[in] x signal, shape (samples)
  /// \param[out] out shape (n_filters(), n_frames(x.size()))
  void apply(const char* where, const Eigen::Ref<const Signal<T>>& x, Eigen::Ref<Magnitude<T>> out) {
    const Index frames = m_stft.n_frames(x.size());
    if (out.rows() != n_filters() || out.cols() != frames) {
      throw_invalid(where, "out", std::to_string(out.rows()) + " x " + std::to_string(out.cols()),
                    std::to_string(n_filters()) + " x " + std::to_string(frames) + " (filters x frames)");
    }
    if (m_spec.cols() != frames) m_spec.resize(n_freqs(), frames);
    m_stft.forward(x, m_spec);
    for (Index t = 0; t < frames; ++t) {
      // torchaudio.functional.spectrogram: abs() for power 1, abs().pow(power) otherwise.
      if (m_power == 2.0) {
        m_bin = m_spec.col(t).cwiseAbs2();
      } else if (m_power == 1.0) {
        m_bin = m_spec.col(t).cwiseAbs();
      } else {
        m_bin = m_spec.col(t).cwiseAbs().array().pow(T(m_power)).matrix();
      }
      m_ranges.times(m_bin, out.col(t));
      // |S|^power overflows T for a huge signal (|x| ~ 1e30 in float, power 2): refused, not inf.
      if (!all_finite(out.col(t).data(), out.rows())) refuse_overflow(where, x);
    }
  }

  /// \brief Filtered spectrogram, returned by value. \returns shape (n_filters(), n_frames(x.size()))
  Magnitude<T> apply(const char* where, const Eigen::Ref<const Signal<T>>& x) {
    Magnitude<T> out(n_filters(), n_frames(x.size()));
    apply(where, x, out);
    return out;
  }

 private:
  [[noreturn]] void refuse_overflow(const char* where, const Eigen::Ref<const Signal<T>>& x) const {
    throw_invalid(where, "max|x|", double(x.cwiseAbs().maxCoeff()),
                  std::string("a signal whose filtered |STFT|^power (power = ") + std::to_string(m_power) +
                      ") is finite in " + (std::is_same_v<T, float> ? "float" : "double") + " (scale it down)");
  }

  Stft<T, Backend> m_stft;
  double m_power;
  Magnitude<T> m_fb;                   // (n_freqs, n_filters)
  FilterRanges<T> m_ranges;            // m_fb, applied over each filter's non-zero run only
  Spectrogram<T> m_spec;               // (n_freqs, frames) of the last call
  Signal<T> m_bin;                     // |S[:, t]|^power of the current frame
};

}  // namespace specinv::detail
