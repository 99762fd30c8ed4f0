// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `griffin_lim`: the Griffin-Lim algorithm (GLA) and, with `momentum > 0`, the Fast
/// Griffin-Lim algorithm (FGLA), with exactly the update of torchaudio 0.13's
/// `torchaudio.functional.griffinlim`.
///
/// GLA alternates two projections: onto the consistent spectrograms (those that are the STFT of
/// some signal: iSTFT, then STFT) and onto the spectrograms with the target magnitude
/// \f$|S|\f$ (keep the phase, replace the modulus). FGLA adds an inertial step on the rebuilt
/// spectrogram. With \f$c = m / (1 + m)\f$ for the momentum m, \f$P_0 = 0\f$ and the start
/// \f$x_0 = \mathrm{iSTFT}(S_0)\f$, iteration k = 1, 2, ... computes
/// \f[ R_k = \mathrm{STFT}(x_{k-1}),\quad A_k = R_k - c\,P_{k-1},\quad P_k = R_k,\quad
///     x_k = \mathrm{iSTFT}\!\Big(|S|\,\frac{A_k}{|A_k| + 10^{-16}}\Big), \f]
/// so the memory P holds the rebuilt spectrogram before the subtraction (torchaudio's `tprev`),
/// and the output is \f$x_K\f$ after K = max_iter iterations (K = 0: the iSTFT of the start).
/// Every inner iSTFT uses `length` when it is given, as torchaudio does.
///
/// Start \f$S_0\f$: Init::zero_phase is the magnitude itself (torchaudio's `rand_init=False`, whose
/// angles are exactly 1). Any other start \f$S\f$ (Init::random, Init::phase_init, or a given
/// complex spectrogram) is first put on the target magnitude, \f$S_0 = |S|\, S / (|S| + 10^{-16})\f$,
/// the same projection as every iteration's; for random and phase_init starts, which already have
/// the target's modulus, that changes nothing beyond rounding.
///
/// With m = 0 this is also torch_specinv's `griffin_lim(alpha=0)` (its memory term vanishes).
/// torch_specinv's FGLA (alpha > 0) is a different recursion: its memory holds the accelerated
/// spectrogram \f$A_k\f$ and starts at the initial spectrogram, so for m > 0 its outputs differ
/// from these.
///
/// Cost per iteration: one forward and one inverse STFT (a real FFT pair of n_fft per frame) plus
/// one pass over the (n_fft / 2 + 1) x frames spectrogram; an evaluation of the metric adds one
/// read-only pass and no FFT.
///
/// References: D. W. Griffin, J. S. Lim, "Signal estimation from modified short-time Fourier
/// transform", IEEE Trans. ASSP 32(2), 1984. N. Perraudin, P. Balazs, P. L. Sondergaard, "A fast
/// Griffin-Lim algorithm", IEEE WASPAA 2013. Reference implementation: torchaudio 0.13
/// `functional.griffinlim` (github.com/pytorch/audio).

#include <algorithm>
#include <cmath>
#include <complex>
#include <optional>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "init.hpp"
#include "../detail/phase_run.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// \brief Options of `griffin_lim` (torchaudio.functional.griffinlim / torch_specinv.griffin_lim).
struct GriffinLimParams : IterationOptions {
  /// Iterations (torchaudio: n_iter; torch_specinv: max_iter); >= 0, where 0 returns the plain
  /// inverse STFT of the initial spectrogram. Default 32 (torchaudio's).
  int max_iter = 32;
  /// Inertia of the fast Griffin-Lim update (torchaudio: momentum; torch_specinv: alpha), applied
  /// as momentum / (1 + momentum) to the previous rebuilt spectrogram; 0 = GLA. Valid
  /// 0 <= momentum < 1, default 0.99. Values outside are refused, not warned about: librosa
  /// only warns above 1, torchaudio's GriffinLim transform raises outside [0, 1), and we side
  /// with the latter because from 1 on the inertial step overshoots the projection by a growing
  /// amount and the iteration no longer converges (FGLA's analysis needs momentum < 1); negative
  /// values pull against the descent. Nothing is clamped silently.
  double momentum = 0.99;

  /// \brief Checks every field.
  /// \throws specinv::invalid_argument naming the first invalid field
  void validate() const {
    constexpr const char* where = "GriffinLimParams";
    validate_options(where);
    detail::require(max_iter >= 0, where, "max_iter", max_iter, "max_iter >= 0");
    detail::require(momentum >= 0 && momentum < 1, where, "momentum", momentum, "0 <= momentum < 1");
  }
};

