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
/// The kernel keeps the entries with \f$|G| \ge\f$ `kernel_threshold` \f$|G[0, 0]|\f$, a small
/// rectangle (7 frames by 15 bins for Hann at 75% overlap and 1e-3); bins below 0 and above
/// M / 2 come from the conjugate symmetry of a real signal's spectrum, frames outside the
/// spectrogram are 0. One iteration sweeps the frames in order, and the bins of each frame in
/// order, replacing every coefficient at once by the target magnitude with the phase of the
/// kernel's sum (\f$c \leftarrow |S|\, y / (|y| + 10^{-16})\f$; y = 0 keeps the coefficient): later
/// coefficients see the earlier ones' new values (Le Roux's in-place update, a Gauss-Seidel form
/// of Griffin-Lim). FleGLA then extrapolates the sweep's result \f$t_n\f$:
/// \f$c \leftarrow t_n + \alpha (t_n - t_{n-1})\f$ (\f$t_0\f$ = the start), the next sweep starting
/// from c. The output is the exact inverse STFT of the last \f$t_n\f$. Every `eval_every`
/// iterations the metric is measured honestly, on the STFT of that inverse STFT (one STFT pair).
///
/// Cost per iteration: about 80 complex multiply-adds per coefficient for Hann at 75% overlap, no
/// FFT: more than an FGLA iteration (two FFTs per frame), fewer iterations for the same SC.
///
/// References: J. Le Roux, H. Kameoka, N. Ono, S. Sagayama, "Fast signal reconstruction from
/// magnitude STFT spectrogram based on spectrogram consistency", DAFx-10, 2010. Z. Průša, P.
/// Balazs, P. L. Søndergaard, "A Noniterative Method for Reconstruction of Phase From STFT
/// Magnitude", IEEE/ACM TASLP 25(5), 2017 (FleGLA in its comparison).

#include <algorithm>
#include <cmath>
#include <complex>
#include <optional>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "init.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/math.hpp"
#include "../detail/phase_run.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// \brief Options of `legla`.
struct LeglaParams : IterationOptions {
  /// Sweeps, >= 0 (0 returns the inverse STFT of the start). Default 100.
  int max_iter = 100;
  /// FleGLA's extrapolation alpha, 0 <= momentum < 1; 0 is plain LeGLA. Default 0.99.
  double momentum = 0.99;
  /// Kernel entries below this fraction of the central one are dropped, 0 < threshold < 1.
  /// Default 1e-3 (Le Roux's order of magnitude): smaller is closer to the exact projection and
  /// slower.
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
/// \tparam T float or double \tparam Backend the FFT backend of the (i)STFTs
template <class T, class Backend = fft::default_backend<T>>
class Legla {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  using Complex = std::complex<T>;

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

  const LeglaParams& params() const noexcept { return m_params; }
  const StftParams& stft_params() const noexcept { return m_stft.params(); }
  /// Half-widths of the kernel: bins (largest over its frames) and frames.
  Index kernel_bins() const noexcept { return m_qk; }
  Index kernel_frames() const noexcept { return m_qm; }

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

  /// \brief One application of the truncated kernel to `c` (no magnitude projection, no
  /// in-place update): the approximation of STFT(iSTFT(c)) that the sweeps use. For tests.
  void project(const Eigen::Ref<const Spectrogram<T>>& c, Eigen::Ref<Spectrogram<T>> out) {
    resize(c.rows(), c.cols());
    m_work.setZero();
    load(c);
    for (Index m = 0; m < c.cols(); ++m) {
      other_frames(m);
      for (Index k = 0; k < c.rows(); ++k) out(k, m) = same_frame(k, m);
    }
  }

 private:
  static constexpr const char* where = "legla";

  static LeglaParams validated(LeglaParams p) {
    p.validate();
    return p;
  }

