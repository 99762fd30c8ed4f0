// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `admm`: Griffin-Lim-like phase recovery via the alternating direction method of
/// multipliers (Masuyama, Yatabe, Oikawa), with the update of torch_specinv 0.2.1's `ADMM`.
///
/// The problem "find a consistent spectrogram Y and a spectrogram X with the target magnitude
/// |S| such that X = Y" is split with a scaled dual variable U and a penalty rho. From the start
/// \f$X_0\f$: \f$X = Y = Z = X_0\f$, \f$U = 0\f$, \f$x = \mathrm{iSTFT}(X_0)\f$; each iteration
/// \f[ R = \mathrm{STFT}(x),\quad Z \leftarrow \frac{\rho Y + R}{1 + \rho},\quad
///     U \leftarrow U + X - Z,\quad X \leftarrow |S|\,\frac{Z - U}{|Z - U| + 10^{-16}},\quad
///     Y \leftarrow X + U,\quad x \leftarrow \mathrm{iSTFT}(Y), \f]
/// where STFT after iSTFT is the projection onto the consistent spectrograms and the modulus
/// replacement the projection onto the target magnitude. The output is the last x; the metric of
/// iteration k is |R| against the target. rho = 1 behaves like Griffin-Lim; a small rho, the
/// default 0.1, suits noisy (inconsistent) targets.
///
/// Start \f$X_0\f$: as griffin_lim's (griffin_lim.hpp): the magnitude for Init::zero_phase,
/// otherwise the start of `init` (or the given spectrogram) put on the target magnitude. Note
/// that torch_specinv starts from its phase_init (Init::phase_init here), while the default
/// `init` of every specinv algorithm is Init::zero_phase.
///
/// Cost per iteration: one forward and one inverse STFT (a real FFT pair of n_fft per frame) plus
/// one pass over two stored (n_fft / 2 + 1) x frames spectrograms (X, U), fused with the FFTs
/// (detail/fused_stft.hpp).
///
/// References: Y. Masuyama, K. Yatabe, Y. Oikawa, "Griffin-Lim like phase recovery via
/// alternating direction method of multipliers", IEEE Signal Processing Letters 26(1), 2019.
/// Reference implementation: torch_specinv 0.2.1 `ADMM` (github.com/yoyololicon/spectrogram-inversion).

#include <cmath>
#include <complex>
#include <initializer_list>
#include <optional>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "init.hpp"
#include "../detail/fused_stft.hpp"
#include "../detail/phase_run.hpp"
#include "../detail/thread_pool.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// \brief Options of `admm` (torch_specinv.ADMM).
struct AdmmParams : IterationOptions {
  /// Iterations (torch_specinv: max_iter); >= 0, where 0 returns the inverse STFT of the start.
  /// Default 1000 (torch_specinv's).
  int max_iter = 1000;
  /// Penalty parameter of the augmented Lagrangian (torch_specinv: rho); finite, > 0. Default 0.1
  /// (torch_specinv's); 1 behaves like Griffin-Lim.
  double rho = 0.1;

  /// \brief Checks every field.
  /// \throws specinv::invalid_argument naming the first invalid field
  void validate() const {
    constexpr const char* where = "AdmmParams";
    validate_options(where);
    detail::require(max_iter >= 0, where, "max_iter", max_iter, "max_iter >= 0");
    detail::require(std::isfinite(rho) && rho > 0, where, "rho", rho, "a finite rho > 0");
  }
};

/// \brief ADMM phase recovery, owning its STFT plans and buffers.
///
/// Construction validates the parameters, plans the FFTs and starts `params.threads` - 1 threads
/// (it allocates). `run` allocates nothing once it has seen the frame count. One object serves
/// one thread at a time; it can be neither copied nor moved (its threads point at it).
/// \tparam T float or double
/// \tparam Backend `fft::fftw<T>` or `fft::kiss<T>` (see fft/backend.hpp)
template <class T, class Backend = fft::default_backend<T>>
class Admm {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Validates both parameter sets and plans the STFT.
  /// \param[in] stft the STFT the target magnitudes were made with (one-sided)
  /// \param[in] params iteration options
  /// \throws specinv::invalid_argument naming the first invalid field
  explicit Admm(StftParams stft, AdmmParams params = {})
      : m_params(validated(std::move(params))),
        m_engine(std::move(stft), detail::resolved_threads(m_params.threads, "AdmmParams")) {
    m_monitor.reserve(m_params, m_params.max_iter);
  }

