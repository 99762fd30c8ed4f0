// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `Stft<T, Backend>`: the short-time Fourier transform and its inverse with exactly the
/// semantics of torch.stft / torch.istft and torchaudio.functional.spectrogram(power=None) /
/// inverse_spectrogram; and the `stft()` free functions.
///
/// Forward: frame t of the (padded, see frames.hpp) signal, multiplied by the window, FFT'd:
/// \f$ S[k, t] = c \sum_m w[m]\, x[t h + m]\, e^{-2\pi i k m / n} \f$, with c the normalisation.
/// Inverse: each column inverse-FFT'd, multiplied by the window, overlap-added and divided by the
/// window-sum-square envelope (nola.hpp), which is the least-squares signal for a given
/// (possibly inconsistent) spectrogram. Cost: one real FFT of n_fft per frame plus O(n_fft) per
/// frame for windowing and overlap-add. Frames go through the FFT backend in blocks, so the
/// workspace is a fixed size and both directions allocate nothing once the object is built.

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>

#include "frames.hpp"
#include "nola.hpp"
#include "params.hpp"
#include "../core/types.hpp"
#include "../core/window.hpp"
#include "../detail/check.hpp"
#include "../detail/math.hpp"
#include "../detail/ola.hpp"
#include "../fft/backend.hpp"

namespace specinv {

namespace detail {

/// The n_fft-long window `p` describes, in double: built-in or custom, zero-padded and centred.
inline Signal<double> padded_window(const StftParams& p) {
  const Index n = p.n_fft;
  const Index wl = resolved_win_length(p);
  const Signal<double> w = p.custom_window.size() != 0
                               ? p.custom_window
                               : window::make<double>(p.window, wl, true, p.kaiser_beta);
  Signal<double> padded = Signal<double>::Zero(n);
  padded.segment((n - wl) / 2, wl) = w;
  return padded;
}

/// Frames per FFT call: a block of about 64 KiB of samples, so that a block's time frames and
/// spectra stay in L2 cache between the windowing, the FFT and the copy out.
inline Index block_frames(Index n_fft, std::size_t scalar_size) noexcept {
  const Index bytes = 64 * 1024;
  return std::clamp<Index>(bytes / (n_fft * Index(scalar_size)), 1, 32);
}

template <class T, class Backend>
class FusedStft;

}  // namespace detail

/// \brief STFT and inverse STFT of one configuration, owning FFT plans and workspace.
///
/// Construction validates the parameters, builds the window and the overlap-add envelope and
/// plans the FFTs (it allocates). After that, `forward` and `inverse` into caller-owned storage
/// allocate nothing. One object serves one thread at a time; use one per thread.
///
/// Inputs are `Eigen::Ref<const ...>`: contiguous vectors and matrices (and column blocks of them)
/// bind without a copy; a strided expression, such as a matrix row or one channel of interleaved
/// audio, is first evaluated into a temporary, which allocates. Real-time code passes contiguous data.
///
/// \tparam T float or double
/// \tparam Backend `fft::fftw<T>` or `fft::kiss<T>` (see fft/backend.hpp)
template <class T, class Backend = fft::default_backend<T>>
class Stft {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  static_assert(std::is_base_of_v<fft::FrameBuffers<T>, Backend>,
                "specinv::Stft: Backend must be an FFT backend for the same scalar T");

