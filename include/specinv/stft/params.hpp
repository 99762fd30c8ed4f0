// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `StftParams`: every option of torch.stft / torchaudio.functional.spectrogram, and its
/// validation.

#include <cmath>
#include <sstream>
#include <string>

#include "../core/types.hpp"
#include "../core/window.hpp"
#include "../detail/check.hpp"

namespace specinv {

/// \brief How `center = true` pads the signal by n_fft / 2 on each side (torch's `pad_mode`).
enum class PadMode {
  reflect,    ///< mirror without repeating the edge sample (torch 'reflect', numpy 'reflect')
  constant,   ///< zeros (torch 'constant')
  replicate,  ///< repeat the edge sample (torch 'replicate', numpy 'edge')
  circular,   ///< wrap around (torch 'circular', numpy 'wrap')
};

/// \brief Spectrogram scaling, with torchaudio's meaning of its `normalized` argument.
enum class Normalization {
  none,          ///< unscaled FFT (torch normalized=False)
  window,        ///< divide by sqrt(sum(window^2)) (torchaudio normalized=True or 'window')
  frame_length,  ///< divide by sqrt(n_fft) (torch.stft normalized=True, torchaudio 'frame_length')
};

/// Lower-case name as torch spells it ("reflect", "constant"...).
inline const char* to_string(PadMode mode) noexcept {
  switch (mode) {
    case PadMode::reflect: return "reflect";
    case PadMode::constant: return "constant";
    case PadMode::replicate: return "replicate";
    case PadMode::circular: return "circular";
  }
  return "unknown";
}

/// Lower-case name as torchaudio spells it ("none", "window", "frame_length").
inline const char* to_string(Normalization norm) noexcept {
  switch (norm) {
    case Normalization::none: return "none";
    case Normalization::window: return "window";
    case Normalization::frame_length: return "frame_length";
  }
  return "unknown";
}

/// \brief Options of the short-time Fourier transform and its inverse.
///
/// Defaults follow API.md: n_fft 400 and a periodic Hann window as torchaudio's transforms, hop
/// n_fft / 4 as torch.stft. torch.stft's own default window is rectangular and torchaudio's
/// transforms default to hop = win_length / 2, so code that must match a torch call sets every
/// field explicitly.
struct StftParams {
  /// FFT size, >= 1. Frames hold n_fft samples; a one-sided spectrogram has n_fft / 2 + 1 bins.
  int n_fft = 400;
  /// Samples between frame starts, >= 1; 0 means n_fft / 4 (integer division), as torch.stft.
  /// The inverse needs hop_length <= win_length (torch.istft).
  int hop_length = 0;
  /// Window length, 1 <= win_length <= n_fft; 0 means n_fft. A shorter window is zero-padded to
  /// n_fft on both sides, (n_fft - win_length) / 2 zeros on the left, as torch does.
  int win_length = 0;
  /// Window shape, periodic (torch's `*_window(win_length)` default). Ignored when
  /// `custom_window` is set.
  WindowKind window = WindowKind::hann;
  /// Any window of length win_length, used instead of `window` when non-empty (torch: `window=`).
  Signal<double> custom_window;
  /// Kaiser shape parameter when window == WindowKind::kaiser, 0 <= kaiser_beta <= 700
  /// (torch.kaiser_window's `beta`, default 12).
  double kaiser_beta = 12.0;
  /// Pad n_fft / 2 samples on each side so that frame t is centred on sample t * hop_length.
  bool center = true;
  /// How `center` pads; ignored when center is false. reflect needs a signal longer than
  /// n_fft / 2, circular one at least that long.
  PadMode pad_mode = PadMode::reflect;
  /// Scaling of the spectrogram; the inverse undoes the same scaling.
  Normalization normalized = Normalization::none;
  /// Return only the n_fft / 2 + 1 non-negative frequencies (real input). With false, all n_fft
  /// bins; the inverse then reads the first n_fft / 2 + 1 of them, as torch.istft does for a real
  /// output.
  bool onesided = true;
  /// Zeros added on each side of the signal before the transform, >= 0 (torchaudio's `pad`
  /// argument of spectrogram / inverse_spectrogram). The inverse removes them only when a
  /// `length` is given, exactly as torchaudio.functional.inverse_spectrogram does.
  int pad = 0;

