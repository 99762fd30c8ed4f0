// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `pghi`: Phase Gradient Heap Integration, a non-iterative phase estimate from the
/// magnitude alone (Průša, Balazs, Søndergaard 2017).
///
/// For a Gaussian window the STFT's phase gradient is a function of the log-magnitude's gradient
/// (detail/pghi.hpp derives the two formulas in torch.stft's conventions); other windows use the
/// time-frequency ratio \f$\lambda\f$ of a fitted Gaussian (`PghiParams::gamma`). PGHI integrates
/// that gradient from the largest coefficient outwards: a max-heap holds the coefficients whose
/// phase is known; the largest is popped and gives its four neighbours (previous/next frame, bin
/// below/above) their phase by the trapezoidal rule, largest first, so that the integration
/// follows ridges, where the estimate is reliable. Coefficients below `tolerance` times the
/// largest get a random phase and are never integrated through; when the heap runs empty the
/// largest coefficient not yet reached starts a new island with phase 0.
///
/// Cost: O(F N log(F N)) for F bins and N frames (the heap), no FFT; `run` adds one inverse
/// STFT. A good start for the iterative algorithms (`Init::pghi`): on speech it is typically
/// 10 dB of spectral convergence ahead of phase_init.
///
/// Reference: Z. Průša, P. Balazs, P. L. Søndergaard, "A Noniterative Method for Reconstruction
/// of Phase From STFT Magnitude", IEEE/ACM Trans. Audio, Speech and Language Processing 25(5),
/// 2017. The real-time variant is phase/rtpghi.hpp.

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <optional>
#include <random>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/math.hpp"
#include "../detail/phase_run.hpp"
#include "../detail/pghi.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// \brief Options of `pghi` (and of `Init::pghi`, which uses the defaults with the algorithm's seed).
struct PghiParams {
  /// Relative magnitude below which a coefficient gets a random phase and is not integrated
  /// through: below `tolerance` times the largest magnitude. 0 < tolerance < 1; default 1e-5
  /// (-100 dB), the paper's.
  double tolerance = detail::pghi_default_tolerance;
  /// The window's time-frequency ratio \f$\lambda\f$ in samples squared (a Gaussian
  /// \f$e^{-\pi t^2/\lambda}\f$ has \f$\lambda\f$). 0 (default): from the window: 0.25645 L^2 for
  /// Hann of length L, 0.29794 L^2 Hamming, 0.17954 L^2 Blackman (the paper's fitted constants),
  /// otherwise a least-squares Gaussian fit of the window itself. Must be >= 0 and finite.
  double gamma = 0;
  /// Seed of the random phases of the coefficients below the tolerance (std::mt19937_64).
  std::uint64_t seed = 0;
  /// Output length of `pghi` / `Pghi::run` (as torch.istft's `length`); none: the natural one.
  std::optional<Index> length;

  /// \throws specinv::invalid_argument naming the first invalid field
  void validate() const {
    constexpr const char* where = "PghiParams";
    detail::require(std::isfinite(tolerance) && tolerance > 0 && tolerance < 1, where, "tolerance", tolerance,
                    "0 < tolerance < 1");
    detail::require(std::isfinite(gamma) && gamma >= 0, where, "gamma", gamma,
                    "gamma >= 0 (0: from the window)");
    if (length) detail::require(*length >= 1, where, "length", *length, "length >= 1 (or none)");
  }
};

/// \brief PGHI phase estimation, owning its workspace and inverse STFT.
///
/// Construction validates and plans (it allocates); `estimate` and `run` allocate nothing once
/// they have seen the frame count. One object serves one thread at a time.
/// \tparam T float or double \tparam Backend the FFT backend of `run`'s inverse STFT
template <class T, class Backend = fft::default_backend<T>>
class Pghi {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \throws specinv::invalid_argument for invalid STFT or PGHI parameters
  explicit Pghi(StftParams stft, PghiParams params = {})
      : m_params(validated(std::move(params))),
        m_stft(std::move(stft)),
        m_lambda(detail::window_tf_ratio(where, m_stft.params(), m_params.gamma)),
        m_integrator(m_stft.params(), m_params.tolerance, m_lambda, m_params.seed) {}