  /// \brief Validates `params`, builds windows and envelope, plans the FFTs.
  /// \throws specinv::invalid_argument naming the first invalid field
  explicit Stft(StftParams params)
      : m_params(validated(std::move(params))),
        m_hop(detail::resolved_hop(m_params)),
        m_win_length(detail::resolved_win_length(m_params)),
        m_fft(m_params.n_fft, detail::block_frames(m_params.n_fft, sizeof(T))),
        m_edge_capacity(edge_capacity(m_params)),
        m_edges(2 * m_edge_capacity) {
    const Signal<double> w = detail::padded_window(m_params);
    const double n = double(m_params.n_fft);
    double inverse_scale = 1.0 / n;
    Signal<double> analysis = w;
    if (m_params.normalized == Normalization::frame_length) {
      analysis *= 1.0 / std::sqrt(n);
      inverse_scale = 1.0 / std::sqrt(n);
    } else if (m_params.normalized == Normalization::window) {
      // w / ||w|| as (w / peak) / ||w / peak||: 1 / ||w|| itself overflows for a window of
      // denormal values (found by fuzz_stft). peak > 0: validate() refuses an all-zero window.
      const double peak = w.cwiseAbs().maxCoeff();
      const double unit_norm = (w / peak).norm();
      analysis = (w / peak) / unit_norm;
      inverse_scale = peak * unit_norm / n;
    }
    m_window = w.cast<T>();
    // No spectrum value exceeds sum |analysis| * max|x|: below this bound on the signal, none overflows.
    const double gain = analysis.cwiseAbs().sum();
    m_max_sample = gain > 0 ? double(std::numeric_limits<T>::max()) / gain : std::numeric_limits<double>::infinity();
    m_analysis = analysis.cast<T>();
    m_synthesis = (w * inverse_scale).cast<T>();
    if (m_hop <= m_win_length) m_envelope = detail::WindowEnvelope<T>(w, m_hop);
  }

  /// The parameters, as given (0 sentinels not resolved).
  const StftParams& params() const noexcept { return m_params; }
  /// FFT size.
  Index n_fft() const noexcept { return m_params.n_fft; }
  /// Effective hop length (n_fft / 4 when params().hop_length is 0).
  Index hop_length() const noexcept { return m_hop; }
  /// Effective window length (n_fft when params().win_length is 0).
  Index win_length() const noexcept { return m_win_length; }
  /// Rows of a spectrogram: n_fft / 2 + 1 one-sided, n_fft two-sided.
  Index n_freqs() const noexcept { return detail::spectrum_rows(m_params); }
  /// The window actually applied, zero-padded and centred to n_fft, shape (n_fft).
  const Signal<T>& window() const noexcept { return m_window; }
  /// The largest |sample| `forward` accepts: the largest T over sum |window| times the
  /// normalisation, the gain of a constant signal at DC, which bounds every spectrum value
  /// (about 1e36 for a float Hann window of 512).
  double max_sample() const noexcept { return m_max_sample; }

  /// \brief Frames of the STFT of a signal of `n_samples` samples.
  /// \throws specinv::invalid_argument if the signal is empty or too short for the padding
  Index n_frames(Index n_samples) const {
    return detail::forward_geometry(m_params, n_samples, "Stft::n_frames").frames;
  }

  /// \brief Samples `inverse` returns for `frames` frames (see istft_length()).
  /// \throws specinv::invalid_argument if frames < 1 or length < 0
  Index output_length(Index frames, std::optional<Index> length = std::nullopt) const {
    return detail::inverse_geometry(m_params, frames, length, "Stft::output_length").out_length;
  }

  /// \brief STFT into caller storage. Allocation-free.
  /// \param[in] x signal, shape (samples); finite values, |x| <= max_sample() (so that no
  ///            spectrum value can overflow T)
  /// \param[out] out spectrogram, shape (n_freqs(), n_frames(x.size()))
  /// \throws specinv::invalid_argument for a bad signal or a wrongly sized `out`
  void forward(const Eigen::Ref<const Signal<T>>& x, Eigen::Ref<Spectrogram<T>> out) {
    constexpr const char* where = "Stft::forward";
    const auto g = detail::forward_geometry(m_params, x.size(), where);
    require_dims(where, "out", {out.rows(), out.cols()}, {n_freqs(), g.frames});
    check_signal(where, x);

    const Index n = n_fft(), half = n / 2 + 1;
    pad_edges(x, g);
    for (Index t0 = 0; t0 < g.frames; t0 += m_fft.max_batch()) {
      const Index batch = std::min(m_fft.max_batch(), g.frames - t0);
      for (Index f = 0; f < batch; ++f) load_frame(x, g, t0 + f, m_fft.time_frame(f));
      m_fft.forward(batch);
      for (Index f = 0; f < batch; ++f) {
        const Eigen::Map<const Eigen::Matrix<std::complex<T>, Eigen::Dynamic, 1>> spectrum(
            m_fft.freq_frame(f), half);
        auto column = out.col(t0 + f);
        column.head(half) = spectrum;
        if (!m_params.onesided)  // real input: the negative frequencies mirror the positive ones
          column.tail(n - half) = spectrum.segment(1, n - half).reverse().conjugate();
      }
    }
  }