  /// The kernel G (see the file comment), truncated, stored per frame offset as the reversed
  /// band of bins it covers, with the modulation table e^{2 pi i k dm a / M}.
  void build_kernel() {
    const Signal<double> w = detail::padded_window(m_stft.params());
    const Index n = w.size(), hop = m_stft.hop_length();
    double envelope = 0.0;
    for (Index i = 0; i < hop; ++i)
      for (Index j = i; j < n; j += hop) envelope += w[j] * w[j];
    envelope /= double(hop);
    const Index max_frames = (n - 1) / hop;
    const Index bins = n / 2 + 1;
    // Full kernel rows per frame offset, then the band above the threshold.
    std::vector<std::vector<std::complex<double>>> rows;
    const double two_pi = 2.0 * detail::pi;
    auto entry = [&](Index dk, Index dm) {
      std::complex<double> sum = 0.0;
      for (Index u = 0; u < n; ++u) {
        const Index v = u - dm * hop;
        if (v < 0 || v >= n || w[u] == 0.0 || w[v] == 0.0) continue;
        const double angle = -two_pi * double(dk) * double(u) / double(n);
        sum += w[u] * w[v] * std::complex<double>(std::cos(angle), std::sin(angle));
      }
      return sum / (double(n) * envelope);
    };
    const double centre = std::abs(entry(0, 0));
    const double limit = m_params.kernel_threshold * centre;
    Index qk = 0, qm = 0;
    const Index search = std::min<Index>(bins - 1, 64);  // beyond 64 bins a window's kernel is noise
    std::vector<Index> reach(std::size_t(2 * max_frames + 1), -1);
    for (Index dm = -max_frames; dm <= max_frames; ++dm) {
      for (Index dk = 0; dk <= search; ++dk)
        if (std::abs(entry(dk, dm)) >= limit || std::abs(entry(-dk, dm)) >= limit) reach[std::size_t(dm + max_frames)] = dk;
      if (reach[std::size_t(dm + max_frames)] >= 0) {
        qm = std::max(qm, std::abs(dm));
        qk = std::max(qk, reach[std::size_t(dm + max_frames)]);
      }
    }
    m_qk = qk;
    m_qm = qm;
    m_kernel.resize(2 * qk + 1, 2 * qm + 1);
    for (Index dm = -qm; dm <= qm; ++dm)
      for (Index i = 0; i <= 2 * qk; ++i) {
        const Index dk = qk - i;  // reversed: i runs over source bins k' - qk .. k' + qk
        const std::complex<double> g = std::abs(dm) <= max_frames ? entry(dk, dm) : 0.0;
        m_kernel(i, dm + qm) = std::abs(g) >= limit ? Complex(T(g.real()), T(g.imag())) : Complex(0);
      }
    m_first.assign(std::size_t(2 * qm + 1), 0);
    m_last_tap.assign(std::size_t(2 * qm + 1), -1);
    for (Index j = 0; j <= 2 * qm; ++j) {
      Index first = 2 * qk + 1, last = -1;
      for (Index i = 0; i <= 2 * qk; ++i)
        if (m_kernel(i, j) != Complex(0)) first = std::min(first, i), last = std::max(last, i);
      m_first[std::size_t(j)] = first;
      m_last_tap[std::size_t(j)] = last;
    }
    m_modulation.resize(bins, 2 * qm + 1);
    for (Index k = 0; k < bins; ++k)
      for (Index dm = -qm; dm <= qm; ++dm) {
        const double angle = two_pi * double(k) * double(dm) * double(hop) / double(n);
        m_modulation(k, dm + qm) = Complex(T(std::cos(angle)), T(std::sin(angle)));
      }
    m_n = n;
  }

  void resize(Index bins, Index frames) {
    if (m_work.rows() == bins + 2 * m_qk && m_work.cols() == frames + 2 * m_qm) return;
    m_work.setZero(bins + 2 * m_qk, frames + 2 * m_qm);
    m_last.resize(bins, frames);
    m_spec.resize(bins, frames);
    m_other_re.resize(bins);
    m_other_im.resize(bins);
    m_acc_re.resize(bins);
    m_acc_im.resize(bins);
  }

  /// Copies `c` into the padded work buffer, with its mirrors.
  void load(const Eigen::Ref<const Spectrogram<T>>& c) {
    for (Index m = 0; m < c.cols(); ++m)
      for (Index k = 0; k < c.rows(); ++k) set(k, m, c(k, m));
  }

  /// Sets coefficient (k, m) of the work buffer and the mirror images that read it.
  void set(Index k, Index m, Complex v) noexcept {
    const Index col = m + m_qm, bins = m_work.rows() - 2 * m_qk;
    m_work(k + m_qk, col) = v;
    if (k >= 1 && k <= m_qk) m_work(m_qk - k, col) = std::conj(v);  // bin -k
    const Index above = m_n - k;                                    // bin n - k, above n / 2
    if (above >= bins && above < bins + m_qk) m_work(above + m_qk, col) = std::conj(v);
  }

