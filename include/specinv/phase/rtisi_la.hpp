// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `rtisi_la`: Real-Time Iterative Spectrogram Inversion with Look-Ahead (RTISI-LA), with
/// the semantics of torch_specinv 0.2.1's `RTISI_LA` (including its FGLA-style momentum).
///
/// RTISI-LA rebuilds a signal frame by frame. With n = n_fft, h = hop, w the analysis window
/// zero-padded to n, \f$K = \lfloor (n - 1) / h \rfloor\f$ "kept" (committed) time frames and
/// L look-ahead frames, the state is K committed frames and L + 1 "update" frames (plain inverse
/// FFTs, n samples each). At step i (one per input frame, plus L to flush) the update frames
/// stand for input frames i - L .. i, and each of `iters_per_frame` iterations j does:
/// - \f$x = \sum_m \mathrm{shift}_{m h}(s\, w\, u_m)\f$ over the kept frames followed by the
///   update frames, \f$s = h / \sum w^2\f$, keeping the L h + n samples the update frames cover;
/// - analysis \f$S_l = \mathrm{FFT}(w \cdot x[l h, l h + n))\f$, l = 0..L (with
///   `asymmetric_window`, the newest frame uses the asymmetric window \f$a_1\f$ at j = 0 and
///   \f$a_2\f$ after, \f$a_1 = s \sum_{m=1}^{K} \mathrm{shift}_{m h}(\overleftarrow{w})\f$,
///   \f$a_2 = s \sum_{m=0}^{K} \mathrm{shift}_{m h}(\overleftarrow{w})\f$: Zhu et al.'s
///   window that assumes the committed frames are final);
/// - momentum \f$S_l \leftarrow S_l - c\, P_l\f$ with \f$c = \alpha / (1 + \alpha)\f$ and P the
///   previous iteration's (momentum-corrected) analysis; at j = 0 the previous step's, shifted by
///   one frame (\f$P_{l+1}\f$, none for the newest frame); then \f$P \leftarrow S\f$;
/// - projection \f$S_l \leftarrow S_l\, |X_{i-L+l}| / (|S_l| + 10^{-16})\f$ and
///   \f$u_l = \mathrm{IFFT}(S_l)\f$; a bin whose analysis is exactly 0 gets phase 0 instead
///   (\f$S_l = |X|\f$). That is the one departure from torch_specinv, where such a bin stays 0:
///   there, a signal that starts with digital silence is rebuilt as silence throughout, since
///   every new frame starts from the overlap of the (silent) frames before it.
/// After the iterations the oldest update frame is committed (frames committed before step L are
/// padding and dropped) and everything shifts by one frame; the newest update frame starts at
/// zero, except at step 0, where it is the zero-phase inverse FFT of the first target frame. The
/// output is the inverse STFT (torch.istft semantics, `StftParams` as given) of the committed
/// frames' spectra.
///
/// Causality: an output sample covered only by frames <= t depends only on target frames
/// <= t + L. `detail::RtisiLaState` holds the per-step state and is the streaming core
/// (push one magnitude frame, get one committed frame); `RtisiLa` drives it over a whole
/// spectrogram. The window is the StftParams window zero-padded to n_fft everywhere (torch_specinv
/// mixes the win_length window and n_fft frames; the two agree when win_length == n_fft).
///
/// Cost per iteration: L + 1 real FFT pairs of n_fft, plus O((L + 1) n) for the overlap-add,
/// windowing and projection; a run does (frames + L) * iters_per_frame iterations, so with the
/// defaults (L = K = 3 at 75% overlap, 25 iterations) about 100 FFT pairs per frame, as much as
/// 100 whole-signal Griffin-Lim iterations: the price of causality and bounded latency.
///
/// Citation: X. Zhu, G. T. Beauregard, L. L. Wyse, "Real-Time Signal Estimation From Modified
/// Short-Time Fourier Transform Magnitude Spectra", IEEE Trans. Audio, Speech and Language
/// Processing 15(5), 2007. Reference implementation: torch_specinv 0.2.1 `RTISI_LA`
/// (github.com/yoyololicon/spectrogram-inversion); phaseret's `rtisila` is the C original.

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/phase_run.hpp"
#include "../detail/ola.hpp"
#include "../fft/backend.hpp"
#include "../stft/frames.hpp"
#include "../stft/nola.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// \brief Options of `rtisi_la` (torch_specinv.RTISI_LA's keywords, and the progress options).
///
/// A plain aggregate of its own rather than an `IterationOptions`: RTISI-LA has no global
/// iteration to stop early (`tol` would not mean anything), and its start is fixed by the
/// algorithm (zero phase for the first frame, the overlap of committed frames for the others), so
/// `init` and `seed` would be silently ignored. The options it does share keep their names and
/// meanings: `eval_every`, `metric`, `callback` and `length`, counted in committed frames.
struct RtisiLaParams {
  /// Look-ahead frames L, >= -1: how many future frames are re-estimated together with the frame
  /// about to be committed (torch_specinv: look_ahead). -1 means (win_length - 1) / hop (integer
  /// division; API.md, and torch_specinv's documentation: the frames the window still overlaps);
  /// 0 is plain RTISI. Default -1.
  int look_ahead = -1;
  /// Iterations per step (per committed frame), >= 1 (torch_specinv: max_iter). Default 25.
  int iters_per_frame = 25;
  /// FGLA-style momentum, 0 <= momentum < 1, applied as momentum / (1 + momentum) to the previous
  /// analysis (torch_specinv: alpha). 0 disables it. Default 0.99.
  double momentum = 0.99;
  /// Analyse the newest look-ahead frame with Zhu et al.'s asymmetric windows (torch_specinv:
  /// asymmetric_window). Default false.
  bool asymmetric_window = false;
  /// Committed frames between two evaluations of the progress metric, >= 1. Default 10.
  int eval_every = 10;
  /// The progress metric: at every evaluation, `metric` of all frames committed so far, each
  /// scored by the last analysis made of it (the one its final projection used) against its
  /// target. Default Metric::sc.
  Metric metric = Metric::sc;
  /// Called at every evaluation with the number of committed frames and the metric; return false
  /// to stop. After a stop no more iterations run: the frames still being estimated are committed
  /// with their current estimate and later frames are zero (the output keeps its length).
  /// A batched run on several threads calls it from the worker threads, one call at a time.
  /// Empty = none.
  std::function<bool(int frame, double metric)> callback;
  /// Exact output length (torch.istft: length); none = torch.istft's default for the frame count.
  /// Must keep the frame count (see common.hpp).
  std::optional<Index> length;
  /// Threads of the batched `rtisi_la`, which splits the items across them (bit-identical
  /// results for any value); >= 1, or 0 for every hardware thread. One signal is rebuilt frame
  /// after frame, each step depending on the last, on the calling thread. Default 1.
  int threads = 1;