  /// \brief STFT, returned by value. \returns shape (n_freqs(), n_frames(x.size()))
  /// \throws specinv::invalid_argument for a bad signal
  Spectrogram<T> forward(const Eigen::Ref<const Signal<T>>& x) {
    Spectrogram<T> out(n_freqs(), n_frames(x.size()));
    forward(x, out);
    return out;
  }

  /// \brief Inverse STFT into caller storage. Allocation-free.
  /// \param[in] s spectrogram, shape (n_freqs(), frames); finite values. Two-sided input uses its
  ///            first n_fft / 2 + 1 rows, and the imaginary parts of the DC and Nyquist bins are
  ///            ignored (torch.istft with a real output).
  /// \param[out] out signal, shape (output_length(frames, length))
  /// \param[in] length exact output length (zero-filled past the last frame), or none for
  ///            torch's default (see istft_length())
  /// \throws specinv::invalid_argument for hop_length > win_length, a bin count that does not fit
  ///         n_fft / onesided, a bad length or `out` size, non-finite input, input so large that
  ///         the output would overflow T (`out` is then unspecified), or a window/hop whose
  ///         overlap-add envelope vanishes on the output (NOLA; torch.istft raises there too)
  void inverse(const Eigen::Ref<const Spectrogram<T>>& s, Eigen::Ref<Signal<T>> out,
               std::optional<Index> length = std::nullopt) {
    constexpr const char* where = "Stft::inverse";
    check_invertible(where, s);
    const auto g = detail::inverse_geometry(m_params, s.cols(), length, where);
    detail::require(out.size() == g.out_length, where, "out.size()", out.size(),
                    "output_length(frames, length)");
    check_nola(where, g);

    const Index half = n_fft() / 2 + 1;
    out.setZero();
    // Only frames that overlap the output are transformed (a short `length` skips the rest).
    const Index first = g.offset >= n_fft() ? (g.offset - n_fft()) / m_hop + 1 : 0;
    const Index end = g.valid > 0 ? std::min(g.frames, (g.offset + g.valid - 1) / m_hop + 1) : 0;
    Index done = 0;  // output samples already divided by the envelope
    for (Index t0 = first; t0 < end; t0 += m_fft.max_batch()) {
      const Index batch = std::min(m_fft.max_batch(), end - t0);
      for (Index f = 0; f < batch; ++f)
        std::copy_n(s.col(t0 + f).data(), half, m_fft.freq_frame(f));
      m_fft.inverse(batch);
      for (Index f = 0; f < batch; ++f) overlap_add(t0 + f, m_fft.time_frame(f), g, out.data());
      // Samples before the next frame's start are complete: normalise them while still in cache.
      const Index complete =
          t0 + batch == end ? g.valid : std::clamp<Index>((t0 + batch) * m_hop - g.offset, 0, g.valid);
      m_envelope.normalize(out.data() + done, g.offset + done, complete - done);
      done = complete;
    }
    // Values near the largest T overflow the inverse FFT's sums (or the envelope's division):
    // refused rather than returned as Inf or NaN.
    if (!detail::all_finite(out.data(), out.size())) {
      detail::throw_invalid(where, "spectrogram", "values whose inverse overflows",
                            std::string("values small enough that the inverse is finite in ") +
                                (std::is_same_v<T, float> ? "float" : "double") + " (scale them down)");
    }
  }

  /// \brief Inverse STFT, returned by value. \returns shape (output_length(s.cols(), length))
  /// \throws specinv::invalid_argument as the caller-storage form
  Signal<T> inverse(const Eigen::Ref<const Spectrogram<T>>& s,
                    std::optional<Index> length = std::nullopt) {
    check_hop("Stft::inverse");  // before allocating: a huge hop would ask for a huge output
    Signal<T> out(output_length(s.cols(), length));
    inverse(s, out, length);
    return out;
  }

