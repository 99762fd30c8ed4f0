// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `StreamingReconstructor`: magnitude frames in, audio out, one hop at a time, for audio
/// plugins and other real-time callers: nothing inside `push`, `pop` or `reset` allocates,
/// locks, throws or does I/O.
///
/// The algorithm is RTPGHI (phase/rtpghi.hpp: look-ahead 0 or 1 frame, no FFT but the synthesis)
/// or RTISI-LA (phase/rtisi_la.hpp: iterations per frame over the look-ahead window). Each push
/// of frame j phases frame c = j - look_ahead; its inverse FFT, windowed, is overlap-added, and
/// the hop of samples that no later frame overlaps is normalised by the window-square envelope
/// and becomes the next `pop`. That is what torch.istft computes, in the same order as far as
/// the frames go, so the stream is the offline `rtpghi` / `rtisi_la` output delayed by
/// `latency()` samples, to float rounding: output sample i is offline sample i - latency(),
/// where latency() = look_ahead * hop + (center ? n_fft / 2 : 0), and the offline output is the
/// one without `length` (which, as torchaudio's, keeps the `pad` samples). The first latency()
/// samples are 0. A stream has no end: the offline output's last n_fft - hop samples, which an
/// STFT of a finite signal normalises by fewer frames, come out once frames after them arrive.

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include <Eigen/Core>

#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/pghi.hpp"
#include "../fft/backend.hpp"
#include "../phase/rtisi_la.hpp"
#include "../phase/rtpghi.hpp"
#include "../stft/nola.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// The phase recovery a `StreamingReconstructor` runs.
enum class StreamAlgorithm {
  rtpghi,    ///< Real-Time PGHI (Průša & Søndergaard, DAFx-16): cheap, look-ahead 0 or 1 frame
  rtisi_la,  ///< RTISI-LA (Zhu et al. 2007): iterative, better, costs iters_per_frame FFT pairs per look-ahead frame
};

/// Lowercase name of a StreamAlgorithm ("rtpghi", "rtisi_la").
inline const char* to_string(StreamAlgorithm a) noexcept {
  switch (a) {
    case StreamAlgorithm::rtpghi: return "rtpghi";
    case StreamAlgorithm::rtisi_la: return "rtisi_la";
  }
  return "?";
}

/// \brief Options of a `StreamingReconstructor`.
struct StreamingParams {
  StreamAlgorithm algorithm = StreamAlgorithm::rtpghi;
  /// Frames after frame n that frame n's phase may use. -1 (default): 1 for RTPGHI, and
  /// (win_length - 1) / hop for RTISI-LA (3 at 75% overlap). RTPGHI: 0 or 1; RTISI-LA: >= 0.
  int look_ahead = -1;
  // RTPGHI (PghiParams' meanings)
  double tolerance = detail::pghi_default_tolerance;  ///< relative threshold of random phase, (0, 1)
  double gamma = 0;                                   ///< window's lambda in samples^2; 0: from the window
  std::uint64_t seed = 0;                             ///< seed of the random phases
  // RTISI-LA (RtisiLaParams' meanings)
  int iters_per_frame = 25;        ///< iterations per pushed frame, >= 1
  double momentum = 0.99;          ///< FGLA-style inertia, 0 <= momentum < 1
  bool asymmetric_window = false;  ///< Zhu et al.'s asymmetric analysis window for the newest frame

  /// \throws specinv::invalid_argument naming the first invalid field
  void validate() const {
    constexpr const char* where = "StreamingParams";
    detail::require(algorithm == StreamAlgorithm::rtpghi || algorithm == StreamAlgorithm::rtisi_la, where,
                    "algorithm", int(algorithm), "StreamAlgorithm::rtpghi or rtisi_la");
    if (algorithm == StreamAlgorithm::rtpghi) {
      detail::require(look_ahead >= -1 && look_ahead <= 1, where, "look_ahead", look_ahead,
                      "0 or 1 for rtpghi (-1: 1)");
      rtpghi_params().validate();
    } else {
      rtisi_la_params().validate();
    }
  }