  /// \brief \throws specinv::invalid_argument naming the first invalid field
  void validate() const {
    constexpr const char* where = "RtisiLaParams";
    detail::require(look_ahead >= -1, where, "look_ahead", look_ahead,
                    "look_ahead >= 0, or -1 for (win_length - 1) / hop");
    detail::require(iters_per_frame >= 1, where, "iters_per_frame", iters_per_frame, "iters_per_frame >= 1");
    detail::require(std::isfinite(momentum) && momentum >= 0 && momentum < 1, where, "momentum", momentum,
                    "0 <= momentum < 1");
    detail::require(eval_every >= 1, where, "eval_every", eval_every, "eval_every >= 1");
    if (length) detail::require(*length >= 1, where, "length", *length, "length >= 1 (or none)");
    detail::require(threads >= 0, where, "threads", threads, "threads >= 1, or 0 for every hardware thread");
  }
};

namespace detail {

/// \brief The per-step state of RTISI-LA: K committed time frames, L + 1 update frames, their
/// spectra and targets, the momentum memory. Allocation-free after construction.
///
/// Streaming core: `push(magnitude column)` runs one step (paper: one frame hop) and commits one
/// time frame, available from `committed_frame()` / `committed_spectrum()` until the next push.
/// The first L pushes after `reset()` commit padding frames (`committed_index()` < 0); after the
/// last input frame, L pushes of `nullptr` (zero target) flush the look-ahead.
///
/// Internally spectra are unnormalised (plain FFTs): `gain` converts a target made with a
/// normalised STFT (see Normalization) into that scale, as torch_specinv does with "ortho" FFTs.
template <class T, class Backend>
class RtisiLaState {
 public:
  using Complex = std::complex<T>;