  /// \brief Adjoint of `forward` into caller storage: the gradient path of any loss on a
  /// spectrogram (phase/lbfgs.hpp). Allocation-free.
  ///
  /// For a signal length N = out.size(), `forward` is a real-linear map F from signals to
  /// spectrograms; this is its adjoint F* for the inner products <x, y> = sum x y on signals and
  /// Re<S, S'> = sum Re(conj(S) S') on spectrograms, so that Re<F x, S> = <x, F* S> for every x
  /// and S (it is not the inverse: no envelope division). Per frame: the adjoint of the
  /// (one-sided) real FFT, which is the unscaled c2r transform of the spectrum with DC and Nyquist
  /// taken once (real parts only) and every other bin halved (c2r counts those twice); for a
  /// two-sided spectrum, bin n_fft - k is folded onto bin k as its conjugate first. Then a
  /// multiply by the analysis window (with the forward normalisation), overlap-add onto the
  /// padded signal, and the padding folded back: each padded sample is added to the signal sample
  /// it copies (reflect, replicate, circular), constant and torchaudio `pad` samples are dropped.
  /// \param[in] s spectrogram, shape (n_freqs(), n_frames(out.size())); finite values
  /// \param[out] out signal, shape (samples): F* s
  /// \throws specinv::invalid_argument for a signal length the forward refuses, a wrongly shaped
  ///         or non-finite `s`
  void adjoint(const Eigen::Ref<const Spectrogram<T>>& s, Eigen::Ref<Signal<T>> out) {
    constexpr const char* where = "Stft::adjoint";
    const auto g = detail::forward_geometry(m_params, out.size(), where);
    require_dims(where, "spectrogram", {s.rows(), s.cols()}, {n_freqs(), g.frames});
    bool finite = true;
    for (Index t = 0; t < s.cols() && finite; ++t)
      finite = detail::all_finite(reinterpret_cast<const T*>(s.col(t).data()), 2 * s.rows());
    detail::require(finite, where, "spectrogram", "values with NaN or Inf", "finite values");

    using Complex = std::complex<T>;
    const Index n = n_fft(), half = n / 2 + 1;
    const Index mirrored = n - half;  // bins 1..mirrored also appear conjugated in a two-sided column
    const bool nyquist = n % 2 == 0;  // bin n / 2 stands for itself only
    out.setZero();
    std::fill_n(m_edges.data(), m_edges.size(), T(0));
    for (Index t0 = 0; t0 < g.frames; t0 += m_fft.max_batch()) {
      const Index batch = std::min(m_fft.max_batch(), g.frames - t0);
      for (Index f = 0; f < batch; ++f) {
        const Complex* col = s.col(t0 + f).data();
        Complex* h = m_fft.freq_frame(f);
        h[0] = Complex(col[0].real(), T(0));
        for (Index k = 1; k < half; ++k) h[k] = col[k] * T(0.5);
        if (!m_params.onesided)
          for (Index k = 1; k <= mirrored; ++k) h[k] += std::conj(col[n - k]) * T(0.5);
        if (nyquist) h[n / 2] = Complex(col[n / 2].real(), T(0));
      }
      m_fft.inverse(batch);
      for (Index f = 0; f < batch; ++f) {
        const Index t = t0 + f;
        const Index first = t * m_hop;
        const Index start = first - g.lead;
        T* dst = start >= 0 && start + n <= g.signal_length ? out.data() + start
                 : first < g.lead                           ? m_edges.data() + first
                                                            : m_edges.data() + m_edge_capacity + (first - edge_tail_start(g));
        detail::window_add(dst, m_fft.time_frame(f), m_analysis.data(), n);
      }
    }
    // Fold the edge buffers back, exactly where pad_edges / load_frame took their samples from.
    const Index head = std::min(g.padded_length, m_edge_capacity);
    for (Index i = 0; i < head; ++i) {
      const Index k = padded_source(g, i);
      if (k >= 0) out[k] += m_edges[i];
    }
    const Index tail_start = edge_tail_start(g);
    for (Index i = tail_start; i < g.padded_length; ++i) {
      const Index k = padded_source(g, i);
      if (k >= 0) out[k] += m_edges[m_edge_capacity + i - tail_start];
    }
  }

  /// \brief Adjoint of `forward` for a signal of `length` samples, returned by value.
  /// \param[in] s spectrogram, shape (n_freqs(), n_frames(length)) \returns shape (length)
  /// \throws specinv::invalid_argument as the caller-storage form
  Signal<T> adjoint(const Eigen::Ref<const Spectrogram<T>>& s, Index length) {
    detail::forward_geometry(m_params, length, "Stft::adjoint");
    Signal<T> out(length);
    adjoint(s, out);
    return out;
  }

