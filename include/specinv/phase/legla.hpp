// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `legla`: Le Roux's Griffin-Lim with in-place updates through a truncated consistency
/// kernel (LeGLA), and with `momentum > 0` its fast variant (FleGLA), as compared in the PGHI
/// paper.
///
/// Griffin-Lim's projection onto consistent spectrograms, \f$P = \mathrm{STFT}\circ\mathrm{iSTFT}\f$,
/// is a linear map in which a coefficient only feels its neighbours. In torch's convention
/// (frame m starts at sample m a, phase relative to the frame start, M = n_fft, w the window
/// zero-padded to M, E the overlap-add envelope \f$\sum_m w^2(t - m a)\f$ averaged over a hop):
/// \f[ (P c)[k', m'] = \sum_{\delta k, \delta m} e^{2\pi i k' \delta m\, a / M}\, G[\delta k, \delta m]\,
///     c[k' - \delta k, m' - \delta m], \qquad
///     G[\delta k, \delta m] = \frac{1}{M E} \sum_u w(u)\, w(u - \delta m\, a)\, e^{-2\pi i\, \delta k\, u / M}, \f]
/// exact away from the signal's ends for windows whose envelope is constant (Hann at hop M/4).
/// The kernel keeps the entries with \f$|G| \ge\f$ `kernel_threshold` \f$|G[0, 0]|\f$ inside the
/// rectangle bounded by the last kept one (for Hann at 75% overlap and 1e-3: 7 frames by 15 bins,
/// 87 taps evaluated; `kernel_taps()`). Bins below 0 and above M / 2 come from the conjugate
/// symmetry of a real signal's spectrum. Frames outside the spectrogram: with `center` and
/// reflect padding (torch's default) and a symmetric window, those before frame 0 are the
/// conjugates of the frames after it (the padding mirrors the signal about sample 0), and those
/// after the last frame mirror the frames before it (about the output's last sample; a shift of
/// up to 2 samples against the frame grid, as for the default length, is absorbed as a linear
/// phase); otherwise they count as 0. This matters: with zeros there, a clip that starts or ends
/// loud (drums, piano) converged 1 to 11 dB worse. DC and Nyquist
/// are iterated as complex numbers and the final inverse STFT keeps their real parts (keeping
/// them real in the sweeps, a sign flipped only through 0, measured 2 to 4 dB worse on some clips).
///
/// One iteration sweeps the frames in order, and the bins of each frame in order, replacing each
/// coefficient by the target magnitude with the phase of the kernel's sum y at that point,
/// \f$c \leftarrow |S|\, y / (|y| + 10^{-16})\f$ (y = 0 keeps the coefficient), so later
/// coefficients already see the earlier ones' new values (Le Roux's in-place update, a
/// Gauss-Seidel form of Griffin-Lim). FleGLA then extrapolates the sweep's result \f$t_n\f$:
/// \f$c \leftarrow t_n + \alpha (t_n - t_{n-1})\f$, \f$t_0\f$ the start put on the target
/// magnitude, and the next sweep starts from c. The output is the exact inverse STFT of the last
/// \f$t_n\f$ (`length` honoured).
///
/// The metric: the kernel's own consistency is not the true one, so at every iteration n divisible
/// by `eval_every` the metric is measured on \f$|\mathrm{STFT}(\mathrm{iSTFT}(t_n))|\f$ against the
/// target, one exact STFT pair per evaluation. Unlike griffin_lim (whose evaluation at k measures
/// \f$x_{k-1}\f$), it is the state after iteration n. The early stop and callback are the shared ones
/// (phase/common.hpp); `spectral_convergence_db` is the SC of the returned signal.
///
/// Cost per iteration: `kernel_taps()` complex multiply-adds per coefficient and no FFT (87 for
/// Hann at 75% overlap, threshold 1e-3), the frame's own taps in a serial chain, the others'
/// over whole frames. Measured (float, one core, n_fft 1024, hop 256, corpus clips): a sweep
/// costs 5 to 6 FGLA iterations; kernel_threshold 1e-2 (29 taps) cuts that by about 40% for
/// 0.1 to 0.7 dB less SC after 100 iterations. Starts: `init` as for griffin_lim (zero_phase, random, phase_init, pghi) or a
/// given complex spectrogram.
///
/// References: J. Le Roux, H. Kameoka, N. Ono, S. Sagayama, "Fast signal reconstruction from
/// magnitude STFT spectrogram based on spectrogram consistency", DAFx-10, 2010. Z. Průša, P.
/// Balazs, P. L. Søndergaard, "A Noniterative Method for Reconstruction of Phase From STFT
/// Magnitude", IEEE/ACM TASLP 25(5), 2017 (FleGLA in its comparison).

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "init.hpp"
#include "../core/error.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/math.hpp"
#include "../detail/phase_run.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// \brief Options of `legla`. No torch counterpart: the defaults follow the PGHI paper's
/// comparison (FleGLA, 100 iterations, alpha 0.99).
struct LeglaParams : IterationOptions {
  /// Sweeps over the spectrogram, >= 0; 0 returns the inverse STFT of the start. Default 100.
  int max_iter = 100;
  /// FleGLA's extrapolation weight (the paper's alpha), applied as t_n + momentum (t_n - t_{n-1})
  /// after each sweep; 0 is plain LeGLA. Valid 0 <= momentum < 1 (from 1 on the step overshoots,
  /// as for griffin_lim), default 0.99.
  double momentum = 0.99;
  /// Kernel entries below this fraction of the central one, |G[0, 0]|, are dropped. Valid
  /// 0 < kernel_threshold < 1, default 1e-3 (Le Roux's order of magnitude; kernel_taps() says
  /// the cost): smaller is closer to the exact projection and slower.
  double kernel_threshold = 1e-3;