/// \brief Griffin-Lim / fast Griffin-Lim phase recovery, owning its STFT plans and buffers.
///
/// Construction validates the parameters and plans the FFTs (it allocates). `run` allocates
/// nothing once it has seen the frame count (the buffers are resized only when it changes). One
/// object serves one thread at a time.
/// \tparam T float or double
/// \tparam Backend `fft::fftw<T>` or `fft::kiss<T>` (see fft/backend.hpp)
template <class T, class Backend = fft::default_backend<T>>
class GriffinLim {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Validates both parameter sets and plans the STFT.
  /// \param[in] stft the STFT the target magnitudes were made with (one-sided)
  /// \param[in] params iteration options
  /// \throws specinv::invalid_argument naming the first invalid field
  explicit GriffinLim(StftParams stft, GriffinLimParams params = {})
      : m_params(validated(std::move(params))), m_stft(std::move(stft)) {
    m_monitor.reserve(m_params, m_params.max_iter);
  }

  /// The iteration options.
  const GriffinLimParams& params() const noexcept { return m_params; }
  /// The STFT parameters.
  const StftParams& stft_params() const noexcept { return m_stft.params(); }

  /// \brief Samples a run on `frames` frames returns: `params().length` when given, else
  /// (frames - 1) * hop with center (torch.istft's default).
  /// \throws specinv::invalid_argument if frames < 1 or `length` changes the frame count
  Index output_length(Index frames) const {
    return detail::reconstruction_length("GriffinLim", m_stft.params(), frames, m_params.length);
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
  /// (Init::given; `params().init` is not consulted). The start is `initial` put on the target
  /// magnitude (see the file comment).
  /// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
  /// \param[in] initial start, same shape; finite
  /// \param[out] out signal, shape (output_length(frames))
  /// \throws specinv::invalid_argument as the other overload, or for a bad `initial`
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& magnitude, const Eigen::Ref<const Spectrogram<T>>& initial,
                      Eigen::Ref<Signal<T>> out) {
    return run_from(magnitude, &initial, out);
  }

 private:
  static GriffinLimParams validated(GriffinLimParams p) {
    p.validate();
    return p;
  }

  IterationReport run_from(const Eigen::Ref<const Magnitude<T>>& mag, const Eigen::Ref<const Spectrogram<T>>* initial,
                           Eigen::Ref<Signal<T>> out) {
    constexpr const char* where = "griffin_lim";
    detail::checked_run_length<T>(where, m_stft.params(), m_params, mag, out.size());
    if (initial) detail::check_initial<T>(where, mag, *initial);
    const bool accelerated = m_params.momentum > 0;
    if (m_spec.rows() != mag.rows() || m_spec.cols() != mag.cols()) {
      m_spec.resize(mag.rows(), mag.cols());
      if (accelerated) m_prev.resize(mag.rows(), mag.cols());
      m_scale.resize(mag.rows());
    }
    detail::projected_start<T>(where, m_params, mag, m_stft.params(), initial, m_spec);
    if (accelerated) m_prev.setZero();
    const std::optional<Index> length = m_params.length;
    const T c = T(m_params.momentum / (1.0 + m_params.momentum));

    m_stft.inverse(m_spec, out, length);
    m_monitor.start(m_params);
    int done = 0;
    for (int k = 1; k <= m_params.max_iter; ++k) {
      m_stft.forward(out, m_spec);
      bool go_on = true;
      if (m_monitor.due(k)) {
        const detail::MagnitudeSums sums =
            accelerated ? update<true, true>(mag, c) : update<false, true>(mag, c);
        go_on = m_monitor.record(k, sums);
      } else {
        accelerated ? update<true, false>(mag, c) : update<false, false>(mag, c);
      }
      m_stft.inverse(m_spec, out, length);
      done = k;
      if (!go_on) break;
    }
    m_stft.forward(out, m_spec);
    IterationReport report;
    report.iterations = done;
    report.spectral_convergence_db = detail::sc_db(detail::spectrogram_sums<T>(m_spec, mag));
    return report;
  }

