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
/// The STFT is linear, so \f$A_k = \mathrm{STFT}(x_{k-1} - c\,x_{k-2})\f$ with \f$x_{-1} = 0\f$:
/// that is what is computed, and P is never stored (the same values up to rounding; a signal is
/// a quarter of a spectrogram at 75% overlap, and reading two per pass costs far less than
/// streaming P in and out).
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
/// Cost per iteration: one forward and one inverse STFT (a real FFT pair of n_fft per frame),
/// fused with the projection so that each frame is analysed, projected and overlap-added while in
/// cache (detail/fused_stft.hpp). No spectrogram is stored: FGLA holds three signals (x_{k-1},
/// x_{k-2} and their combination). An evaluation of the metric reads the analysed frames; in
/// FGLA, whose passes analyse the combination, it analyses x_{k-1} itself: one more r2c per frame
/// every eval_every iterations. With `threads` > 1 the frames are split across threads, with
/// results bit-identical to one thread's.
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
#include "../detail/fused_stft.hpp"
#include "../detail/phase_run.hpp"
#include "../detail/thread_pool.hpp"
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
/// Construction validates the parameters, plans the FFTs and starts `params.threads` - 1 threads
/// (it allocates). `run` allocates nothing once it has seen the frame count and, for GLA
/// (momentum 0), a start other than Init::zero_phase (the buffers are resized only when these
/// change). One object serves one thread at a time; it can be neither copied nor moved (its
/// threads point at it).
/// \tparam T float or double
/// \tparam Backend `fft::fftw<T>` or `fft::kiss<T>` (see fft/backend.hpp)
template <class T, class Backend = fft::default_backend<T>>
class GriffinLim {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Validates both parameter sets, plans the STFT and starts `params.threads` threads.
  /// \param[in] stft the STFT the target magnitudes were made with (one-sided)
  /// \param[in] params iteration options
  /// \throws specinv::invalid_argument naming the first invalid field
  explicit GriffinLim(StftParams stft, GriffinLimParams params = {})
      : m_params(validated(std::move(params))),
        m_engine(std::move(stft), detail::resolved_threads(m_params.threads, "GriffinLimParams")) {
    m_monitor.reserve(m_params, m_params.max_iter);
  }

  /// The iteration options.
  const GriffinLimParams& params() const noexcept { return m_params; }
  /// The STFT parameters.
  const StftParams& stft_params() const noexcept { return m_engine.params(); }

  /// \brief Samples a run on `frames` frames returns: `params().length` when given, else
  /// (frames - 1) * hop with center (torch.istft's default).
  /// \throws specinv::invalid_argument if frames < 1 or `length` changes the frame count
  Index output_length(Index frames) const {
    return detail::reconstruction_length("GriffinLim", m_engine.params(), frames, m_params.length);
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
  using Complex = std::complex<T>;

  static GriffinLimParams validated(GriffinLimParams p) {
    p.validate();
    return p;
  }

  IterationReport run_from(const Eigen::Ref<const Magnitude<T>>& mag, const Eigen::Ref<const Spectrogram<T>>* initial,
                           Eigen::Ref<Signal<T>> out) {
    constexpr const char* where = "griffin_lim";
    detail::checked_run_length<T>(where, m_engine.params(), m_params, mag, out.size());
    if (initial) detail::check_initial<T>(where, mag, *initial);
    m_engine.prepare(where, mag.cols(), out.size(), m_params.length);
    const bool accelerated = m_params.momentum > 0;
    // x_0 = iSTFT(S_0). A start other than the magnitude itself is built in m_start, the only
    // spectrogram GLA or FGLA holds, and only for such starts.
    const bool given = initial || m_params.init != Init::zero_phase;
    if (given && (m_start.rows() != mag.rows() || m_start.cols() != mag.cols())) m_start.resize(mag.rows(), mag.cols());
    if (given) detail::projected_start<T>(where, m_params, mag, m_engine.params(), initial, m_start);
    if (m_other.size() != out.size()) m_other.resize(out.size());
    if (accelerated && m_combined.size() != out.size()) m_combined.resize(out.size());
    out.setZero();      // samples past the frames' reach (a long `length`) stay zero
    m_other.setZero();  // and x_{-1} = 0: FGLA's memory starts at 0
    m_engine.synthesize_start(mag, given ? &m_start : nullptr, out.data());
    // The passes: x analysed (FGLA: x_{k-1} - c x_{k-2}, see the file comment), every frame
    // projected (detail::project_frame), y rebuilt.
    const Index bins = mag.rows();
    auto update = [&](Index t, Complex* s, T* scratch) noexcept {
      detail::project_frame(s, mag.col(t).data(), bins, scratch);
    };
    const T c = T(m_params.momentum / (1.0 + m_params.momentum));
    return detail::fused_iterations(m_engine, m_monitor, m_params, m_params.max_iter, mag, out, m_other, update, c,
                                    accelerated ? &m_combined : nullptr);
  }

  GriffinLimParams m_params;
  detail::FusedStft<T, Backend> m_engine;
  detail::Monitor m_monitor;
  Spectrogram<T> m_start;  // the start spectrogram, for a start other than zero phase
  Signal<T> m_other;       // the second signal buffer: each pass reads one and writes the other
  Signal<T> m_combined;    // FGLA: x_{k-1} - c x_{k-2}, what pass k analyses (empty when momentum = 0)
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

/// \brief Griffin-Lim of every item of a batch, on `params.threads` threads (one `GriffinLim` each).
/// \param[in] magnitudes shape (n_fft / 2 + 1, frames, batch)
/// \returns one Reconstruction per item, in order
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
std::vector<Reconstruction<T>> griffin_lim(const MagnitudeBatch<T>& magnitudes, const StftParams& stft,
                                           const GriffinLimParams& params = {}) {
  auto make = [&](const GriffinLimParams& p) { return GriffinLim<T, Backend>(stft, p); };
  return detail::reconstruct_batch<T>(make, "griffin_lim", stft, params, magnitudes);
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
