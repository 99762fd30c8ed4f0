// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `phase_init`: a single-pass phase estimate (torch_specinv.phase_init, a simplified
/// Single Pass Spectrogram Inversion), and the starting spectrogram of every `Init`.
///
/// SPSI idea (Beauregard, Harish, Wyse, "Single Pass Spectrogram Inversion", DSP 2015): a
/// stationary sinusoid that peaks at bin k of a frame advances its phase by
/// \f$\omega = 2\pi (k + p) h / N\f$ per hop h, where p is the peak's offset from the bin centre.
/// Per frame, every local maximum k of the magnitude (mag[k] > mag[k-1] and mag[k] > mag[k+1],
/// 1 <= k <= N/2 - 1) gets the quadratic-interpolation offset
/// \f$p = \tfrac12 (a - r) / (a - 2b + r)\f$ with (a, b, r) = mag[k-1, k, k+1], and bins k-1, k
/// and k+1 all get the increment \f$\omega\f$ (where two peaks' neighbourhoods meet, the k+1
/// assignment wins over the k-1 one, which wins over a peak's own: torch_specinv's write order).
/// Other bins get 0. The phase is the running sum of the increments over frames, including the
/// first frame's, and the result is mag * exp(i phase). Cost: O(freq * frames), no FFT.

#include <cmath>
#include <complex>
#include <cstdint>
#include <random>
#include <type_traits>

#include <Eigen/Core>

#include "common.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/math.hpp"
#include "../detail/pghi.hpp"
#include "../stft/params.hpp"

namespace specinv {

/// \brief Single-pass phase estimate into caller storage. Allocation-free.
/// \tparam T float or double
/// \param[in] magnitude target magnitude, shape (n_fft / 2 + 1, frames); finite, >= 0
/// \param[in] stft the STFT the magnitude was made with (n_fft and hop are used)
/// \param[out] out complex spectrogram, same shape: magnitude * exp(i * estimated phase)
/// \throws specinv::invalid_argument for invalid `stft`, a bad magnitude, or a wrongly sized `out`
template <class T>
void phase_init(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                Eigen::Ref<Spectrogram<T>> out) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  constexpr const char* where = "phase_init";
  stft.validate();
  detail::check_magnitude<T>(where, magnitude, stft);
  detail::require(out.rows() == magnitude.rows() && out.cols() == magnitude.cols(), where, "out.size()",
                  out.size(), "the magnitude's shape");
  const Index bins = magnitude.rows(), frames = magnitude.cols();
  const double hop = double(detail::resolved_hop(stft));
  const double two_pi = 2.0 * detail::pi;

  // Pass 1: per frame, the phase increments (real parts), then the running phase (imaginary
  // parts, reading the previous column's). Pass 2 turns phases into mag * exp(i phase).
  for (Index t = 0; t < frames; ++t) {
    const T* m = magnitude.col(t).data();
    std::complex<T>* o = out.col(t).data();
    for (Index k = 0; k < bins; ++k) o[k] = std::complex<T>(T(0), o[k].imag());
    auto is_peak = [m](Index k) { return m[k] > m[k - 1] && m[k] > m[k + 1]; };
    auto omega = [&](Index k) {
      const double a = m[k - 1], b = m[k], r = m[k + 1];
      const double p = 0.5 * (a - r) / (a - 2 * b + r);
      return T(two_pi * (double(k) + p) / double(stft.n_fft) * hop);
    };
    // torch_specinv assigns all peaks, then all k-1, then all k+1: later writes win.
    for (Index k = 1; k + 1 < bins; ++k)
      if (is_peak(k)) o[k].real(omega(k));
    for (Index k = 1; k + 1 < bins; ++k)
      if (is_peak(k)) o[k - 1].real(omega(k));
    for (Index k = 1; k + 1 < bins; ++k)
      if (is_peak(k)) o[k + 1].real(omega(k));
    const std::complex<T>* previous = t > 0 ? out.col(t - 1).data() : nullptr;
    for (Index k = 0; k < bins; ++k) {
      const T running = (previous ? previous[k].imag() : T(0)) + o[k].real();
      // In float the running sum of long clips reaches 1e4 rad and more, where a float step is
      // 1e-3 rad: keep it in [-pi, pi] (double keeps torch's plain sum, which it matches to 1e-12).
      if constexpr (std::is_same_v<T, float>)
        o[k].imag(T(std::remainder(double(running), two_pi)));
      else
        o[k].imag(running);
    }
  }
  for (Index t = 0; t < frames; ++t) {
    for (Index k = 0; k < bins; ++k) {
      const T phase = out(k, t).imag();
      out(k, t) = magnitude(k, t) * std::complex<T>(std::cos(phase), std::sin(phase));
    }
  }
}

