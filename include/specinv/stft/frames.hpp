// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Frame geometry: centre padding, frame count, and the length and placement of the
/// inverse's output, with torch's rules.
///
/// Forward: the signal x (length N) is zero-padded by `pad` on each side (torchaudio), then, with
/// `center`, padded by n_fft / 2 on each side with `pad_mode`; frame t covers samples
/// [t * hop, t * hop + n_fft) of that padded signal, and there are 1 + (padded - n_fft) / hop
/// frames. Inverse: the overlap-added signal has L = n_fft + hop * (frames - 1) samples; torch
/// drops n_fft / 2 at each end with `center`, or keeps exactly `length` samples from the start
/// (zero-filled past L).

#include <algorithm>
#include <optional>
#include <string>

#include "params.hpp"

namespace specinv {
namespace detail {

/// The longest signal, padded signal or inverse output, in samples, the STFT layer takes: 2^48
/// (about 200 years at 44.1 kHz), so that no sum of it with n_fft, pads and hops overflows Index.
inline constexpr Index max_samples = Index(1) << 48;

/// Where the samples of a signal of a given length sit in the padded signal the frames cut.
struct ForwardGeometry {
  Index signal_length;  ///< N, samples of the caller's signal
  Index lead;           ///< index of x[0] in the padded signal: pad + (center ? n_fft / 2 : 0)
  Index padded_length;  ///< N + 2 * pad + (center ? 2 * (n_fft / 2) : 0)
  Index frames;         ///< 1 + (padded_length - n_fft) / hop
};

/// \brief Checks that a signal of n_samples can be analysed with `p` and lays it out.
/// \throws specinv::invalid_argument for an empty signal, reflect/circular padding wider than the
/// signal, or a padded signal shorter than n_fft
inline ForwardGeometry forward_geometry(const StftParams& p, Index n_samples, const char* where) {
  require(n_samples >= 1, where, "signal length", n_samples, "at least 1 sample");
  require(n_samples <= max_samples, where, "signal length", n_samples, "at most 2^48 samples");
  const Index n = p.n_fft;
  const Index cpad = p.center ? n / 2 : 0;
  const Index inner = n_samples + 2 * Index(p.pad);  // what centre padding pads
  if (p.center && p.pad_mode == PadMode::reflect && cpad >= inner) {
    throw_invalid(where, "signal length", n_samples,
                  "more than n_fft / 2 = " + std::to_string(cpad) + " - 2 * pad samples: reflect "
                  "padding cannot be wider than the signal (use pad_mode constant or a smaller n_fft)");
  }
  if (p.center && p.pad_mode == PadMode::circular && cpad > inner) {
    throw_invalid(where, "signal length", n_samples,
                  "at least n_fft / 2 = " + std::to_string(cpad) + " - 2 * pad samples: circular "
                  "padding cannot wrap around more than once");
  }
  const Index padded = inner + 2 * cpad;
  if (padded < n) {
    throw_invalid(where, "signal length", n_samples,
                  "a padded length of at least n_fft = " + std::to_string(n) + " (padded length is " +
                      std::to_string(padded) + "; use center = true or a smaller n_fft)");
  }
  return {n_samples, Index(p.pad) + cpad, padded, 1 + (padded - n) / resolved_hop(p)};
}

/// \brief Sample i of the padded signal (0 <= i < padded_length), for frames that reach into the
/// padding. Interior frames copy the signal directly and never come here.
template <class T>
T padded_sample(const T* x, const ForwardGeometry& g, const StftParams& p, Index i) noexcept {
  const Index cpad = g.lead - p.pad;
  const Index inner = g.signal_length + 2 * Index(p.pad);
  Index j = i - cpad;  // index into the zero-padded signal
  if (j < 0 || j >= inner) {
    switch (p.pad_mode) {
      case PadMode::constant: return T(0);
      case PadMode::reflect: j = j < 0 ? -j : 2 * (inner - 1) - j; break;
      case PadMode::replicate: j = j < 0 ? 0 : inner - 1; break;
      case PadMode::circular: j = (j % inner + inner) % inner; break;
    }
  }
  const Index k = j - p.pad;
  return (k >= 0 && k < g.signal_length) ? x[k] : T(0);
}

/// Where the inverse's output sits in the overlap-added signal, and which part torch checks.
struct InverseGeometry {
  Index frames;        ///< spectrogram columns
  Index full_length;   ///< L = n_fft + hop * (frames - 1), overlap-added samples
  Index offset;        ///< index in the overlap-added signal of output sample 0
  Index out_length;    ///< samples returned
  Index valid;         ///< leading output samples covered by frames; the rest are zeros
  Index check_begin;   ///< torch's NOLA check covers [check_begin, check_end) of the OLA signal
  Index check_end;
};

/// \brief Output placement of the inverse of `frames` frames, with an optional exact `length`.
/// \throws specinv::invalid_argument if frames < 1, length < 0, or the output torch checks would
/// be empty (length 0 without pad; a single centred frame of even n_fft without length)
inline InverseGeometry inverse_geometry(const StftParams& p, Index frames,
                                        std::optional<Index> length, const char* where) {
  require(frames >= 1, where, "frames", frames, "at least 1 frame (spectrogram columns)");
  if (length) require(*length >= 0 && *length <= max_samples, where, "length", *length, "0 <= length <= 2^48");
  const Index n = p.n_fft;
  require(frames - 1 <= (max_samples - n) / std::max<Index>(1, resolved_hop(p)), where, "frames", frames,
          "at most 1 + (2^48 - n_fft) / hop_length frames (an output of at most 2^48 samples)");
  const Index full = n + resolved_hop(p) * (frames - 1);
  const Index start = p.center ? n / 2 : 0;
  InverseGeometry g{};
  g.frames = frames;
  g.full_length = full;
  g.check_begin = start;
  if (length) {
    // torchaudio asks torch.istft for length + 2 * pad samples and then drops pad at each end.
    g.offset = start + p.pad;
    g.out_length = *length;
    g.check_end = std::min(full, start + *length + 2 * Index(p.pad));
  } else {
    // Without a length torchaudio keeps its `pad` samples: torch.istft's own output is returned.
    g.offset = start;
    g.out_length = full - 2 * start;
    g.check_end = full - start;
  }
  g.valid = std::max<Index>(0, std::min(g.out_length, full - g.offset));
  if (g.check_begin >= g.check_end) {
    // torch.istft cannot reduce an empty envelope and raises; so does specinv.
    if (length) require(false, where, "length", *length, "length >= 1 (or pad > 0): torch.istft refuses an empty output");
    require(false, where, "frames", frames,
            "more frames: with center = true, one frame of an even n_fft leaves no output sample (torch raises)");
  }
  return g;
}

}  // namespace detail

/// \brief Number of frames the STFT of a signal of `n_samples` samples has.
/// \throws specinv::invalid_argument if `p` is invalid or the signal too short for it
inline Index n_frames(Index n_samples, const StftParams& p) {
  p.validate();
  return detail::forward_geometry(p, n_samples, "n_frames").frames;
}

/// \brief Number of samples the inverse STFT of `frames` frames returns: `length` when given,
/// else n_fft + hop * (frames - 1), less n_fft / 2 at each end with `center` (torch.istft).
/// \throws specinv::invalid_argument if `p` is invalid, frames < 1, length < 0, or the output
/// would be empty (torch.istft raises then)
inline Index istft_length(Index frames, const StftParams& p, std::optional<Index> length = std::nullopt) {
  p.validate();
  return detail::inverse_geometry(p, frames, length, "istft_length").out_length;
}

}  // namespace specinv