  /// \throws specinv::invalid_argument naming the first invalid field
  void validate() const {
    constexpr const char* where = "LeglaParams";
    validate_options(where);
    detail::require(max_iter >= 0, where, "max_iter", max_iter, "max_iter >= 0");
    detail::require(momentum >= 0 && momentum < 1, where, "momentum", momentum, "0 <= momentum < 1");
    detail::require(kernel_threshold > 0 && kernel_threshold < 1, where, "kernel_threshold", kernel_threshold,
                    "0 < kernel_threshold < 1");
  }
};

/// \brief LeGLA / FleGLA phase recovery, owning its kernel, STFT plans and buffers.
///
/// Construction validates, plans and builds the kernel (it allocates); `run` allocates nothing
/// once it has seen the frame count. One object serves one thread at a time.
/// \tparam T float or double
/// \tparam Backend `fft::fftw<T>` or `fft::kiss<T>`, for the exact (i)STFTs (start, metric, output)
template <class T, class Backend = fft::default_backend<T>>
class Legla {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  using Complex = std::complex<T>;

  /// \brief Validates both parameter sets, plans the STFT and builds the kernel.
  /// \param[in] stft the STFT the target magnitudes were made with (one-sided, hop <= win_length)
  /// \param[in] params iteration options
  /// \throws specinv::invalid_argument naming the first invalid field
  explicit Legla(StftParams stft, LeglaParams params = {})
      : m_params(validated(std::move(params))), m_stft(std::move(stft)) {
    if (m_stft.hop_length() > m_stft.win_length()) {
      detail::throw_invalid(where, "hop_length", m_stft.hop_length(),
                            "hop_length <= win_length = " + std::to_string(m_stft.win_length()));
    }
    build_kernel();
    m_monitor.reserve(m_params, m_params.max_iter);
  }

  /// The iteration options.
  const LeglaParams& params() const noexcept { return m_params; }
  /// The STFT parameters.
  const StftParams& stft_params() const noexcept { return m_stft.params(); }
  /// Half-width of the kernel in bins, Qk (the largest over its frame offsets).
  Index kernel_bins() const noexcept { return m_qk; }
  /// Half-width of the kernel in frames, Qm (at most (n_fft - 1) / hop).
  Index kernel_frames() const noexcept { return m_qm; }
  /// Kernel taps evaluated per coefficient and sweep (complex multiply-adds), the cost driver.
  Index kernel_taps() const noexcept {
    Index taps = 0;
    for (std::size_t j = 0; j < m_first.size(); ++j) taps += std::max<Index>(0, m_last_tap[j] - m_first[j] + 1);
    return taps;
  }