  /// The offline `rtpghi` settings that give the same frames.
  RtpghiParams rtpghi_params() const {
    RtpghiParams p;
    p.tolerance = tolerance;
    p.gamma = gamma;
    p.seed = seed;
    p.look_ahead = look_ahead < 0 ? 1 : look_ahead;
    return p;
  }

  /// The offline `rtisi_la` settings that give the same frames.
  RtisiLaParams rtisi_la_params() const {
    RtisiLaParams p;
    p.look_ahead = look_ahead;
    p.iters_per_frame = iters_per_frame;
    p.momentum = momentum;
    p.asymmetric_window = asymmetric_window;
    return p;
  }
};

/// What `StreamingReconstructor::push` did with a frame.
enum class PushStatus {
  accepted,        ///< the frame was taken; `pop` now returns one hop of samples
  wrong_size,      ///< not frame_size() magnitudes; nothing changed
  bad_magnitude,   ///< a negative, NaN or infinite magnitude, or one above the offline algorithms'
                   ///< limit (1e30 in float, 1e100 in double: see phase/common.hpp); nothing changed
  output_pending,  ///< the previous hop was not popped yet; nothing changed
};

/// \brief Real-time spectrogram inversion: `push` a magnitude frame, `pop` hop samples.
///
/// Construction validates the parameters and allocates everything (it may throw); after it,
/// `push`, `pop` and `reset` are noexcept and allocation-, lock- and I/O-free, so they may run
/// in an audio callback. One object serves one thread at a time.
/// \tparam T float or double \tparam Backend the FFT backend
template <class T, class Backend = fft::default_backend<T>>
class StreamingReconstructor {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \param stft the STFT the magnitude frames come from (onesided, hop <= win_length, NOLA)
  /// \throws specinv::invalid_argument naming the invalid parameter
  explicit StreamingReconstructor(StftParams stft, StreamingParams params = {})
      : m_stft(validated(std::move(stft))),
        m_params(validated(std::move(params))),
        m_n(m_stft.n_fft),
        m_hop(detail::resolved_hop(m_stft)),
        m_bins(m_n / 2 + 1),
        m_look_ahead(resolve_look_ahead()),
        m_lead(m_stft.center ? m_n / 2 : 0),
        m_window(detail::padded_window(m_stft)),
        m_gain(T(detail::unnormalised_gain(m_stft, m_window))),
        m_fft(m_n, 1),
        m_acc(m_n),
        m_block(m_hop) {
    if (m_hop > detail::resolved_win_length(m_stft)) {
      detail::throw_invalid(where, "hop_length", m_hop,
                            "hop_length <= win_length = " + std::to_string(detail::resolved_win_length(m_stft)) +
                                " (the output is an overlap-add)");
    }
    detail::require(m_window.cwiseAbs().maxCoeff() > 0, where, "custom_window", "all zeros",
                    "a window with a non-zero sample");
    build_envelope();
    if (m_params.algorithm == StreamAlgorithm::rtpghi) {
      const RtpghiParams p = m_params.rtpghi_params();
      m_rtpghi.emplace(m_stft, p.tolerance, detail::window_tf_ratio(where, m_stft, p.gamma), p.seed, m_look_ahead);
    } else {
      m_rtisi.emplace(m_window, m_hop, m_look_ahead, m_params.momentum, m_params.asymmetric_window,
                      double(m_gain));
    }
    m_window_t = m_window.cast<T>();
    reset();
  }

  const StftParams& stft_params() const noexcept { return m_stft; }
  const StreamingParams& params() const noexcept { return m_params; }
  /// Magnitudes per pushed frame: n_fft / 2 + 1.
  Index frame_size() const noexcept { return m_bins; }
  /// Samples per pop.
  Index hop_length() const noexcept { return m_hop; }
  /// Frames of look-ahead in use (the -1 default resolved).
  Index look_ahead() const noexcept { return m_look_ahead; }
  /// Output sample i is sample i - latency() of the offline reconstruction (see the file comment).
  Index latency() const noexcept { return m_look_ahead * m_hop + m_lead; }