  /// The iteration options.
  const AdmmParams& params() const noexcept { return m_params; }
  /// The STFT parameters.
  const StftParams& stft_params() const noexcept { return m_engine.params(); }

  /// \brief Samples a run on `frames` frames returns: `params().length` when given, else
  /// (frames - 1) * hop with center (torch.istft's default).
  /// \throws specinv::invalid_argument if frames < 1 or `length` changes the frame count
  Index output_length(Index frames) const {
    return detail::reconstruction_length("Admm", m_engine.params(), frames, m_params.length);
  }

  /// The metric at every evaluation of the last run (every eval_every iterations).
  const std::vector<double>& history() const noexcept { return m_monitor.history(); }

  /// \brief Recovers a signal from a target magnitude, starting from `params().init`.
  /// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
  /// \param[out] out signal, shape (output_length(frames))
  /// \returns iterations run and the SC of |STFT(out)| against the target
  /// \throws specinv::invalid_argument for a bad magnitude, `out` size or `length`, or Init::given
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& magnitude, Eigen::Ref<Signal<T>> out) {
    return run_from(magnitude, nullptr, out);
  }

  /// \brief Recovers a signal from a target magnitude starting from a given complex spectrogram
  /// (Init::given; `params().init` is not consulted), put on the target magnitude first.
  /// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
  /// \param[in] initial start, same shape; finite
  /// \param[out] out signal, shape (output_length(frames))
  /// \throws specinv::invalid_argument as the other overload, or for a bad `initial`
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& magnitude, const Eigen::Ref<const Spectrogram<T>>& initial,
                      Eigen::Ref<Signal<T>> out) {
    return run_from(magnitude, &initial, out);
  }

 private:
  static AdmmParams validated(AdmmParams p) {
    p.validate();
    return p;
  }

  using Complex = std::complex<T>;

  IterationReport run_from(const Eigen::Ref<const Magnitude<T>>& mag, const Eigen::Ref<const Spectrogram<T>>* initial,
                           Eigen::Ref<Signal<T>> out) {
    constexpr const char* where = "admm";
    detail::checked_run_length<T>(where, m_engine.params(), m_params, mag, out.size());
    if (initial) detail::check_initial<T>(where, mag, *initial);
    m_engine.prepare(where, mag.cols(), out.size(), m_params.length);
    if (m_x.rows() != mag.rows() || m_x.cols() != mag.cols()) {
      m_x.resize(mag.rows(), mag.cols());
      m_u.resize(mag.rows(), mag.cols());
    }
    detail::projected_start<T>(where, m_params, mag, m_engine.params(), initial, m_x);
    if (m_other.size() != out.size()) m_other.resize(out.size());
    out.setZero();  // samples past the frames' reach (a long `length`) stay zero
    m_other.setZero();
    m_u.setZero();  // so Y = X + U = X_0
    m_engine.synthesize_start(mag, &m_x, out.data());

    const T rho = T(m_params.rho);
    const T inv = T(1.0 / (1.0 + m_params.rho));
    const Index bins = mag.rows();
    auto update = [&](Index t, Complex* s, T* n) noexcept { update_frame(t, s, mag.col(t).data(), rho, inv, bins, n); };
    return detail::fused_iterations(m_engine, m_monitor, m_params, m_params.max_iter, mag, out, m_other, update);
  }

  /// One frame: R (in s) to Z = (rho Y + R) inv with Y = X + U, U += X - Z,
  /// X = |S| (Z - U) / (|Z - U| + 1e-16), and s = Y = X + U for the synthesis; inv = 1 / (1 + rho).
  /// Three loops that vectorise (see detail::project_frame): Z, U, V = Z - U (into X) and |V|^2;
  /// the scale; then X and Y.
  void update_frame(Index t, Complex* spectrum, const T* mag, T rho, T inv, Index bins, T* n) noexcept {
    T* r = reinterpret_cast<T*>(spectrum);
    T* x = reinterpret_cast<T*>(m_x.col(t).data());
    T* u = reinterpret_cast<T*>(m_u.col(t).data());
    for (Index i = 0; i < 2 * bins; i += 2) {
      const T zr = (rho * (x[i] + u[i]) + r[i]) * inv, zi = (rho * (x[i + 1] + u[i + 1]) + r[i + 1]) * inv;
      const T ur = u[i] + x[i] - zr, ui = u[i + 1] + x[i + 1] - zi;
      const T vr = zr - ur, vi = zi - ui;
      u[i] = ur;
      u[i + 1] = ui;
      x[i] = vr;
      x[i + 1] = vi;
      n[i / 2] = vr * vr + vi * vi;
    }
    detail::magnitude_scale<T>(mag, n, x, bins);
    for (Index i = 0; i < 2 * bins; i += 2) {
      x[i] *= n[i / 2];
      x[i + 1] *= n[i / 2];
      r[i] = x[i] + u[i];
      r[i + 1] = x[i + 1] + u[i + 1];
    }
  }

  AdmmParams m_params;
  detail::FusedStft<T, Backend> m_engine;
  detail::Monitor m_monitor;
  Spectrogram<T> m_x;  // X: on the target magnitude
  Spectrogram<T> m_u;  // U: the scaled dual variable (Y = X + U is rebuilt per frame, not stored)
  Signal<T> m_other;   // the second signal buffer of the passes
};