  /// Samples a run on `frames` frames returns. \throws specinv::invalid_argument as `run`
  Index output_length(Index frames) const {
    return detail::reconstruction_length(where, m_stft.params(), frames, m_params.length);
  }

  /// The metric at every evaluation of the last run.
  const std::vector<double>& history() const noexcept { return m_monitor.history(); }

  /// \brief Recovers a signal from a target magnitude, starting from `params().init`.
  /// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
  /// \param[out] out signal, shape (output_length(frames))
  /// \returns iterations run and the SC of |STFT(out)| against the target
  /// \throws specinv::invalid_argument for a bad magnitude, `out` size or `length`, or Init::given
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& magnitude, Eigen::Ref<Signal<T>> out) {
    return run_from(magnitude, nullptr, out);
  }

  /// \brief As `run`, from a given complex spectrogram (Init::given), put on the target magnitude.
  /// \param[in] initial start, shape of `magnitude`; finite
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& magnitude, const Eigen::Ref<const Spectrogram<T>>& initial,
                      Eigen::Ref<Signal<T>> out) {
    return run_from(magnitude, &initial, out);
  }

  /// \brief One application of the truncated kernel to `c`, without the magnitude projection or
  /// the in-place update: the approximation of STFT(iSTFT(c)) that the sweeps use (for tests).
  /// \param[in] c spectrogram, shape (n_fft / 2 + 1, frames)
  /// \param[out] out the same shape
  void project(const Eigen::Ref<const Spectrogram<T>>& c, Eigen::Ref<Spectrogram<T>> out) {
    SPECINV_ASSERT(out.rows() == c.rows() && out.cols() == c.cols());
    resize(c.rows(), c.cols());
    load(c);
    for (Index m = 0; m < c.cols(); ++m) {
      other_frames(m);
      for (Index k = 0; k < c.rows(); ++k) {
        T re = 0, im = 0;
        same_frame(k, m, re, im);
        out(k, m) = Complex(re, im);
      }
    }
  }

 private:
  static constexpr const char* where = "legla";

  static LeglaParams validated(LeglaParams p) {
    p.validate();
    return p;
  }

  /// The kernel G (see the file comment), truncated, stored per frame offset as the reversed
  /// band of bins it covers (real and imaginary parts apart), with the modulation table
  /// e^{2 pi i k dm a / M}. Built in double, once.
  void build_kernel() {
    const Signal<double> w = detail::padded_window(m_stft.params());
    const Index n = w.size(), hop = m_stft.hop_length();
    // E: the overlap-add envelope sum_m w^2(t - m a), averaged over one hop (constant for the
    // usual window / hop pairs; the kernel is exact only where it is).
    double envelope = 0.0;
    for (Index i = 0; i < hop; ++i)
      for (Index j = i; j < n; j += hop) envelope += w[j] * w[j];
    envelope /= double(hop);
    detail::require(envelope > 0, where, "window", "all zeros", "a window with a nonzero sample");
    const Index max_frames = (n - 1) / hop;  // frames further apart do not overlap
    const Index bins = n / 2 + 1;
    const double two_pi = 2.0 * detail::pi;
    auto entry = [&](Index dk, Index dm) {
      std::complex<double> sum = 0.0;
      for (Index u = std::max<Index>(0, dm * hop); u < std::min<Index>(n, n + dm * hop); ++u) {
        const double angle = -two_pi * double((dk * u) % n) / double(n);
        sum += w[u] * w[u - dm * hop] * std::complex<double>(std::cos(angle), std::sin(angle));
      }
      return sum / (double(n) * envelope);
    };
    const double limit = m_params.kernel_threshold * std::abs(entry(0, 0));
    // The rectangle bounded by the last kept entry; beyond 64 bins a window's kernel is below
    // any useful threshold, and dk must stay below n / 2 so that no frequency is counted twice.
    const Index search = std::min<Index>((n - 1) / 2, 64);
    Index qk = 0, qm = 0;
    for (Index dm = -max_frames; dm <= max_frames; ++dm)
      for (Index dk = -search; dk <= search; ++dk)
        if (std::abs(entry(dk, dm)) >= limit) {
          qm = std::max(qm, std::abs(dm));
          qk = std::max(qk, std::abs(dk));
        }
    m_qk = qk;
    m_qm = qm;
    m_gr.setZero(2 * qk + 1, 2 * qm + 1);
    m_gi.setZero(2 * qk + 1, 2 * qm + 1);
    m_first.assign(std::size_t(2 * qm + 1), 2 * qk + 1);
    m_last_tap.assign(std::size_t(2 * qm + 1), -1);
    for (Index dm = -qm; dm <= qm; ++dm) {
      const Index j = dm + qm;
      for (Index i = 0; i <= 2 * qk; ++i) {
        const std::complex<double> g = entry(qk - i, dm);  // reversed: tap i reads source bin k' - qk + i
        if (std::abs(g) < limit) continue;
        m_gr(i, j) = T(g.real());
        m_gi(i, j) = T(g.imag());
        m_first[std::size_t(j)] = std::min(m_first[std::size_t(j)], i);
        m_last_tap[std::size_t(j)] = std::max(m_last_tap[std::size_t(j)], i);
      }
    }
    m_mr.resize(bins, 2 * qm + 1);
    m_mi.resize(bins, 2 * qm + 1);
    for (Index k = 0; k < bins; ++k)
      for (Index dm = -qm; dm <= qm; ++dm) {
        const double angle = two_pi * double((k * dm * hop) % n) / double(n);
        m_mr(k, dm + qm) = T(std::cos(angle));
        m_mi(k, dm + qm) = T(std::sin(angle));
      }
    m_n = n;
    // With center and reflect padding the signal before sample 0 is its mirror image, so the
    // frames before frame 0 are known: frame -j is conj(frame j) when the zero-padded window is
    // symmetric, w(u) = w(M - u) (a windowed segment read backwards is the conjugate spectrum in
    // the frame-start phase convention). Otherwise they count as 0.
    const StftParams& sp = m_stft.params();
    bool symmetric = sp.center && sp.pad_mode == PadMode::reflect;
    const double peak = w.cwiseAbs().maxCoeff();
    for (Index u = 1; u < n && symmetric; ++u) symmetric = std::abs(w[u] - w[n - u]) <= 1e-12 * peak;
    m_mirror_start = symmetric && std::abs(w[0]) <= 1e-12 * peak;
  }

  /// Sizes the buffers for a (bins, frames) target, and sets up the end's mirror; a no-op when
  /// the shape is unchanged.
  void resize(Index bins, Index frames) {
    if (m_re.rows() == bins + 2 * m_qk && m_re.cols() == frames + 2 * m_qm) return;
    // The end: the output (length L) is reflected about sample L - 1, so frame N - 1 + j reads
    // the segment of frame N - 1 - j + r shifted by delta samples (2 (L - 1) - 2 (N - 1) a =
    // r a + delta), read backwards: conj(frame) e^{-2 pi i k delta / M}, exact for delta = 0 and
    // close for a shift of a couple of samples (the window moves against the segment); the
    // default length has delta = -2. Larger shifts are not mirrored (frames beyond count as 0).
    m_mirror_end = false;
    if (m_mirror_start) {
      const Index hop = m_stft.hop_length();
      const Index length = detail::reconstruction_length(where, m_stft.params(), frames, m_params.length);
      const Index twice = 2 * (length - 1) - 2 * (frames - 1) * hop;
      const Index r = twice >= 0 ? (twice + hop / 2) / hop : -((-twice + hop / 2) / hop);
      const Index delta = twice - r * hop;
      m_end_shift = r;
      m_mirror_end = std::abs(delta) <= 2;
      m_end_re.resize(bins + 2 * m_qk);
      m_end_im.resize(bins + 2 * m_qk);
      for (Index row = 0; row < bins + 2 * m_qk; ++row) {
        const double angle = -2.0 * detail::pi * double(((row - m_qk) * delta) % m_n) / double(m_n);
        m_end_re[row] = T(std::cos(angle));
        m_end_im[row] = T(std::sin(angle));
      }
    }
    m_re.resize(bins + 2 * m_qk, frames + 2 * m_qm);
    m_im.resize(bins + 2 * m_qk, frames + 2 * m_qm);
    m_last.resize(bins, frames);
    m_spec.resize(bins, frames);
    m_yr.resize(bins);
    m_yi.resize(bins);
    m_ar.resize(bins);
    m_ai.resize(bins);
  }

  /// Puts `c` into the padded planes (zero outside the frames) with its mirror images.
  void load(const Eigen::Ref<const Spectrogram<T>>& c) noexcept {
    m_re.setZero();
    m_im.setZero();
    for (Index m = 0; m < c.cols(); ++m) {
      for (Index k = 0; k < c.rows(); ++k) set(k, m, c(k, m).real(), c(k, m).imag());
      mirror_frame(m);
    }
  }

  /// Refreshes the virtual frames that mirror frame m (conjugate, bin mirrors included) when
  /// the ends are reflections: frame -m at the start (see build_kernel), and at the end the frame
  /// beyond N - 1 that reads m's segment (see resize).
  void mirror_frame(Index m) noexcept {
    if (!m_mirror_start) return;
    if (m >= 1 && m <= m_qm) {
      m_re.col(m_qm - m) = m_re.col(m_qm + m);
      m_im.col(m_qm - m) = -m_im.col(m_qm + m);
    }
    if (!m_mirror_end) return;
    const Index frames = m_re.cols() - 2 * m_qm;
    const Index v = 2 * (frames - 1) + m_end_shift - m;  // the virtual frame that reads frame m
    if (v < frames || v > frames - 1 + m_qm) return;
    const Index rows = m_re.rows();
    const T* sr = m_re.col(m + m_qm).data();
    const T* si = m_im.col(m + m_qm).data();
    T* dr = m_re.col(v + m_qm).data();
    T* di = m_im.col(v + m_qm).data();
    const T* pr = m_end_re.data();
    const T* pi = m_end_im.data();
    for (Index i = 0; i < rows; ++i) {  // conj(c) (pr + i pi)
      dr[i] = sr[i] * pr[i] + si[i] * pi[i];
      di[i] = sr[i] * pi[i] - si[i] * pr[i];
    }
  }

  /// Sets coefficient (k, m) of the planes and the mirror images that stand for it: bin -k and
  /// bin n - k (above n / 2) hold its conjugate. DC and (even n) Nyquist are iterated as complex
  /// numbers although the inverse real FFT reads only their real parts: there the kernel is not
  /// exactly P, but keeping them real (a sign, flipped only by passing through 0) measured 2 to
  /// 4 dB worse SC on the speech and street clips with FleGLA-100 from PGHI, no better elsewhere.
  void set(Index k, Index m, T re, T im) noexcept {
    const Index col = m + m_qm, bins = m_re.rows() - 2 * m_qk;
    m_re(k + m_qk, col) = re;
    m_im(k + m_qk, col) = im;
    if (k >= 1 && k <= m_qk) {
      m_re(m_qk - k, col) = re;
      m_im(m_qk - k, col) = -im;
    }
    const Index above = m_n - k;
    if (above >= bins && above < bins + m_qk) {
      m_re(above + m_qk, col) = re;
      m_im(above + m_qk, col) = -im;
    }
  }

  /// Rewrites frame m's bin mirrors (bins -qk..-1 and those above n / 2) from its bins.
  void bin_mirrors(Index m) noexcept {
    const Index col = m + m_qm, bins = m_re.rows() - 2 * m_qk;
    T* cr = m_re.col(col).data();
    T* ci = m_im.col(col).data();
    for (Index k = 1; k <= m_qk && k < bins; ++k) {
      cr[m_qk - k] = cr[m_qk + k];
      ci[m_qk - k] = -ci[m_qk + k];
    }
    for (Index above = bins; above < bins + m_qk; ++above) {
      const Index k = m_n - above;
      if (k < 0 || k >= bins) continue;
      cr[above + m_qk] = cr[k + m_qk];
      ci[above + m_qk] = -ci[k + m_qk];
    }
  }

  /// The kernel's sum at every bin of frame m over the other frames, into m_yr / m_yi: it does
  /// not change while frame m is swept, so it is formed for the whole frame at once with the bin
  /// loops innermost (contiguous, they vectorise), each frame offset's band trimmed to its
  /// non-zero taps.
  void other_frames(Index m) noexcept {
    const Index bins = m_yr.size();
    T* yr = m_yr.data();
    T* yi = m_yi.data();
    T* ar = m_ar.data();
    T* ai = m_ai.data();
    std::fill_n(yr, bins, T(0));
    std::fill_n(yi, bins, T(0));
    for (Index j = 0; j <= 2 * m_qm; ++j) {
      if (j == m_qm || m_last_tap[std::size_t(j)] < 0) continue;
      const Index source = m + 2 * m_qm - j;  // padded column of frame m - (j - qm)
      std::fill_n(ar, bins, T(0));
      std::fill_n(ai, bins, T(0));
      const T* gr = m_gr.col(j).data();
      const T* gi = m_gi.col(j).data();
      const T* cr = m_re.col(source).data();
      const T* ci = m_im.col(source).data();
      Index i = m_first[std::size_t(j)];
      const Index last = m_last_tap[std::size_t(j)];
      // Four taps per pass over the bins: the accumulators are loaded and stored a quarter as
      // often (the loop is bound by loads and stores, not arithmetic).
      for (; i + 3 <= last; i += 4) {
        const T g0r = gr[i], g0i = gi[i], g1r = gr[i + 1], g1i = gi[i + 1];
        const T g2r = gr[i + 2], g2i = gi[i + 2], g3r = gr[i + 3], g3i = gi[i + 3];
        const T* r = cr + i;
        const T* q = ci + i;
        for (Index k = 0; k < bins; ++k) {
          ar[k] += (g0r * r[k] - g0i * q[k]) + (g1r * r[k + 1] - g1i * q[k + 1]) +
                   (g2r * r[k + 2] - g2i * q[k + 2]) + (g3r * r[k + 3] - g3i * q[k + 3]);
          ai[k] += (g0r * q[k] + g0i * r[k]) + (g1r * q[k + 1] + g1i * r[k + 1]) +
                   (g2r * q[k + 2] + g2i * r[k + 2]) + (g3r * q[k + 3] + g3i * r[k + 3]);
        }
      }
      for (; i <= last; ++i) {
        const T g0r = gr[i], g0i = gi[i];
        const T* r = cr + i;
        const T* q = ci + i;
        for (Index k = 0; k < bins; ++k) {
          ar[k] += g0r * r[k] - g0i * q[k];
          ai[k] += g0r * q[k] + g0i * r[k];
        }
      }
      const T* mr = m_mr.col(j).data();
      const T* mi = m_mi.col(j).data();
      for (Index k = 0; k < bins; ++k) {
        yr[k] += mr[k] * ar[k] - mi[k] * ai[k];
        yi[k] += mr[k] * ai[k] + mi[k] * ar[k];
      }
    }
  }

  /// The kernel's full sum at (k, m): the other frames' part plus frame m's own taps, read now
  /// (bins below k already carry this sweep's values). Frame m's modulation is 1.
  void same_frame(Index k, Index m, T& re, T& im) const noexcept {
    const Index j = m_qm;
    const T* gr = m_gr.col(j).data();
    const T* gi = m_gi.col(j).data();
    const T* cr = m_re.col(m + m_qm).data() + k;
    const T* ci = m_im.col(m + m_qm).data() + k;
    T sr = m_yr[k], si = m_yi[k];
    for (Index i = m_first[std::size_t(j)]; i <= m_last_tap[std::size_t(j)]; ++i) {
      sr += gr[i] * cr[i] - gi[i] * ci[i];
      si += gr[i] * ci[i] + gi[i] * cr[i];
    }
    re = sr;
    im = si;
  }

  /// The in-place update of frame m's bins in order, once other_frames(m) has run: each bin's
  /// sum reads its lower neighbours' new values. A serial chain (sum, sqrt, store, next sum), so
  /// everything it touches is held in locals.
  void sweep_frame(Index m, const T* target) noexcept {
    const Index bins = m_yr.size(), qk = m_qk, n = m_n;
    const Index first = m_first[std::size_t(m_qm)], last = m_last_tap[std::size_t(m_qm)];
    const T* gr = m_gr.col(m_qm).data();
    const T* gi = m_gi.col(m_qm).data();
    const T* yr = m_yr.data();
    const T* yi = m_yi.data();
    T* cr = m_re.col(m + m_qm).data();  // padded: bin k at row k + qk
    T* ci = m_im.col(m + m_qm).data();
    const T eps = T(1e-16);
    // Tap `near` reads bin k - 1, updated just before: its term is taken as scale_{k-1} (g y_{k-1})
    // rather than g c_{k-1} read back from memory, so that g y_{k-1} is formed while the scale's
    // sqrt and division run (the chain from one bin to the next is the sweep's critical path).
    const Index near = qk - 1;
    const bool has_near = near >= first && near <= last;
    const T near_r = has_near ? gr[near] : T(0), near_i = has_near ? gi[near] : T(0);
    T ur = 0, ui = 0, previous_scale = 0;  // g y_{k-1} and scale_{k-1}; 0 when bin k-1 was kept
    for (Index k = 0; k < bins; ++k) {
      T sr = yr[k], si = yi[k];
      // Highest taps first: the sum of the taps that read bins not updated in this frame yet
      // does not wait for the chain.
      for (Index i = last; i >= first; --i) {
        if (i == near && k >= 1 && previous_scale != T(0)) continue;
        sr += gr[i] * cr[k + i] - gi[i] * ci[k + i];
        si += gr[i] * ci[k + i] + gi[i] * cr[k + i];
      }
      if (k >= 1 && previous_scale != T(0)) {
        sr += previous_scale * ur;
        si += previous_scale * ui;
      }
      ur = near_r * sr - near_i * si;
      ui = near_r * si + near_i * sr;
      const T a = std::sqrt(sr * sr + si * si);
      previous_scale = T(0);
      if (!(a > T(0))) continue;  // y = 0: the coefficient keeps its value
      const T scale = target[k] / (a + eps);
      T re = sr, im = si;
      if (a <= std::numeric_limits<T>::max() && scale <= std::numeric_limits<T>::max()) {
        previous_scale = has_near ? scale : T(0);
        re *= scale;
        im *= scale;
      } else {  // |y|^2 or the factor overflowed (a huge target): the next bin reads this one back
        detail::project_bin_scaled(re, im, target[k]);
      }
      cr[k + qk] = re;
      ci[k + qk] = im;
      if (k >= 1 && k <= qk) {  // bin -k
        cr[qk - k] = re;
        ci[qk - k] = -im;
      }
      const Index above = n - k;  // bin n - k
      if (above >= bins && above < bins + qk) {
        cr[above + qk] = re;
        ci[above + qk] = -im;
      }
    }
  }

  IterationReport run_from(const Eigen::Ref<const Magnitude<T>>& mag, const Eigen::Ref<const Spectrogram<T>>* initial,
                           Eigen::Ref<Signal<T>> out) {
    detail::checked_run_length<T>(where, m_stft.params(), m_params, mag, out.size());
    if (initial) detail::check_initial<T>(where, mag, *initial);
    const Index bins = mag.rows(), frames = mag.cols();
    resize(bins, frames);
    detail::projected_start<T>(where, m_params, mag, m_stft.params(), initial, m_last);
    load(m_last);
    const T alpha = T(m_params.momentum);
    m_monitor.start(m_params);
    int done = 0;
    for (int it = 1; it <= m_params.max_iter; ++it) {
      // One in-place sweep: every coefficient becomes |S| y / (|y| + eps), y the kernel's sum.
      for (Index m = 0; m < frames; ++m) {
        other_frames(m);
        sweep_frame(m, mag.col(m).data());
        mirror_frame(m);
      }
      // t_n is the sweep's result (m_last keeps it); FleGLA extrapolates from it.
      for (Index m = 0; m < frames; ++m) {
        T* tr = m_re.col(m + m_qm).data() + m_qk;
        T* ti = m_im.col(m + m_qm).data() + m_qk;
        T* last = reinterpret_cast<T*>(m_last.col(m).data());
        if (alpha > T(0)) {
          for (Index k = 0; k < bins; ++k) {
            const T re = tr[k], im = ti[k];
            tr[k] = re + alpha * (re - last[2 * k]);
            ti[k] = im + alpha * (im - last[2 * k + 1]);
            last[2 * k] = re;
            last[2 * k + 1] = im;
          }
          bin_mirrors(m);
        } else {
          for (Index k = 0; k < bins; ++k) {
            last[2 * k] = tr[k];
            last[2 * k + 1] = ti[k];
          }
        }
        mirror_frame(m);
      }
      done = it;
      if (m_monitor.due(it)) {
        // The honest metric: of t_n's signal, analysed again (one STFT pair).
        m_stft.inverse(m_last, out, m_params.length);
        m_stft.forward(out, m_spec);
        if (!m_monitor.record(it, detail::spectrogram_sums<T>(m_spec, mag))) break;
      }
    }
    m_stft.inverse(m_last, out, m_params.length);
    IterationReport report;
    report.iterations = done;
    report.spectral_convergence_db = detail::output_sc_db<T>(m_stft, out, m_spec, mag);
    return report;
  }

  using Plane = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

  LeglaParams m_params;
  Stft<T, Backend> m_stft;
  detail::Monitor m_monitor;
  Index m_qk = 0, m_qm = 0;  // kernel half-widths in bins and frames
  Index m_n = 0;             // n_fft (M)
  bool m_mirror_start = false;  // frames before 0 mirror frames after it (center, reflect, symmetric window)
  bool m_mirror_end = false;    // frames after N - 1 mirror frames before it (see resize)
  Index m_end_shift = 0;        // r of resize: frame N - 1 + j mirrors frame N - 1 - j + r
  Signal<T> m_end_re, m_end_im; // (bins + 2 qk): the end mirror's phase e^{-2 pi i k delta / M}, per padded row
  Plane m_gr, m_gi;          // (2 qk + 1, 2 qm + 1): the kernel, bins reversed, column qm + dm
  Plane m_mr, m_mi;          // (bins, 2 qm + 1): the modulation e^{2 pi i k dm a / M}
  Plane m_re, m_im;          // (bins + 2 qk, frames + 2 qm): the coefficients, padded with mirrors and zeros
  std::vector<Index> m_first, m_last_tap;  // per frame offset: the kernel band's first and last non-zero taps
  Signal<T> m_yr, m_yi;                    // (bins): the other frames' part of frame m's sums
  Signal<T> m_ar, m_ai;                    // (bins): one frame offset's band sums
  Spectrogram<T> m_last;                   // t_n, the last sweep's result (t_0: the start)
  Spectrogram<T> m_spec;                   // analyses of the output, for the metric
};