  /// \brief Takes the next magnitude frame (`size` must be frame_size(); finite, >= 0, at most
  /// 1e30 in float or 1e100 in double; the caller's STFT scale). On `accepted`, one hop of output is ready for `pop`.
  PushStatus push(const T* magnitude, Index size) noexcept {
    if (m_pending) return PushStatus::output_pending;
    if (size != m_bins || magnitude == nullptr) return PushStatus::wrong_size;
    for (Index k = 0; k < m_bins; ++k)  // false for a NaN too
      if (!(magnitude[k] >= T(0) && magnitude[k] <= T(detail::max_magnitude<T>))) return PushStatus::bad_magnitude;
    Index committed = -1;
    if (m_rtpghi) {
      m_rtpghi->push(magnitude);
      committed = m_rtpghi->committed_index();
      if (committed >= 0) synthesise(m_rtpghi->committed_spectrum());
    } else {
      m_rtisi->push(magnitude, m_params.iters_per_frame);
      committed = m_rtisi->committed_index();
      if (committed >= 0) overlap_add(m_rtisi->committed_frame().data());
    }
    emit(committed);
    return PushStatus::accepted;
  }

  /// \brief push of a frame held in any Eigen vector with contiguous storage of T (a `Signal<T>`,
  /// a column of a column-major matrix, a `Map`): read in place, never copied. Expressions
  /// without storage are refused at compile time, since evaluating them would allocate.
  template <class Derived>
  PushStatus push(const Eigen::DenseBase<Derived>& magnitude) noexcept {
    static_assert(std::is_same_v<typename Derived::Scalar, T>, "specinv: push magnitudes of the stream's scalar type");
    static_assert(bool(Derived::Flags & Eigen::DirectAccessBit),
                  "specinv: push needs a vector with storage (evaluate the expression into a Signal first)");
    if (magnitude.innerStride() != 1 || (magnitude.rows() != 1 && magnitude.cols() != 1))
      return PushStatus::wrong_size;
    return push(magnitude.derived().data(), magnitude.size());
  }

  /// \brief Writes the hop of samples the last accepted push made into `out` (room for
  /// hop_length() samples). \returns hop_length(), or 0 (nothing written) when none is pending
  Index pop(T* out) noexcept {
    if (!m_pending || out == nullptr) return 0;
    std::copy_n(m_block.data(), m_hop, out);
    m_pending = false;
    return m_hop;
  }

  /// Back to the state before the first frame: the next push is frame 0 again.
  void reset() noexcept {
    if (m_rtpghi) m_rtpghi->reset();
    if (m_rtisi) m_rtisi->reset();
    m_acc.setZero();
    m_block.setZero();
    m_pending = false;
  }

 private:
  static constexpr const char* where = "StreamingReconstructor";

  static StftParams validated(StftParams p) {
    p.validate();
    detail::require(p.onesided, where, "onesided", "false", "a one-sided STFT (onesided = true)");
    return p;
  }
  static StreamingParams validated(StreamingParams p) {
    p.validate();
    return p;
  }

  Index resolve_look_ahead() const {
    if (m_params.look_ahead >= 0) return m_params.look_ahead;
    return m_params.algorithm == StreamAlgorithm::rtpghi ? 1 : (detail::resolved_win_length(m_stft) - 1) / m_hop;
  }

