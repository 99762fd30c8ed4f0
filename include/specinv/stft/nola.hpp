// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The window-sum-square envelope of the inverse STFT, built once per configuration, and
/// the NOLA (nonzero overlap-add) check.
///
/// The inverse divides the overlap-added frames by \f$ e[i] = \sum_t w^2[i - t\,h] \f$ (least-
/// squares iSTFT, Griffin & Lim 1984). For `frames >= K = ceil(n_fft / hop)` the envelope of any
/// length is three fixed pieces: a head (the first n_fft samples, only frames to the right), a
/// period of `hop` samples repeated through the middle, and a tail (the last n_fft samples). These
/// are computed once, with their reciprocals, so each inverse costs one vectorised multiply per
/// sample and no envelope arithmetic. Shorter inputs (fewer than K frames) get the envelope summed
/// directly into a scratch buffer sized at construction.
///
/// torch.istft refuses to divide where the envelope is below 1e-11 ("window overlap add min");
/// specinv throws `specinv::invalid_argument` in the same places.

#include <algorithm>
#include <limits>

#include "../core/types.hpp"
#include "../detail/aligned.hpp"

namespace specinv::detail {

/// Envelope values below this make the inverse ill-posed; torch.istft uses the same bound.
inline constexpr double nola_threshold = 1e-11;

/// \brief Window-sum-square envelope of one (window, hop) pair, for any number of frames.
template <class T>
class WindowEnvelope {
  static constexpr Index min_run = 512;  // shortest run of the repeated period, in samples

 public:
  WindowEnvelope() = default;

  /// \param window the n_fft-long (zero-padded) window
  /// \param hop the hop length, 1 <= hop <= n_fft
  WindowEnvelope(const Signal<double>& window, Index hop)
      : m_n(window.size()),
        m_hop(hop),
        m_k((m_n + hop - 1) / hop),
        m_span(hop * std::max<Index>(1, (min_run + hop - 1) / hop)),
        m_head(m_n), m_head_inv(m_n),
        m_tail(m_n), m_tail_inv(m_n),
        m_period(m_span + hop), m_period_inv(m_span + hop),
        m_small(m_n + hop * m_k), m_small_inv(m_n + hop * m_k) {
    const Signal<double> w2 = window.array().square();
    for (Index i = 0; i < m_n; ++i) {
      double head = 0.0, tail = 0.0;
      for (Index m = i; m >= 0; m -= hop) head += w2[m];     // frames starting at or before i
      for (Index m = i; m < m_n; m += hop) tail += w2[m];    // frames ending after L - n + i
      m_head[i] = head;
      m_tail[i] = tail;
    }
    for (Index r = 0; r < hop; ++r) {
      double sum = 0.0;
      for (Index m = r; m < m_n; m += hop) sum += w2[m];
      // Repeated, so that from any phase r a run of m_span samples is contiguous: the middle of
      // the signal is then normalised in long vectorised runs even for a hop of a few samples.
      for (Index k = r; k < m_span + hop; k += hop) m_period[k] = sum;
    }
    m_window2 = w2;
    invert(m_head, m_head_inv, m_n);
    invert(m_tail, m_tail_inv, m_n);
    invert(m_period, m_period_inv, m_span + hop);
  }

  /// \brief Makes the envelope of `frames` frames available. Only fewer than ceil(n_fft / hop)
  /// frames need work (summing into the scratch buffer); allocation-free.
  void prepare(Index frames) noexcept {
    m_frames = frames;
    if (frames >= m_k) return;
    const Index length = m_n + m_hop * (frames - 1);
    std::fill_n(m_small.data(), length, 0.0);
    for (Index t = 0; t < frames; ++t)
      for (Index m = 0; m < m_n; ++m) m_small[t * m_hop + m] += m_window2[m];
    invert(m_small, m_small_inv, length);
  }

  /// \brief Smallest envelope value over samples [begin, end) of the overlap-added signal
  /// (+infinity for an empty range). Cost O(n_fft + hop), whatever the length: the repeated
  /// middle is looked at once. \pre prepare(frames) was called.
  double min(Index begin, Index end) const noexcept {
    double lowest = std::numeric_limits<double>::infinity();
    for_each_run(begin, end, true, [&](Index, Index len, const double* env, const T*) {
      lowest = std::min(lowest, Eigen::Map<const Eigen::ArrayXd>(env, len).minCoeff());
    });
    return lowest;
  }

