// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `fft::FrameBuffers`: the aligned time/frequency buffers every FFT backend transforms.

#include <complex>

#include "../core/types.hpp"
#include "../detail/aligned.hpp"
#include "../detail/check.hpp"
#include "../detail/math.hpp"

namespace specinv::fft {

/// \brief Workspace of `max_batch` real frames of `n` samples and as many half spectra of
/// `n / 2 + 1` bins, owned by a backend.
///
/// Callers fill time frames, run the backend's `forward(batch)` and read the spectra (or the
/// other way round). Each frame starts on a 64-byte boundary (the strides are rounded up), so the
/// backend can run any frame or run of frames with the plan it made on frame 0, and every access
/// is aligned. The buffers are allocated once, at construction.
template <class T>
class FrameBuffers {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  using Complex = std::complex<T>;

  /// \throws specinv::invalid_argument if n < 1 or max_batch < 1
  FrameBuffers(Index n, Index max_batch)
      : m_n(checked(n, "n")),
        m_batch(checked(max_batch, "max_batch")),
        m_time_stride(detail::round_up(n, Index(detail::buffer_alignment / sizeof(T)))),
        m_freq_stride(detail::round_up(n / 2 + 1, Index(detail::buffer_alignment / sizeof(Complex)))),
        m_time(m_time_stride * max_batch),
        m_freq(m_freq_stride * max_batch) {}

  /// Transform length n.
  Index size() const noexcept { return m_n; }
  /// Bins of a half spectrum, n / 2 + 1.
  Index bins() const noexcept { return m_n / 2 + 1; }
  /// Most frames one `forward`/`inverse` call transforms.
  Index max_batch() const noexcept { return m_batch; }
  /// Distance in elements between consecutive time frames (>= n).
  Index time_stride() const noexcept { return m_time_stride; }
  /// Distance in elements between consecutive spectra (>= n / 2 + 1).
  Index freq_stride() const noexcept { return m_freq_stride; }

  /// Frame `f` of the time buffer, n samples.
  T* time_frame(Index f) noexcept { return m_time.data() + f * m_time_stride; }
  const T* time_frame(Index f) const noexcept { return m_time.data() + f * m_time_stride; }
  /// Spectrum `f` of the frequency buffer, n / 2 + 1 bins.
  Complex* freq_frame(Index f) noexcept { return m_freq.data() + f * m_freq_stride; }
  const Complex* freq_frame(Index f) const noexcept { return m_freq.data() + f * m_freq_stride; }

 private:
  static Index checked(Index v, const char* name) {
    detail::require(v >= 1, "fft backend", name, v, ">= 1");
    return v;
  }

  Index m_n;
  Index m_batch;
  Index m_time_stride;
  Index m_freq_stride;
  detail::AlignedArray<T> m_time;
  detail::AlignedArray<Complex> m_freq;
};

}  // namespace specinv::fft