  /// Allocates every buffer and plans the FFTs.
  /// \param window the n-long (zero-padded) analysis window \param hop 1 <= hop <= n
  /// \param look_ahead L >= 0 \param momentum 0 <= momentum < 1
  /// \param gain factor from the caller's spectrogram scale to the unnormalised FFT's
  RtisiLaState(const Signal<double>& window, Index hop, Index look_ahead, double momentum, bool asymmetric,
               double gain)
      : m_n(window.size()),
        m_hop(hop),
        m_bins(m_n / 2 + 1),
        m_keep((m_n - 1) / hop),
        m_la(look_ahead),
        m_span(look_ahead * hop + m_n),
        m_c(T(momentum / (1.0 + momentum))),
        m_gain(T(gain)),
        m_inv_gain(T(1.0 / gain)),
        m_asymmetric(asymmetric),
        m_fft(m_n, look_ahead + 1),
        m_kept(m_n, m_keep),
        m_update(m_n, look_ahead + 1),
        m_spectra(m_bins, look_ahead + 1),
        m_previous(m_bins, look_ahead + 1),
        m_target(m_bins, look_ahead + 1),
        m_base(m_span),
        m_x(m_span),
        m_committed(m_n),
        m_committed_spectrum(m_bins),
        m_norm(m_bins) {
    const double s = double(hop) / window.squaredNorm();
    m_window = window.cast<T>();
    m_synthesis = (window * s).cast<T>();
    // Zhu et al.'s asymmetric windows, built from the reversed window.
    Signal<double> a1 = Signal<double>::Zero(m_n), a2 = Signal<double>::Zero(m_n);
    const Signal<double> reversed = window.reverse();
    for (Index m = 0; m <= m_keep; ++m) {
      const Index shift = m * hop;
      a2.segment(shift, m_n - shift) += reversed.head(m_n - shift);
      if (m >= 1) a1.segment(shift, m_n - shift) += reversed.head(m_n - shift);
    }
    m_asym_first = (a1 * s).cast<T>();
    m_asym_next = (a2 * s).cast<T>();
    reset();
  }

  /// Clears every frame: the next push is step 0.
  void reset() noexcept {
    m_kept.setZero();
    m_update.setZero();
    m_spectra.setZero();
    m_previous.setZero();
    m_target.setZero();
    m_committed.setZero();
    m_committed_spectrum.setZero();
    m_steps = 0;
    m_has_sums = false;
  }

  /// Look-ahead frames L.
  Index look_ahead() const noexcept { return m_la; }
  /// Committed frames K = (n - 1) / hop that overlap the update frames.
  Index kept_frames() const noexcept { return m_keep; }
  /// Pushes since the last reset().
  Index steps() const noexcept { return m_steps; }

  /// \brief One step: takes the next target frame (`bins` values in the caller's scale, or
  /// nullptr for a zero frame), runs `iterations` iterations and commits the oldest update frame.
  void push(const T* magnitude, int iterations) noexcept {
    const Index last = m_la;
    // Targets of this step's update frames: input frames i - L .. i.
    for (Index l = 0; l < last; ++l) m_target.col(l) = m_target.col(l + 1);
    if (magnitude)
      m_target.col(last) = Eigen::Map<const Signal<T>>(magnitude, m_bins) * m_gain;
    else
      m_target.col(last).setZero();
    if (m_steps == 0) {
      // The first frame starts from its zero-phase inverse FFT.
      Complex* f = m_fft.freq_frame(0);
      for (Index k = 0; k < m_bins; ++k) f[k] = Complex(m_target(k, last), T(0));
      m_spectra.col(last) = Eigen::Map<const Eigen::Matrix<Complex, Eigen::Dynamic, 1>>(f, m_bins);
      m_fft.inverse(1);
      m_update.col(last) = Eigen::Map<const Signal<T>>(m_fft.time_frame(0), m_n) * (T(1) / T(m_n));
    }
    overlap_add_kept();
    for (int j = 0; j < iterations; ++j) iterate(j, j + 1 == iterations);
    m_has_sums = iterations > 0;
    // Commit the oldest update frame and shift everything by one frame.
    m_committed = m_update.col(0);
    m_committed_spectrum = m_spectra.col(0);
    if (m_keep > 0) {
      for (Index k = 0; k + 1 < m_keep; ++k) m_kept.col(k) = m_kept.col(k + 1);
      m_kept.col(m_keep - 1) = m_committed;
    }
    for (Index l = 0; l < last; ++l) {
      m_update.col(l) = m_update.col(l + 1);
      m_spectra.col(l) = m_spectra.col(l + 1);
    }
    m_update.col(last).setZero();
    m_spectra.col(last).setZero();
    ++m_steps;
  }