/// \brief LeGLA / FleGLA phase recovery of a magnitude.
/// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
/// \returns the signal, iterations, final SC and metric history
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> legla(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                        const LeglaParams& params = {}) {
  Legla<T, Backend> algorithm(stft, params);
  return detail::reconstruct<T>(algorithm, "legla", stft, params, magnitude, nullptr);
}

/// \brief LeGLA / FleGLA from a complex spectrogram (Init::given): the target is |initial|.
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> legla(const Eigen::Ref<const Spectrogram<T>>& initial, const StftParams& stft,
                        const LeglaParams& params = {}) {
  const Magnitude<T> magnitude = initial.cwiseAbs();
  detail::check_initial<T>("legla", magnitude, initial);
  Legla<T, Backend> algorithm(stft, params);
  return detail::reconstruct<T>(algorithm, "legla", stft, params, magnitude, &initial);
}

/// \brief LeGLA / FleGLA of every item of a batch, on `params.threads` threads (one `Legla` each).
/// \param[in] magnitudes shape (n_fft / 2 + 1, frames, batch)
template <class T, class Backend = fft::default_backend<T>>
std::vector<Reconstruction<T>> legla(const MagnitudeBatch<T>& magnitudes, const StftParams& stft,
                                     const LeglaParams& params = {}) {
  auto make = [&](const LeglaParams& p) { return Legla<T, Backend>(stft, p); };
  return detail::reconstruct_batch<T>(make, "legla", stft, params, magnitudes);
}

/// \brief legla of any Eigen matrix expression, the scalar type deduced (real: the target
/// magnitude; complex: the start, whose modulus is the target).
template <class Derived, std::enable_if_t<detail::is_spectrogram_expression_v<Derived>, int> = 0>
auto legla(const Eigen::MatrixBase<Derived>& spectrogram, const StftParams& stft, const LeglaParams& params = {}) {
  using Scalar = typename Derived::Scalar;
  if constexpr (detail::is_real_scalar_v<Scalar>) {
    return legla<Scalar>(Eigen::Ref<const Magnitude<Scalar>>(spectrogram.derived()), stft, params);
  } else {
    using T = typename Scalar::value_type;
    return legla<T>(Eigen::Ref<const Spectrogram<T>>(spectrogram.derived()), stft, params);
  }
}

}  // namespace specinv