  /// \brief Index of the first sample in [begin, end) whose envelope is below the NOLA bound, or
  /// -1. Sample by sample: for error messages, after min() found a failure.
  /// \pre prepare(frames) was called.
  Index first_below_threshold(Index begin, Index end) const noexcept {
    Index found = -1;
    for_each_run(begin, end, false, [&](Index first, Index len, const double* env, const T*) {
      for (Index k = 0; k < len && found < 0; ++k)
        if (!(env[k] >= nola_threshold)) found = first + k;
    });
    return found;
  }

  /// \brief y[k] /= envelope[offset + k] for k in [0, count), vectorised run by run.
  /// \pre prepare(frames) was called and the range passed the NOLA check.
  void normalize(T* y, Index offset, Index count) const noexcept { normalize(y, y, offset, count); }

  /// \brief y[k] = x[k] / envelope[offset + k] for k in [0, count) (x may be y): the copy and the
  /// division in one pass. \pre as the in-place form
  void normalize(const T* x, T* y, Index offset, Index count) const noexcept {
    for_each_run(offset, offset + count, false, [&](Index first, Index len, const double*, const T* inv) {
      Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>(y + (first - offset), len) =
          Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(x + (first - offset), len) *
          Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(inv, len);
    });
  }

 private:
  /// Stores 1 / v, or 0 where v is below the NOLA bound (never read: such samples are refused).
  template <class Src, class Dst>
  static void invert(const Src& v, Dst& inv, Index count) noexcept {
    for (Index i = 0; i < count; ++i) inv[i] = v[i] >= nola_threshold ? T(1.0 / v[i]) : T(0);
  }

  /// Calls fn(first, len, envelope, reciprocal) for contiguous runs covering [begin, end) of the
  /// overlap-added signal of m_frames frames: head, repeated period, tail. With `distinct`, a
  /// middle region of at least one period is reported as a single period (for reductions).
  template <class Fn>
  void for_each_run(Index begin, Index end, bool distinct, Fn&& fn) const noexcept {
    const Index length = m_n + m_hop * (m_frames - 1);
    end = std::min(end, length);
    if (begin >= end) return;
    if (m_frames < m_k) {
      fn(begin, end - begin, m_small.data() + begin, m_small_inv.data() + begin);
      return;
    }
    const Index head_end = std::min(end, m_n);
    if (begin < head_end) fn(begin, head_end - begin, m_head.data() + begin, m_head_inv.data() + begin);
    const Index tail_start = std::max(m_n, length - m_n);
    const Index middle_begin = std::max(begin, m_n), middle_end = std::min(end, tail_start);
    if (distinct && middle_end - middle_begin >= m_hop) {
      fn(middle_begin, m_hop, m_period.data(), m_period_inv.data());
    } else {
      for (Index i = middle_begin; i < middle_end;) {
        const Index r = i % m_hop;
        const Index len = std::min(m_span, middle_end - i);  // a multiple of hop but the last
        fn(i, len, m_period.data() + r, m_period_inv.data() + r);
        i += len;
      }
    }
    const Index tail_begin = std::max(begin, tail_start);
    if (tail_begin < end) {
      const Index k = tail_begin - (length - m_n);
      fn(tail_begin, end - tail_begin, m_tail.data() + k, m_tail_inv.data() + k);
    }
  }

  Index m_n = 0;
  Index m_hop = 1;
  Index m_k = 1;
  Index m_frames = 0;
  Index m_span = 1;  // length of the runs the middle is processed in: a multiple of hop >= min_run
  Signal<double> m_window2;
  AlignedArray<double> m_head;
  AlignedArray<T> m_head_inv;
  AlignedArray<double> m_tail;
  AlignedArray<T> m_tail_inv;
  AlignedArray<double> m_period;
  AlignedArray<T> m_period_inv;
  AlignedArray<double> m_small;
  AlignedArray<T> m_small_inv;
};

}  // namespace specinv::detail