  /// Input frame the last push committed: steps() - 1 - L (negative: a padding frame).
  Index committed_index() const noexcept { return m_steps - 1 - m_la; }
  /// The committed time frame (the inverse FFT of committed_spectrum(), not windowed), (n).
  const Signal<T>& committed_frame() const noexcept { return m_committed; }
  /// The committed frame's spectrum in the unnormalised FFT scale, (n / 2 + 1).
  const Eigen::Matrix<Complex, Eigen::Dynamic, 1>& committed_spectrum() const noexcept {
    return m_committed_spectrum;
  }
  /// True when the last push iterated, so that committed_sums() scores the committed frame.
  bool has_sums() const noexcept { return m_has_sums; }
  /// |last analysis| of the committed frame against its target, in the caller's scale.
  const MagnitudeSums& committed_sums() const noexcept { return m_sums; }

 private:
  /// m_base = the kept frames' windowed overlap-add over the update frames' span (fixed for a step).
  void overlap_add_kept() noexcept {
    m_base.setZero();
    for (Index k = 0; k < m_keep; ++k) {
      const Index skip = (m_keep - k) * m_hop;  // samples of frame k before the span
      window_add(m_base.data(), m_kept.col(k).data() + skip, m_synthesis.data() + skip, m_n - skip);
    }
  }

  void iterate(int j, bool final_iteration) noexcept {
    const Index last = m_la;
    m_x = m_base;
    for (Index l = 0; l <= last; ++l)
      window_add(m_x.data() + l * m_hop, m_update.col(l).data(), m_synthesis.data(), m_n);
    for (Index l = 0; l <= last; ++l) {
      const T* w = !m_asymmetric || l < last ? m_window.data() : j == 0 ? m_asym_first.data() : m_asym_next.data();
      window_copy(m_fft.time_frame(l), m_x.data() + l * m_hop, w, m_n);
    }
    m_fft.forward(last + 1);
    if (final_iteration) {  // the committed frame's score, from the analysis its projection uses
      m_sums = magnitude_sums(m_fft.freq_frame(0), m_target.col(0).data(), m_bins);
      if (m_gain != T(1)) rescale_sums();
    }
    const bool carry = j > 0 || m_steps > 0;
    for (Index l = 0; l <= last; ++l) {
      // j > 0: the previous iteration's analysis of the same frame; j == 0: the previous step's,
      // whose frame l + 1 is this step's frame l (ascending l reads column l + 1 before it is
      // overwritten); the newest frame has no predecessor then.
      const Complex* q = j > 0 ? m_previous.col(l).data() : (l < last && carry ? m_previous.col(l + 1).data() : nullptr);
      project(m_fft.freq_frame(l), q, m_previous.col(l).data(), m_target.col(l).data());
      if (final_iteration)
        m_spectra.col(l) = Eigen::Map<const Eigen::Matrix<Complex, Eigen::Dynamic, 1>>(m_fft.freq_frame(l), m_bins);
    }
    m_fft.inverse(last + 1);
    const T scale = T(1) / T(m_n);
    for (Index l = 0; l <= last; ++l)
      m_update.col(l) = Eigen::Map<const Signal<T>>(m_fft.time_frame(l), m_n) * scale;
  }