  /// Envelope of block c (samples c hop .. c hop + hop - 1 of the padded signal): the sum of
  /// w^2 over frames 0..c that cover it, tabled for c = 0..K (constant from K = ceil(n / hop) - 1).
  /// At start-up (c < K) a tapered window's first samples have an envelope of almost nothing
  /// (Hann's first is 0, the next ones 1e-10): where it is below 1e-3 of the steady envelope's
  /// minimum the output is 0 rather than rounding errors amplified a million times. With
  /// `center` those samples are inside the n_fft / 2 never output; without it the offline
  /// inverse STFT refuses such windows (NOLA), and the stream starts with silence instead.
  void build_envelope() {
    const Index k_max = (m_n + m_hop - 1) / m_hop - 1;
    m_inv_envelope.resize(m_hop, k_max + 1);
    for (Index c = 0; c <= k_max; ++c) {
      for (Index i = 0; i < m_hop; ++i) {
        double sum = 0.0;
        for (Index back = 0; back <= c; ++back) {
          const Index at = back * m_hop + i;  // position inside frame c - back
          if (at < m_n) sum += m_window[at] * m_window[at];
        }
        m_inv_envelope(i, c) = sum >= detail::nola_threshold ? T(1.0 / sum) : T(0);
      }
    }
    const auto steady = m_inv_envelope.col(k_max);
    for (Index i = 0; i < m_hop; ++i) {
      if (steady[i] == T(0)) {
        detail::throw_invalid(where, "hop_length", m_hop,
                              "a window/hop pair whose overlap-add envelope is at least 1e-11 everywhere (NOLA)");
      }
    }
    const T start_up_limit = T(1e3) * steady.maxCoeff();  // 1 / (1e-3 * the smallest steady envelope)
    for (Index c = 0; c < k_max; ++c)
      for (Index i = 0; i < m_hop; ++i)
        if (m_inv_envelope(i, c) > start_up_limit) m_inv_envelope(i, c) = T(0);
  }

  /// Inverse FFT of a phased spectrum (caller scale), then overlap_add.
  void synthesise(const Eigen::Matrix<std::complex<T>, Eigen::Dynamic, 1>& spectrum) noexcept {
    std::complex<T>* f = m_fft.freq_frame(0);
    for (Index k = 0; k < m_bins; ++k) f[k] = spectrum[k] * m_gain;
    m_fft.inverse(1);
    T* frame = m_fft.time_frame(0);
    const T scale = T(1) / T(m_n);
    for (Index i = 0; i < m_n; ++i) frame[i] *= scale;
    overlap_add(frame);
  }

  /// Adds window * frame (n samples, from the start of the current block) to the accumulator.
  void overlap_add(const T* frame) noexcept {
    for (Index i = 0; i < m_n; ++i) m_acc[i] += m_window_t[i] * frame[i];
  }

  /// The block of committed frame c (zeros before frame 0 or inside the lead), then the
  /// accumulator moves on by one hop.
  void emit(Index c) noexcept {
    if (c < 0) {
      m_block.setZero();
    } else {
      const Index table = std::min<Index>(c, m_inv_envelope.cols() - 1);
      for (Index i = 0; i < m_hop; ++i) {
        const Index padded = c * m_hop + i;
        m_block[i] = padded < m_lead ? T(0) : m_acc[i] * m_inv_envelope(i, table);
      }
      std::copy(m_acc.data() + m_hop, m_acc.data() + m_n, m_acc.data());
      std::fill(m_acc.data() + (m_n - m_hop), m_acc.data() + m_n, T(0));
    }
    m_pending = true;
  }

  StftParams m_stft;
  StreamingParams m_params;
  Index m_n, m_hop, m_bins, m_look_ahead, m_lead;
  Signal<double> m_window;  // n_fft, zero-padded
  T m_gain;                 // caller scale to unnormalised
  Signal<T> m_window_t;
  Backend m_fft;            // one frame, for RTPGHI's synthesis
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m_inv_envelope;  // (hop, K + 1)
  Signal<T> m_acc;          // (n): the overlap-add from the current block on
  Signal<T> m_block;        // (hop): the next pop
  bool m_pending = false;
  std::optional<detail::RtpghiState<T>> m_rtpghi;
  std::optional<detail::RtisiLaState<T, Backend>> m_rtisi;
};

}  // namespace specinv