/// \brief Single-pass phase estimate (torch_specinv.phase_init).
/// \param[in] magnitude shape (n_fft / 2 + 1, frames) \returns shape (n_fft / 2 + 1, frames)
/// \throws specinv::invalid_argument as the caller-storage form
template <class T>
Spectrogram<T> phase_init(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft) {
  Spectrogram<T> out(magnitude.rows(), magnitude.cols());
  phase_init<T>(magnitude, stft, out);
  return out;
}

/// \brief phase_init of any real Eigen matrix expression; the scalar type is deduced.
template <class Derived, std::enable_if_t<std::is_base_of_v<Eigen::MatrixBase<Derived>, Derived> &&
                                              detail::is_real_scalar_v<typename Derived::Scalar>,
                                          int> = 0>
Spectrogram<typename Derived::Scalar> phase_init(const Eigen::MatrixBase<Derived>& magnitude,
                                                 const StftParams& stft) {
  using T = typename Derived::Scalar;
  return phase_init<T>(Eigen::Ref<const Magnitude<T>>(magnitude.derived()), stft);
}

namespace detail {

/// \brief Uniform phases in [0, 2 pi) from a seeded std::mt19937_64, mapped with our own
/// 53-bit conversion so that every standard library gives the same numbers.
template <class T>
void random_phase(const Eigen::Ref<const Magnitude<T>>& magnitude, std::uint64_t seed,
                  Eigen::Ref<Spectrogram<T>> out) noexcept {
  std::mt19937_64 rng(seed);
  const double scale = 2.0 * detail::pi / 9007199254740992.0;  // 2 pi / 2^53
  for (Index t = 0; t < magnitude.cols(); ++t) {
    for (Index k = 0; k < magnitude.rows(); ++k) {
      const double phase = double(rng() >> 11) * scale;
      out(k, t) = magnitude(k, t) * std::complex<T>(T(std::cos(phase)), T(std::sin(phase)));
    }
  }
}

/// \brief The starting spectrogram of `init` for a target magnitude (not Init::given, which the
/// algorithms take as an argument). Allocation-free, except Init::pghi, whose heap integration
/// allocates its workspace. The magnitude must already be checked.
/// \throws specinv::invalid_argument for Init::given (it needs the initial spectrogram)
template <class T>
void initial_spectrogram(const char* where, Init init, std::uint64_t seed,
                         const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                         Eigen::Ref<Spectrogram<T>> out) {
  switch (init) {
    case Init::zero_phase: out = magnitude.template cast<std::complex<T>>(); return;
    case Init::random: random_phase<T>(magnitude, seed, out); return;
    case Init::phase_init: phase_init<T>(magnitude, stft, out); return;
    case Init::pghi: {
      // lambda from the window, and the start's tolerance (see pghi_start_tolerance).
      PghiIntegrator integrator(stft, pghi_start_tolerance, window_tf_ratio(where, stft, 0.0), seed);
      integrator.estimate<T>(magnitude, out);
      return;
    }
    case Init::given: break;
  }
  throw_invalid(where, "init", to_string(init),
                "zero_phase, random, phase_init or pghi here; Init::given needs the overload that takes "
                "the initial complex spectrogram");
}

}  // namespace detail
}  // namespace specinv