  /// One update pass over m_spec, which holds R = STFT(x): A = R - c P, P = R, then m_spec =
  /// |S| A / (|A| + 1e-16). With Measure, also the metric sums of |R| against the target.
  /// Per frame, three loops that vectorise: |A|^2 (and the memory), then the scale |S| / (|A| +
  /// eps) through Eigen's packet sqrt (std::sqrt keeps GCC from vectorising under errno rules),
  /// then A times the scale.
  template <bool Accelerated, bool Measure>
  detail::MagnitudeSums update(const Eigen::Ref<const Magnitude<T>>& mag, T c) noexcept {
    detail::MagnitudeSums sums;
    const Index bins = m_spec.rows();
    T* n = m_scale.data();
    for (Index t = 0; t < m_spec.cols(); ++t) {
      T* s = reinterpret_cast<T*>(m_spec.col(t).data());
      if constexpr (Measure) sums += detail::magnitude_sums(m_spec.col(t).data(), mag.col(t).data(), bins);
      if constexpr (Accelerated) {
        T* p = reinterpret_cast<T*>(m_prev.col(t).data());
        for (Index i = 0; i < bins; ++i) {
          const T rr = s[2 * i], ri = s[2 * i + 1];
          const T ar = rr - c * p[2 * i], ai = ri - c * p[2 * i + 1];
          p[2 * i] = rr;
          p[2 * i + 1] = ri;
          s[2 * i] = ar;
          s[2 * i + 1] = ai;
          n[i] = ar * ar + ai * ai;
        }
      } else {
        for (Index i = 0; i < bins; ++i) n[i] = s[2 * i] * s[2 * i] + s[2 * i + 1] * s[2 * i + 1];
      }
      detail::magnitude_scale<T>(mag.col(t).data(), n, bins);
      for (Index i = 0; i < bins; ++i) {
        s[2 * i] *= n[i];
        s[2 * i + 1] *= n[i];
      }
    }
    return sums;
  }

  GriffinLimParams m_params;
  Stft<T, Backend> m_stft;
  detail::Monitor m_monitor;
  Spectrogram<T> m_spec;  // the rebuilt spectrogram R, then the projected one fed to the iSTFT
  Spectrogram<T> m_prev;  // FGLA memory P: the previous R (unused when momentum = 0)
  Signal<T> m_scale;      // one frame of |A|^2, then of |S| / (|A| + eps)
};

/// \brief Griffin-Lim (momentum 0) or fast Griffin-Lim phase recovery of a magnitude
/// (torchaudio.functional.griffinlim with power = 1). Plans and buffers are made per call; keep a
/// `GriffinLim` object to reuse them.
/// \tparam T float or double
/// \tparam Backend the FFT backend (fft::default_backend<T> unless given)
/// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
/// \param[in] stft the STFT the magnitude was made with
/// \param[in] params iteration options (start: params.init)
/// \returns the signal, shape (output length), with iterations, final SC and metric history
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> griffin_lim(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                              const GriffinLimParams& params = {}) {
  GriffinLim<T, Backend> algorithm(stft, params);
  return detail::reconstruct<T>(algorithm, "griffin_lim", stft, params, magnitude, nullptr);
}

/// \brief Griffin-Lim from a complex spectrogram (Init::given): the target is |initial| and the
/// iterations start from `initial`.
/// \param[in] initial shape (n_fft / 2 + 1, frames); finite
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> griffin_lim(const Eigen::Ref<const Spectrogram<T>>& initial, const StftParams& stft,
                              const GriffinLimParams& params = {}) {
  const Magnitude<T> magnitude = initial.cwiseAbs();
  detail::check_initial<T>("griffin_lim", magnitude, initial);
  GriffinLim<T, Backend> algorithm(stft, params);
  return detail::reconstruct<T>(algorithm, "griffin_lim", stft, params, magnitude, &initial);
}

/// \brief Griffin-Lim of every item of a batch, reusing one `GriffinLim` object.
/// \param[in] magnitudes shape (n_fft / 2 + 1, frames, batch)
/// \returns one Reconstruction per item, in order
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
std::vector<Reconstruction<T>> griffin_lim(const MagnitudeBatch<T>& magnitudes, const StftParams& stft,
                                           const GriffinLimParams& params = {}) {
  GriffinLim<T, Backend> algorithm(stft, params);
  return detail::reconstruct_batch<T>(algorithm, "griffin_lim", stft, params, magnitudes);
}

/// \brief griffin_lim of any Eigen matrix expression, the scalar type deduced: a real one is the
/// target magnitude, a complex one the starting spectrogram (whose modulus is the target).
template <class Derived, std::enable_if_t<detail::is_spectrogram_expression_v<Derived>, int> = 0>
auto griffin_lim(const Eigen::MatrixBase<Derived>& spectrogram, const StftParams& stft,
                 const GriffinLimParams& params = {}) {
  using Scalar = typename Derived::Scalar;
  if constexpr (detail::is_real_scalar_v<Scalar>) {
    return griffin_lim<Scalar>(Eigen::Ref<const Magnitude<Scalar>>(spectrogram.derived()), stft, params);
  } else {
    using T = typename Scalar::value_type;
    return griffin_lim<T>(Eigen::Ref<const Spectrogram<T>>(spectrogram.derived()), stft, params);
  }
}

}  // namespace specinv