  /// The kernel's sum at every bin of frame m over the other frames (m_other_re/im): during a
  /// sweep of frame m they do not change, so it is computed for the whole frame at once, bin
  /// loops innermost (they vectorise), each frame offset's band trimmed to its non-zero taps.
  void other_frames(Index m) noexcept {
    const Index bins = m_other_re.size();
    m_other_re.setZero();
    m_other_im.setZero();
    for (Index j = 0; j <= 2 * m_qm; ++j) {
      if (j == m_qm) continue;
      const Complex* g = m_kernel.col(j).data();
      const T* c = reinterpret_cast<const T*>(m_work.col(m + 2 * m_qm - j).data());  // frame m - (j - qm)
      T* ar = m_acc_re.data();
      T* ai = m_acc_im.data();
      std::fill_n(ar, bins, T(0));
      std::fill_n(ai, bins, T(0));
      for (Index i = m_first[std::size_t(j)]; i <= m_last_tap[std::size_t(j)]; ++i) {
        const T gr = g[i].real(), gi = g[i].imag();
        const T* ci = c + 2 * i;
        for (Index k = 0; k < bins; ++k) {
          const T cr = ci[2 * k], cm = ci[2 * k + 1];
          ar[k] += gr * cr - gi * cm;
          ai[k] += gr * cm + gi * cr;
        }
      }
      const T* mod = reinterpret_cast<const T*>(m_modulation.col(j).data());
      T* yr = m_other_re.data();
      T* yi = m_other_im.data();
      for (Index k = 0; k < bins; ++k) {
        const T mr = mod[2 * k], mi = mod[2 * k + 1];
        yr[k] += mr * ar[k] - mi * ai[k];
        yi[k] += mr * ai[k] + mi * ar[k];
      }
    }
  }

  /// The kernel's sum at (k, m): the other frames' part plus frame m's own taps, read now (bins
  /// below k already updated in this sweep).
  Complex same_frame(Index k, Index m) const noexcept {
    const Complex* g = m_kernel.col(m_qm).data();
    const Complex* c = m_work.col(m + m_qm).data() + k;
    T re = m_other_re[k], im = m_other_im[k];
    for (Index i = m_first[std::size_t(m_qm)]; i <= m_last_tap[std::size_t(m_qm)]; ++i) {
      re += g[i].real() * c[i].real() - g[i].imag() * c[i].imag();
      im += g[i].real() * c[i].imag() + g[i].imag() * c[i].real();
    }
    return Complex(re, im);
  }

  IterationReport run_from(const Eigen::Ref<const Magnitude<T>>& mag, const Eigen::Ref<const Spectrogram<T>>* initial,
                           Eigen::Ref<Signal<T>> out) {
    detail::checked_run_length<T>(where, m_stft.params(), m_params, mag, out.size());
    if (initial) detail::check_initial<T>(where, mag, *initial);
    const Index bins = mag.rows(), frames = mag.cols();
    resize(bins, frames);
    detail::projected_start<T>(where, m_params, mag, m_stft.params(), initial, m_last);
    m_work.setZero();
    load(m_last);
    const T alpha = T(m_params.momentum);
    const T eps = T(1e-16);
    m_monitor.start(m_params);
    int done = 0;
    for (int it = 1; it <= m_params.max_iter; ++it) {
      for (Index m = 0; m < frames; ++m) {
        other_frames(m);
        for (Index k = 0; k < bins; ++k) {
          const Complex y = same_frame(k, m);
          const T a = std::abs(y);
          if (a > T(0)) set(k, m, y * (mag(k, m) / (a + eps)));
        }
      }
      // t_n is the sweep's result; FleGLA extrapolates from it.
      for (Index m = 0; m < frames; ++m) {
        for (Index k = 0; k < bins; ++k) {
          const Complex t = m_work(k + m_qk, m + m_qm);
          if (alpha > T(0)) set(k, m, t + alpha * (t - m_last(k, m)));
          m_last(k, m) = t;
        }
      }
      done = it;
      if (m_monitor.due(it)) {
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

  LeglaParams m_params;
  Stft<T, Backend> m_stft;
  detail::Monitor m_monitor;
  Index m_qk = 0, m_qm = 0, m_n = 0;
  Eigen::Matrix<Complex, Eigen::Dynamic, Eigen::Dynamic> m_kernel;      // (2 qk + 1, 2 qm + 1), bins reversed
  Eigen::Matrix<Complex, Eigen::Dynamic, Eigen::Dynamic> m_modulation;  // (bins, 2 qm + 1)
  Eigen::Matrix<Complex, Eigen::Dynamic, Eigen::Dynamic> m_work;        // (bins + 2 qk, frames + 2 qm), padded
  std::vector<Index> m_first, m_last_tap;  // per frame offset: the kernel band's non-zero taps
  Signal<T> m_other_re, m_other_im;        // (bins): the other frames' part of the sums
  Signal<T> m_acc_re, m_acc_im;            // (bins): one frame offset's band sums
  Spectrogram<T> m_last;  // t_n, the last sweep's result (t_0: the start)
  Spectrogram<T> m_spec;  // analyses of the output, for the metric
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

/// \brief LeGLA / FleGLA of every item of a batch, reusing one `Legla` object.
/// \param[in] magnitudes shape (n_fft / 2 + 1, frames, batch)
template <class T, class Backend = fft::default_backend<T>>
std::vector<Reconstruction<T>> legla(const MagnitudeBatch<T>& magnitudes, const StftParams& stft,
                                     const LeglaParams& params = {}) {
  Legla<T, Backend> algorithm(stft, params);
  return detail::reconstruct_batch<T>(algorithm, "legla", stft, params, magnitudes);
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