  /// \brief Batched STFT into caller storage, one signal after the other. Allocation-free.
  /// \param[in] x signals, shape (samples, batch)
  /// \param[out] out spectrograms, shape (n_freqs(), n_frames(samples), batch)
  /// \throws specinv::invalid_argument as the single-signal form, or for a wrongly sized `out`
  void forward(const Eigen::TensorMap<const SignalBatch<T>>& x, Eigen::TensorMap<SpectrogramBatch<T>> out) {
    const Index samples = x.dimension(0), batch = x.dimension(1);
    const Index frames = n_frames(samples);
    require_dims("Stft::forward", "out dimensions", {out.dimension(0), out.dimension(1), out.dimension(2)},
                 {n_freqs(), frames, batch});
    for (Index b = 0; b < batch; ++b) {
      forward(Eigen::Map<const Signal<T>>(x.data() + b * samples, samples),
              Eigen::Map<Spectrogram<T>>(out.data() + b * n_freqs() * frames, n_freqs(), frames));
    }
  }

  /// \brief Batched STFT, returned by value. \param[in] x shape (samples, batch)
  /// \returns shape (n_freqs(), frames, batch)
  SpectrogramBatch<T> forward(const SignalBatch<T>& x) {
    SpectrogramBatch<T> out(n_freqs(), n_frames(x.dimension(0)), x.dimension(1));
    forward(Eigen::TensorMap<const SignalBatch<T>>(x.data(), x.dimensions()),
            Eigen::TensorMap<SpectrogramBatch<T>>(out.data(), out.dimensions()));
    return out;
  }

  /// \brief Batched inverse STFT into caller storage. Allocation-free.
  /// \param[in] s spectrograms, shape (n_freqs(), frames, batch)
  /// \param[out] out signals, shape (output_length(frames, length), batch)
  /// \throws specinv::invalid_argument as the single-spectrogram form
  void inverse(const Eigen::TensorMap<const SpectrogramBatch<T>>& s, Eigen::TensorMap<SignalBatch<T>> out,
               std::optional<Index> length = std::nullopt) {
    const Index rows = s.dimension(0), frames = s.dimension(1), batch = s.dimension(2);
    const Index samples = out.dimension(0);
    require_dims("Stft::inverse", "out dimensions", {samples, out.dimension(1)},
                 {output_length(frames, length), batch});
    for (Index b = 0; b < batch; ++b) {
      inverse(Eigen::Map<const Spectrogram<T>>(s.data() + b * rows * frames, rows, frames),
              Eigen::Map<Signal<T>>(out.data() + b * samples, samples), length);
    }
  }

  /// \brief Batched inverse STFT, returned by value. \param[in] s shape (n_freqs(), frames, batch)
  /// \returns shape (output_length(frames, length), batch)
  SignalBatch<T> inverse(const SpectrogramBatch<T>& s, std::optional<Index> length = std::nullopt) {
    SignalBatch<T> out(output_length(s.dimension(1), length), s.dimension(2));
    inverse(Eigen::TensorMap<const SpectrogramBatch<T>>(s.data(), s.dimensions()),
            Eigen::TensorMap<SignalBatch<T>>(out.data(), out.dimensions()), length);
    return out;
  }

 private:
  template <class, class>
  friend class detail::FusedStft;  // the fused iteration passes reuse the framing below

  static StftParams validated(StftParams p) {
    p.validate();
    return p;
  }

  /// Throws unless every sample is finite and at most max_sample() in magnitude: one pass.
  void check_signal(const char* where, const Eigen::Ref<const Signal<T>>& x) const {
    using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
    const double peak = x.size() ? double(Eigen::Map<const Array>(x.data(), x.size()).abs().template maxCoeff<Eigen::PropagateNaN>()) : 0.0;
    if (peak <= m_max_sample) return;
    detail::require(std::isfinite(peak), where, "x", "a signal with NaN or Inf samples", "finite samples");
    std::ostringstream limit;
    limit.precision(3);
    limit << "|x| <= " << m_max_sample << " (the largest " << (std::is_same_v<T, float> ? "float" : "double")
          << " over the window's gain: the spectrogram would overflow; scale the signal down)";
    detail::throw_invalid(where, "max|x|", peak, limit.str());
  }