  /// \brief Throws specinv::invalid_argument naming the first field out of range.
  void validate() const;
};

namespace detail {

/// ||w|| as peak * ||w / peak||, which neither underflows for a window of tiny values nor
/// overflows (normalized = window divides by it); 0 for an all-zero window.
inline double window_norm(const Signal<double>& w) {
  const double peak = w.size() ? w.cwiseAbs().maxCoeff() : 0.0;
  return peak > 0 ? peak * (w / peak).norm() : 0.0;
}

/// Effective hop length (resolves the 0 sentinel).
inline Index resolved_hop(const StftParams& p) noexcept { return p.hop_length > 0 ? p.hop_length : p.n_fft / 4; }
/// Effective window length (resolves the 0 sentinel).
inline Index resolved_win_length(const StftParams& p) noexcept { return p.win_length > 0 ? p.win_length : p.n_fft; }
/// Rows of a spectrogram: n_fft / 2 + 1 one-sided, n_fft two-sided.
inline Index spectrum_rows(const StftParams& p) noexcept { return p.onesided ? p.n_fft / 2 + 1 : p.n_fft; }

}  // namespace detail

inline void StftParams::validate() const {
  constexpr const char* where = "StftParams";
  detail::require(n_fft >= 1, where, "n_fft", n_fft, "n_fft >= 1");
  detail::require(hop_length >= 0, where, "hop_length", hop_length,
                  "hop_length >= 1, or 0 for n_fft / 4");
  if (detail::resolved_hop(*this) < 1) {
    detail::throw_invalid(where, "hop_length", hop_length,
                          "hop_length >= 1; the default n_fft / 4 is 0 for n_fft = " +
                              std::to_string(n_fft) + ", so set it explicitly");
  }
  if (win_length < 0 || win_length > n_fft) {
    detail::throw_invalid(where, "win_length", win_length,
                          "1 <= win_length <= n_fft = " + std::to_string(n_fft) + ", or 0 for n_fft");
  }
  const Index wl = detail::resolved_win_length(*this);
  if (custom_window.size() != 0) {
    if (custom_window.size() != wl) {
      detail::throw_invalid(where, "custom_window.size()", custom_window.size(),
                            "win_length = " + std::to_string(wl) + " (or empty for a built-in window)");
    }
    detail::require(custom_window.allFinite(), where, "custom_window", "non-finite values",
                    "finite values");
    if (normalized == Normalization::window && !(custom_window.cwiseAbs().maxCoeff() > 0)) {
      detail::throw_invalid(where, "custom_window", "all zeros",
                            "a window with non-zero values for normalized = window (it divides by ||window||)");
    }
  } else {
    detail::require(int(window) >= int(WindowKind::hann) && int(window) <= int(WindowKind::kaiser),
                    where, "window", int(window), "a WindowKind enumerator");
    if (window == WindowKind::kaiser) {
      detail::require(kaiser_beta >= 0.0 && kaiser_beta <= detail::kaiser_beta_max, where,
                      "kaiser_beta", kaiser_beta, "0 <= kaiser_beta <= 700");
    }
  }
  detail::require(int(pad_mode) >= int(PadMode::reflect) && int(pad_mode) <= int(PadMode::circular),
                  where, "pad_mode", int(pad_mode), "a PadMode enumerator");
  detail::require(int(normalized) >= int(Normalization::none) &&
                      int(normalized) <= int(Normalization::frame_length),
                  where, "normalized", int(normalized), "a Normalization enumerator");
  detail::require(pad >= 0, where, "pad", pad, "pad >= 0");
}

}  // namespace specinv