  /// One frame's momentum and projection: s = f - c q (s = f without q), p = s, and f = s |X| /
  /// (|s| + 1e-16), torch_specinv's update, except that an analysis of exactly 0 (nothing but
  /// digital silence overlaps the frame yet) takes phase 0, f = |X|, as frame 0 does: torch_specinv
  /// keeps such a frame at 0 for ever, so a signal that starts with silence stays silent. Loops
  /// that vectorise, as detail::project_frame's; a frame with a zero analysis bin takes the
  /// scalar path. q may equal p (the same column, read before it is written, bin by bin).
  void project(Complex* frame, const Complex* q, Complex* p, const T* target) noexcept {
    T* f = reinterpret_cast<T*>(frame);
    T* pv = reinterpret_cast<T*>(p);
    T* n2 = m_norm.data();
    if (q == p) {  // the same column: in place (a loop of its own, which the compiler vectorises)
      for (Index k = 0; k < m_bins; ++k) {
        const T re = f[2 * k] - m_c * pv[2 * k], im = f[2 * k + 1] - m_c * pv[2 * k + 1];
        pv[2 * k] = f[2 * k] = re;
        pv[2 * k + 1] = f[2 * k + 1] = im;
        n2[k] = re * re + im * im;
      }
    } else if (q) {
      const T* qv = reinterpret_cast<const T*>(q);
      for (Index k = 0; k < m_bins; ++k) {
        const T re = f[2 * k] - m_c * qv[2 * k], im = f[2 * k + 1] - m_c * qv[2 * k + 1];
        pv[2 * k] = f[2 * k] = re;
        pv[2 * k + 1] = f[2 * k + 1] = im;
        n2[k] = re * re + im * im;
      }
    } else {
      for (Index k = 0; k < m_bins; ++k) {
        pv[2 * k] = f[2 * k];
        pv[2 * k + 1] = f[2 * k + 1];
        n2[k] = f[2 * k] * f[2 * k] + f[2 * k + 1] * f[2 * k + 1];
      }
    }
    if ((m_norm.array() > T(0)).all()) {  // false for a 0 and for a NaN: those take the scalar path
      magnitude_scale<T>(target, n2, f, m_bins);
      for (Index k = 0; k < m_bins; ++k) {
        f[2 * k] *= n2[k];
        f[2 * k + 1] *= n2[k];
      }
      return;
    }
    for (Index k = 0; k < m_bins; ++k) {
      const T a = std::sqrt(n2[k]);
      const T scale = target[k] / (a + T(1e-16));
      if (a > T(0) && (a > std::numeric_limits<T>::max() || scale > std::numeric_limits<T>::max())) {
        project_bin_scaled(f[2 * k], f[2 * k + 1], target[k]);  // |f|^2 or the factor overflowed
        continue;
      }
      f[2 * k] = a > T(0) ? f[2 * k] * scale : target[k];
      f[2 * k + 1] = a > T(0) ? f[2 * k + 1] * scale : T(0);
    }
  }

  /// Recomputes m_sums in the caller's scale (estimate and target divided by the gain).
  void rescale_sums() noexcept {
    const double g2 = double(m_inv_gain) * double(m_inv_gain);
    m_sums.error2 *= g2;
    m_sums.estimate2 *= g2;
    m_sums.target2 *= g2;
  }

  Index m_n, m_hop, m_bins, m_keep, m_la, m_span;
  T m_c, m_gain, m_inv_gain;
  bool m_asymmetric;
  Backend m_fft;                                        // L + 1 frames per call
  Signal<T> m_window, m_synthesis, m_asym_first, m_asym_next;  // (n) each
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m_kept;      // (n, K) committed, oldest first
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m_update;    // (n, L + 1) oldest first
  Eigen::Matrix<Complex, Eigen::Dynamic, Eigen::Dynamic> m_spectra;   // (bins, L + 1): FFT of m_update
  Eigen::Matrix<Complex, Eigen::Dynamic, Eigen::Dynamic> m_previous;  // (bins, L + 1) momentum memory
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m_target;  // (bins, L + 1), unnormalised scale
  Signal<T> m_base, m_x;                                      // (L h + n)
  Signal<T> m_committed;                                      // (n)
  Eigen::Matrix<Complex, Eigen::Dynamic, 1> m_committed_spectrum;  // (bins)
  Signal<T> m_norm;                                                 // (bins) scratch of project()
  MagnitudeSums m_sums;
  bool m_has_sums = false;
  Index m_steps = 0;
};

/// Factor from a spectrogram made with `normalized` to the unnormalised FFT scale.
inline double unnormalised_gain(const StftParams& p, const Signal<double>& window) {
  switch (p.normalized) {
    case Normalization::none: return 1.0;
    case Normalization::frame_length: return std::sqrt(double(p.n_fft));
    case Normalization::window: return window_norm(window);
  }
  return 1.0;
}

}  // namespace detail