  /// Throws unless the dimensions `got` of `name` equal `want` (both written "a x b x ...").
  static void require_dims(const char* where, const char* name, std::initializer_list<Index> got,
                           std::initializer_list<Index> want) {
    if (std::equal(got.begin(), got.end(), want.begin(), want.end())) return;
    auto words = [](std::initializer_list<Index> dims) {
      std::string text;
      for (Index d : dims) text += (text.empty() ? "" : " x ") + std::to_string(d);
      return text;
    };
    detail::throw_invalid(where, name, words(got), words(want));
  }

  /// Checks what the inverse needs of the parameters and of the spectrogram's shape and values.
  void check_hop(const char* where) const {
    if (m_hop > m_win_length) {
      detail::throw_invalid(where, "hop_length", m_hop,
                            "hop_length <= win_length = " + std::to_string(m_win_length) +
                                " for the inverse (torch.istft)");
    }
  }

  void check_invertible(const char* where, const Eigen::Ref<const Spectrogram<T>>& s) const {
    check_hop(where);
    if (s.rows() != n_freqs()) {
      detail::throw_invalid(where, "spectrogram rows", s.rows(),
                            std::to_string(n_freqs()) + " frequency bins for n_fft = " +
                                std::to_string(n_fft()) +
                                (m_params.onesided ? " one-sided (n_fft / 2 + 1)" : " two-sided (n_fft)"));
    }
    detail::require(s.cols() >= 1, where, "frames", s.cols(), "at least 1 frame (spectrogram columns)");
    bool finite = true;
    for (Index t = 0; t < s.cols() && finite; ++t)
      finite = detail::all_finite(reinterpret_cast<const T*>(s.col(t).data()), 2 * s.rows());
    detail::require(finite, where, "spectrogram", "values with NaN or Inf", "finite values");
  }

  void check_nola(const char* where, const detail::InverseGeometry& g) {
    m_envelope.prepare(g.frames);
    if (m_envelope.min(g.check_begin, g.check_end) < detail::nola_threshold) {
      const Index bad = m_envelope.first_below_threshold(g.check_begin, g.check_end);
      detail::throw_invalid(
          where, "hop_length", m_hop,
          "a window/hop pair whose overlap-add envelope (sum of squared windows) is at least "
          "1e-11 on every output sample (NOLA); it is " +
              std::to_string(m_envelope.min(bad, bad + 1)) + " at sample " +
              std::to_string(bad) + " of the overlap-added signal (window " +
              (m_params.custom_window.size() ? std::string("custom") : std::string(to_string(m_params.window))) +
              ", win_length " + std::to_string(m_win_length) + ", center " +
              (m_params.center ? "true" : "false") + ")");
    }
  }

  /// Samples of padding (torchaudio's pad plus centre padding) before the signal, and the size
  /// of each edge buffer: every frame that reaches into the padding lies within lead + n_fft
  /// samples of one end of the padded signal.
  static Index edge_capacity(const StftParams& p) noexcept {
    return Index(p.pad) + (p.center ? p.n_fft / 2 : 0) + p.n_fft;
  }

  /// Index in the padded signal of the tail edge buffer's first sample.
  Index edge_tail_start(const detail::ForwardGeometry& g) const noexcept {
    return std::max<Index>(0, g.padded_length - m_edge_capacity);
  }

  /// Writes the first and last edge_capacity samples of the padded signal into m_edges: each
  /// padded sample is worked out once per call here, so that every frame, padded or not, is then
  /// one vectorised window multiply.
  void pad_edges(const Eigen::Ref<const Signal<T>>& x, const detail::ForwardGeometry& g) noexcept {
    const Index head = std::min(g.padded_length, m_edge_capacity);
    const Index tail_start = edge_tail_start(g);
    if (g.lead > 0)
      for (Index i = 0; i < head; ++i) m_edges[i] = detail::padded_sample(x.data(), g, m_params, i);
    if ((g.frames - 1) * m_hop + n_fft() > g.lead + g.signal_length)
      for (Index i = tail_start; i < g.padded_length; ++i)
        m_edges[m_edge_capacity + i - tail_start] = detail::padded_sample(x.data(), g, m_params, i);
  }