  const PghiParams& params() const noexcept { return m_params; }
  const StftParams& stft_params() const noexcept { return m_stft.params(); }
  /// \f$\lambda\f$ in samples squared: `params().gamma`, or the window's.
  double tf_ratio() const noexcept { return m_lambda; }

  /// Samples `run` returns for `frames` frames. \throws specinv::invalid_argument as `run`
  Index output_length(Index frames) const {
    return detail::reconstruction_length(where, m_stft.params(), frames, m_params.length);
  }

  /// \brief The estimate magnitude * exp(i phase) into `out`, shape of `magnitude`.
  /// \throws specinv::invalid_argument for a bad magnitude or a wrongly sized `out`
  void estimate(const Eigen::Ref<const Magnitude<T>>& magnitude, Eigen::Ref<Spectrogram<T>> out) {
    detail::check_magnitude<T>(where, magnitude, m_stft.params());
    detail::require(out.rows() == magnitude.rows() && out.cols() == magnitude.cols(), where, "out.size()",
                    out.size(), "the magnitude's shape");
    m_integrator.estimate<T>(magnitude, out);
  }

  /// \brief PGHI, then the inverse STFT into `out` (size `output_length(frames)`).
  /// \returns iterations 0 and the SC of |STFT(out)| against the target
  /// \throws specinv::invalid_argument for a bad magnitude, `out` size or `length`
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& magnitude, Eigen::Ref<Signal<T>> out) {
    detail::check_magnitude<T>(where, magnitude, m_stft.params());
    detail::require(out.size() == output_length(magnitude.cols()), where, "out.size()", out.size(),
                    "output_length(frames)");
    if (m_spec.rows() != magnitude.rows() || m_spec.cols() != magnitude.cols())
      m_spec.resize(magnitude.rows(), magnitude.cols());
    estimate(magnitude, m_spec);
    m_stft.inverse(m_spec, out, m_params.length);
    IterationReport report;
    report.spectral_convergence_db = detail::output_sc_db<T>(m_stft, out, m_spec, magnitude);
    return report;
  }

  /// No iterations, no history (for the shared free-function body).
  const std::vector<double>& history() const noexcept { return m_history; }

 private:
  static constexpr const char* where = "pghi";

  static PghiParams validated(PghiParams p) {
    p.validate();
    return p;
  }

  PghiParams m_params;
  Stft<T, Backend> m_stft;
  double m_lambda = 0;
  detail::PghiIntegrator m_integrator;
  Spectrogram<T> m_spec;  // the estimate, then the analysis of the output
  std::vector<double> m_history;  // always empty
};

/// \brief PGHI's complex estimate magnitude * exp(i phase), shape of `magnitude`.
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
Spectrogram<T> pghi_spectrogram(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                                const PghiParams& params = {}) {
  Pghi<T, Backend> algo(stft, params);
  Spectrogram<T> out(magnitude.rows(), magnitude.cols());
  algo.estimate(magnitude, out);
  return out;
}

/// \brief Signal from a magnitude spectrogram by PGHI (no iteration): the inverse STFT of
/// `pghi_spectrogram`.
/// \param[in] magnitude target, shape (n_fft / 2 + 1, frames); finite, >= 0
/// \returns the signal, iterations 0, its SC and an empty history
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> pghi(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                       const PghiParams& params = {}) {
  Pghi<T, Backend> algo(stft, params);
  return detail::reconstruct<T>(algo, "pghi", stft, params, magnitude, nullptr);
}

/// \brief pghi of any real Eigen matrix expression; the scalar type is deduced.
template <class Derived, std::enable_if_t<std::is_base_of_v<Eigen::MatrixBase<Derived>, Derived> &&
                                              detail::is_real_scalar_v<typename Derived::Scalar>,
                                          int> = 0>
Reconstruction<typename Derived::Scalar> pghi(const Eigen::MatrixBase<Derived>& magnitude, const StftParams& stft,
                                              const PghiParams& params = {}) {
  using T = typename Derived::Scalar;
  return pghi<T>(Eigen::Ref<const Magnitude<T>>(magnitude.derived()), stft, params);
}

}  // namespace specinv