/// \brief RTISI-LA phase recovery of one STFT configuration, owning the FFT plans, the step state
/// and every buffer.
///
/// `run` allocates nothing once it has seen the frame count (the committed-spectra buffer and the
/// history are resized only when it changes). One object serves one thread at a time.
/// \tparam T float or double
/// \tparam Backend `fft::fftw<T>` or `fft::kiss<T>`
template <class T, class Backend = fft::default_backend<T>>
class RtisiLa {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Validates both parameter sets and plans the FFTs.
  /// \throws specinv::invalid_argument naming the first invalid field, or `hop_length` when
  ///         hop_length > win_length (the output is an inverse STFT)
  explicit RtisiLa(StftParams stft, RtisiLaParams params = {})
      : m_params(validated(std::move(params))),
        m_stft(std::move(stft)),
        m_window(detail::padded_window(m_stft.params())),
        m_look_ahead(m_params.look_ahead >= 0 ? Index(m_params.look_ahead)
                                              : (m_stft.win_length() - 1) / m_stft.hop_length()),
        m_state(m_window, m_stft.hop_length(), m_look_ahead, m_params.momentum, m_params.asymmetric_window,
                detail::unnormalised_gain(m_stft.params(), m_window)),
        m_envelope(m_window, std::min(m_stft.hop_length(), m_stft.n_fft())) {
    if (m_stft.hop_length() > m_stft.win_length()) {
      detail::throw_invalid(where, "hop_length", m_stft.hop_length(),
                            "hop_length <= win_length = " + std::to_string(m_stft.win_length()) +
                                " (the output is an inverse STFT)");
    }
  }

  /// The options, as given.
  const RtisiLaParams& params() const noexcept { return m_params; }
  /// The STFT parameters, as given.
  const StftParams& stft_params() const noexcept { return m_stft.params(); }
  /// The look-ahead L in use (look_ahead, or (win_length - 1) / hop for -1).
  Index look_ahead() const noexcept { return m_look_ahead; }

  /// \brief Samples `run` writes for `frames` frames (params().length, or torch.istft's default).
  /// \throws specinv::invalid_argument if frames < 1 or the length does not keep the frame count
  Index output_length(Index frames) const {
    return detail::reconstruction_length(where, m_stft.params(), frames, m_params.length);
  }

  /// \brief Reconstructs a signal from `magnitude` into `out`.
  /// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
  /// \param[out] out signal, shape (output_length(frames))
  /// \returns the total number of iterations run, each an update of all L + 1 look-ahead frames
  ///          ((frames + L) * iters_per_frame unless the callback stopped the run) and the SC of |STFT(out)| against the target (NaN when
  ///          `out` is too short to be analysed with these StftParams, e.g. reflect padding wider
  ///          than the signal)
  /// \throws specinv::invalid_argument for a bad magnitude, length or `out` size, or a window/hop
  ///         that fails NOLA on the output
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& magnitude, Eigen::Ref<Signal<T>> out) {
    detail::check_magnitude<T>(where, magnitude, m_stft.params());
    const Index frames = magnitude.cols();
    const Index length = output_length(frames);
    detail::require(out.size() == length, where, "out.size()", out.size(), "output_length(frames)");
    check_nola(frames);
    if (m_committed.cols() != frames) {
      m_committed.resize(m_stft.n_freqs(), frames);
      m_history.reserve(std::size_t(frames / m_params.eval_every + 1));
    }
    m_history.clear();

    const T to_caller = T(1) / T(detail::unnormalised_gain(m_stft.params(), m_window));
    const int iters = m_params.iters_per_frame;
    IterationReport report;
    detail::MagnitudeSums sums;
    bool stopped = false;
    m_state.reset();
    for (Index i = 0; i < frames + m_look_ahead; ++i) {
      m_state.push(i < frames ? magnitude.col(i).data() : nullptr, stopped ? 0 : iters);
      if (!stopped) report.iterations += iters;
      const Index t = m_state.committed_index();
      if (t < 0) continue;
      m_committed.col(t) = m_state.committed_spectrum() * to_caller;
      if (stopped || !m_state.has_sums()) continue;
      sums += m_state.committed_sums();
      const Index done = t + 1;
      if (done % m_params.eval_every == 0) {
        const double value = detail::metric_db(m_params.metric, sums);
        m_history.push_back(value);  // within the reserved capacity
        if (m_params.callback && !m_params.callback(int(done), value)) stopped = true;
      }
    }
    m_stft.inverse(m_committed, out, m_params.length);
    report.spectral_convergence_db = final_sc(magnitude, out);
    return report;
  }

  /// The progress metric of the last run, one value per eval_every committed frames.
  const std::vector<double>& history() const noexcept { return m_history; }

 private:
  static constexpr const char* where = "rtisi_la";

  static RtisiLaParams validated(RtisiLaParams p) {
    p.validate();
    return p;
  }

  /// torch.istft's NOLA check, before the work rather than after it.
  void check_nola(Index frames) {
    const auto g = detail::inverse_geometry(m_stft.params(), frames, m_params.length, where);
    m_envelope.prepare(frames);
    if (m_envelope.min(g.check_begin, g.check_end) < detail::nola_threshold) {
      detail::throw_invalid(where, "hop_length", m_stft.hop_length(),
                            "a window/hop pair whose overlap-add envelope is at least 1e-11 on every "
                            "output sample (NOLA), as the inverse STFT needs");
    }
  }

  /// SC of |STFT(out)| against the target, reusing m_committed for the analysis.
  double final_sc(const Eigen::Ref<const Magnitude<T>>& magnitude, const Eigen::Ref<Signal<T>>& out) {
    const StftParams& p = m_stft.params();
    const Index n = p.n_fft, cpad = p.center ? n / 2 : 0, inner = out.size() + 2 * Index(p.pad);
    const bool analysable = !(p.center && p.pad_mode == PadMode::reflect && cpad >= inner) &&
                            !(p.center && p.pad_mode == PadMode::circular && cpad > inner) &&
                            inner + 2 * cpad >= n &&
                            1 + (inner + 2 * cpad - n) / m_stft.hop_length() == magnitude.cols();
    if (!analysable) return std::numeric_limits<double>::quiet_NaN();
    m_stft.forward(out, m_committed);
    detail::MagnitudeSums sums;
    for (Index t = 0; t < magnitude.cols(); ++t)
      sums += detail::magnitude_sums(m_committed.col(t).data(), magnitude.col(t).data(), magnitude.rows());
    return detail::sc_db(sums);
  }

  RtisiLaParams m_params;
  Stft<T, Backend> m_stft;
  Signal<double> m_window;  // analysis window zero-padded to n_fft
  Index m_look_ahead;
  detail::RtisiLaState<T, Backend> m_state;
  detail::WindowEnvelope<T> m_envelope;
  Spectrogram<T> m_committed;  // (n_freqs, frames): committed spectra, then |STFT(out)|'s analysis
  std::vector<double> m_history;
};