  /// The signal sample that padded sample i copies (what padded_sample reads), or -1 for a
  /// zero (constant centre padding, torchaudio's `pad`).
  Index padded_source(const detail::ForwardGeometry& g, Index i) const noexcept {
    const Index pad = m_params.pad;
    const Index cpad = g.lead - pad;
    const Index inner = g.signal_length + 2 * pad;
    Index j = i - cpad;  // index into the zero-padded signal
    if (j < 0 || j >= inner) {
      switch (m_params.pad_mode) {
        case PadMode::constant: return -1;
        case PadMode::reflect: j = j < 0 ? -j : 2 * (inner - 1) - j; break;
        case PadMode::replicate: j = j < 0 ? 0 : inner - 1; break;
        case PadMode::circular: j = (j % inner + inner) % inner; break;
      }
    }
    const Index k = j - pad;
    return (k >= 0 && k < g.signal_length) ? k : -1;
  }

  /// Windowed frame t of the padded signal into dst (n_fft samples): straight from the signal,
  /// or from an edge buffer for the few frames that reach into the padding.
  void load_frame(const Eigen::Ref<const Signal<T>>& x, const detail::ForwardGeometry& g, Index t,
                  T* dst) const noexcept {
    const Index n = n_fft();
    const Index first = t * m_hop;    // index in the padded signal of the frame's first sample
    const Index start = first - g.lead;  // ... and in the signal
    const T* src = start >= 0 && start + n <= g.signal_length ? x.data() + start
                   : first < g.lead                           ? m_edges.data() + first
                                                              : m_edges.data() + m_edge_capacity + (first - edge_tail_start(g));
    detail::window_copy(dst, src, m_analysis.data(), n);
  }

  /// Adds windowed frame t into the output, clipped to the output's frame-covered samples.
  void overlap_add(Index t, const T* frame, const detail::InverseGeometry& g, T* out) const noexcept {
    const Index n = n_fft();
    const Index first = t * m_hop;                      // frame start in the overlap-added signal
    const Index lo = std::max<Index>(0, g.offset - first);
    const Index hi = std::min<Index>(n, g.offset + g.valid - first);
    if (lo < hi) detail::window_add(out + (first + lo - g.offset), frame + lo, m_synthesis.data() + lo, hi - lo);
  }

  StftParams m_params;
  Index m_hop;
  Index m_win_length;
  double m_max_sample = 0;  // the largest |x| forward accepts
  Signal<T> m_window;     // w, zero-padded to n_fft
  Signal<T> m_analysis;   // w times the forward normalisation
  Signal<T> m_synthesis;  // w times the inverse FFT scale and normalisation
  Backend m_fft;
  Index m_edge_capacity;              // lead + n_fft: samples per edge buffer
  detail::AlignedArray<T> m_edges;    // padded head, then padded tail, of the current signal
  detail::WindowEnvelope<T> m_envelope;
};

namespace detail {
/// True for Eigen dense expressions: selects the deducing `stft(x, p)` overloads.
template <class D>
inline constexpr bool is_dense_v = std::is_base_of_v<Eigen::MatrixBase<D>, D>;
}  // namespace detail

/// \brief STFT of a signal (torch.stft / torchaudio.functional.spectrogram(power=None)).
/// Plans and workspace are made per call; keep an `Stft` object to reuse them.
/// \tparam T float or double
/// \tparam Backend the FFT backend (fft::default_backend<T> unless given)
/// \param[in] x signal, shape (samples)
/// \returns shape (n_freqs, frames)
/// \throws specinv::invalid_argument for invalid parameters or signal
template <class T, class Backend = fft::default_backend<T>>
Spectrogram<T> stft(const Eigen::Ref<const Signal<T>>& x, const StftParams& params) {
  return Stft<T, Backend>(params).forward(x);
}

/// \brief STFT of any Eigen vector expression; the scalar type is deduced.
/// \tparam Derived an Eigen dense vector type of float or double
/// \returns shape (n_freqs, frames) \throws specinv::invalid_argument as above
template <class Derived, std::enable_if_t<detail::is_dense_v<Derived>, int> = 0>
Spectrogram<typename Derived::Scalar> stft(const Eigen::MatrixBase<Derived>& x, const StftParams& params) {
  using T = typename Derived::Scalar;
  return stft<T>(Eigen::Ref<const Signal<T>>(x.derived()), params);
}

}  // namespace specinv