/// \brief ADMM phase recovery of a magnitude (torch_specinv.ADMM). Plans and buffers are made per
/// call; keep an `Admm` object to reuse them.
/// \tparam T float or double
/// \tparam Backend the FFT backend (fft::default_backend<T> unless given)
/// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
/// \param[in] stft the STFT the magnitude was made with
/// \param[in] params iteration options (start: params.init; torch_specinv starts from phase_init)
/// \returns the signal, shape (output length), with iterations, final SC and metric history
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> admm(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                       const AdmmParams& params = {}) {
  Admm<T, Backend> algorithm(stft, params);
  return detail::reconstruct<T>(algorithm, "admm", stft, params, magnitude, nullptr);
}

/// \brief ADMM from a complex spectrogram (Init::given): the target is |initial| and the
/// iterations start from `initial` (torch_specinv.ADMM with a complex input).
/// \param[in] initial shape (n_fft / 2 + 1, frames); finite
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> admm(const Eigen::Ref<const Spectrogram<T>>& initial, const StftParams& stft,
                       const AdmmParams& params = {}) {
  const Magnitude<T> magnitude = initial.cwiseAbs();
  detail::check_initial<T>("admm", magnitude, initial);
  Admm<T, Backend> algorithm(stft, params);
  return detail::reconstruct<T>(algorithm, "admm", stft, params, magnitude, &initial);
}

/// \brief ADMM of every item of a batch, on `params.threads` threads (one `Admm` each).
/// \param[in] magnitudes shape (n_fft / 2 + 1, frames, batch)
/// \returns one Reconstruction per item, in order
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
std::vector<Reconstruction<T>> admm(const MagnitudeBatch<T>& magnitudes, const StftParams& stft,
                                    const AdmmParams& params = {}) {
  auto make = [&](const AdmmParams& p) { return Admm<T, Backend>(stft, p); };
  return detail::reconstruct_batch<T>(make, "admm", stft, params, magnitudes);
}

/// \brief admm of any Eigen matrix expression, the scalar type deduced: a real one is the target
/// magnitude, a complex one the starting spectrogram (whose modulus is the target).
template <class Derived, std::enable_if_t<detail::is_spectrogram_expression_v<Derived>, int> = 0>
auto admm(const Eigen::MatrixBase<Derived>& spectrogram, const StftParams& stft, const AdmmParams& params = {}) {
  using Scalar = typename Derived::Scalar;
  if constexpr (detail::is_real_scalar_v<Scalar>) {
    return admm<Scalar>(Eigen::Ref<const Magnitude<Scalar>>(spectrogram.derived()), stft, params);
  } else {
    using T = typename Scalar::value_type;
    return admm<T>(Eigen::Ref<const Spectrogram<T>>(spectrogram.derived()), stft, params);
  }
}

}  // namespace specinv