/// \brief RTISI-LA reconstruction of a magnitude spectrogram (torch_specinv.RTISI_LA).
/// \tparam T float or double \tparam Backend the FFT backend
/// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
/// \param[in] stft the STFT the magnitude was made with
/// \returns the signal, shape (output_length), iterations, final SC and the progress history
/// \throws specinv::invalid_argument for invalid parameters or input
///
/// There is no overload taking an initial complex spectrogram: RTISI-LA's start is part of the
/// algorithm (each new frame starts from the overlap of the frames before it).
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> rtisi_la(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                           const RtisiLaParams& params = {}) {
  RtisiLa<T, Backend> algo(stft, params);
  detail::check_magnitude<T>("rtisi_la", magnitude, stft);  // before sizing the output by its frames
  Reconstruction<T> r;
  r.signal.resize(algo.output_length(magnitude.cols()));
  const IterationReport rep = algo.run(magnitude, r.signal);
  r.iterations = rep.iterations;
  r.spectral_convergence_db = rep.spectral_convergence_db;
  r.history = algo.history();
  return r;
}

/// \brief RTISI-LA of every item of a batch, on `params.threads` threads (one algorithm object each).
/// \param[in] magnitudes shape (n_fft / 2 + 1, frames, batch)
/// \returns one Reconstruction per item
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
std::vector<Reconstruction<T>> rtisi_la(const MagnitudeBatch<T>& magnitudes, const StftParams& stft,
                                        const RtisiLaParams& params = {}) {
  auto make = [&](const RtisiLaParams& p) { return RtisiLa<T, Backend>(stft, p); };
  return detail::reconstruct_batch<T>(make, "rtisi_la", stft, params, magnitudes);
}

/// \brief rtisi_la of any real Eigen matrix expression; the scalar type is deduced.
template <class Derived, std::enable_if_t<std::is_base_of_v<Eigen::MatrixBase<Derived>, Derived> &&
                                              detail::is_real_scalar_v<typename Derived::Scalar>,
                                          int> = 0>
Reconstruction<typename Derived::Scalar> rtisi_la(const Eigen::MatrixBase<Derived>& magnitude,
                                                  const StftParams& stft, const RtisiLaParams& params = {}) {
  using T = typename Derived::Scalar;
  return rtisi_la<T>(Eigen::Ref<const Magnitude<T>>(magnitude.derived()), stft, params);
}

}  // namespace specinv
