// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Analysis/synthesis windows with exactly the values of `torch.*_window`.
///
/// Every window is evaluated in double with torch's own formula and operation order
/// (`torch.hamming_window`: `alpha - beta * cos(k * (2 pi / (N - 1)))` and so on), then rounded to
/// `T`, so float64 windows agree with torch to the last bit or two. A *periodic* window of length
/// N is the first N points of the symmetric window of length N + 1, the usual choice for spectral
/// analysis; a *symmetric* one is the classic filter-design window. Length 0 gives an empty window,
/// length 1 the single value 1, as in torch.

#include <cmath>
#include <limits>

#include "error.hpp"
#include "types.hpp"
#include "../detail/check.hpp"
#include "../detail/math.hpp"

namespace specinv {

/// \brief The built-in window shapes (`StftParams::window`). Any `Signal<T>` may be used instead
/// through `StftParams::custom_window`.
enum class WindowKind {
  hann,         ///< torch.hann_window
  hamming,      ///< torch.hamming_window (alpha 0.54, beta 0.46)
  blackman,     ///< torch.blackman_window
  bartlett,     ///< torch.bartlett_window (triangular, zero at both ends)
  rectangular,  ///< all ones: torch.stft's window=None
  kaiser,       ///< torch.kaiser_window, shape parameter beta
};

/// Lower-case name of a window kind, as torch spells the function prefix ("hann", "kaiser"...).
inline const char* to_string(WindowKind kind) noexcept {
  switch (kind) {
    case WindowKind::hann: return "hann";
    case WindowKind::hamming: return "hamming";
    case WindowKind::blackman: return "blackman";
    case WindowKind::bartlett: return "bartlett";
    case WindowKind::rectangular: return "rectangular";
    case WindowKind::kaiser: return "kaiser";
  }
  return "unknown";
}

namespace detail {

/// Modified Bessel function of the first kind, order 0, by its power series
/// \f$ I_0(x) = \sum_k ((x/2)^k / k!)^2 \f$. All terms are positive, so the sum is accurate to a
/// few ulp for every x the Kaiser window admits (x <= kaiser_beta_max).
inline double bessel_i0(double x) noexcept {
  const double q = 0.25 * x * x;
  double term = 1.0;
  double sum = 1.0;
  for (int k = 1; term > sum * std::numeric_limits<double>::epsilon(); ++k) {
    term *= q / (double(k) * double(k));
    sum += term;
  }
  return sum;
}

/// Largest Kaiser beta accepted: I0(beta) must stay finite in double.
inline constexpr double kaiser_beta_max = 700.0;

/// Checks a window length and returns the length of the symmetric window to evaluate
/// (n + 1 for periodic windows), or 0 when the window is empty or trivially {1}.
inline Index window_eval_length(const char* where, Index n, bool periodic) {
  require(n >= 0, where, "n", n, "n >= 0");
  return n <= 1 ? 0 : n + (periodic ? 1 : 0);
}

}  // namespace detail

/// Window generators, named as torch names them: `window::hann<float>(1024)` is
/// `torch.hann_window(1024)` (periodic by default, as in torch).
namespace window {

/// \brief Generalised cosine window `alpha - beta cos(2 pi k / (N - 1))`: torch.hamming_window.
/// \tparam T float or double (evaluated in double, then rounded)
/// \param[in] n window length (>= 0)
/// \param[in] periodic true: first n points of the length n + 1 symmetric window
/// \param[in] alpha, beta the coefficients (0.54, 0.46 for Hamming; 0.5, 0.5 for Hann)
/// \returns shape (n)
/// \throws specinv::invalid_argument if n < 0
template <class T>
Signal<T> hamming(Index n, bool periodic = true, double alpha = 0.54, double beta = 0.46) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  const Index m = detail::window_eval_length("window::hamming", n, periodic);
  Signal<T> w = Signal<T>::Ones(n);
  const double step = 2.0 * detail::pi / double(m - 1);
  for (Index k = 0; k < m && k < n; ++k) w[k] = T(alpha - beta * std::cos(double(k) * step));
  return w;
}

/// \brief Hann window `0.5 - 0.5 cos(2 pi k / (N - 1))`: torch.hann_window.
/// \tparam T float or double (evaluated in double, then rounded)
/// \returns shape (n) \throws specinv::invalid_argument if n < 0
template <class T>
Signal<T> hann(Index n, bool periodic = true) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  detail::window_eval_length("window::hann", n, periodic);
  return hamming<T>(n, periodic, 0.5, 0.5);
}

/// \brief Blackman window `0.42 - 0.5 cos(2 pi k/(N-1)) + 0.08 cos(4 pi k/(N-1))`:
/// \tparam T float or double (evaluated in double, then rounded)
/// torch.blackman_window.
/// \returns shape (n) \throws specinv::invalid_argument if n < 0
template <class T>
Signal<T> blackman(Index n, bool periodic = true) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  const Index m = detail::window_eval_length("window::blackman", n, periodic);
  Signal<T> w = Signal<T>::Ones(n);
  const double step = detail::pi / double(m - 1);
  for (Index k = 0; k < m && k < n; ++k) {
    const double a = double(k) * step;
    w[k] = T(0.08 * std::cos(4.0 * a) - 0.5 * std::cos(2.0 * a) + 0.42);
  }
  return w;
}

/// \brief Bartlett (triangular) window, 0 at both ends of the symmetric form:
/// \tparam T float or double (evaluated in double, then rounded)
/// torch.bartlett_window.
/// \returns shape (n) \throws specinv::invalid_argument if n < 0
template <class T>
Signal<T> bartlett(Index n, bool periodic = true) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  const Index m = detail::window_eval_length("window::bartlett", n, periodic);
  Signal<T> w = Signal<T>::Ones(n);
  const double step = 2.0 / double(m - 1);
  const Index first_half = ((m - 1) >> 1) + 1;
  for (Index k = 0; k < m && k < n; ++k) {
    const double a = double(k) * step;
    w[k] = T(k < first_half ? a : 2.0 - a);
  }
  return w;
}

/// \brief All-ones window: torch.stft's `window=None`.
/// \tparam T float or double (evaluated in double, then rounded)
/// \returns shape (n) \throws specinv::invalid_argument if n < 0
template <class T>
Signal<T> rectangular(Index n) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  detail::window_eval_length("window::rectangular", n, false);
  return Signal<T>::Ones(n);
}

/// \brief Kaiser window `I0(beta sqrt(1 - ((k - a) / a)^2)) / I0(beta)`, a = (N - 1) / 2:
/// \tparam T float or double (evaluated in double, then rounded)
/// torch.kaiser_window.
/// \param[in] beta shape parameter, 0 <= beta <= 700 (torch's default is 12)
/// \returns shape (n)
/// \throws specinv::invalid_argument if n < 0 or beta is out of range
template <class T>
Signal<T> kaiser(Index n, double beta = 12.0, bool periodic = true) {
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");
  const Index m = detail::window_eval_length("window::kaiser", n, periodic);
  detail::require(beta >= 0.0 && beta <= detail::kaiser_beta_max, "window::kaiser", "beta", beta,
                  "0 <= beta <= 700 (I0(beta) must be finite)");
  Signal<T> w = Signal<T>::Ones(n);
  const double alpha = double(m - 1) / 2.0;
  const double denom = detail::bessel_i0(beta);
  for (Index k = 0; k < m && k < n; ++k) {
    const double r = (double(k) - alpha) / alpha;
    w[k] = T(detail::bessel_i0(beta * std::sqrt(1.0 - r * r)) / denom);
  }
  return w;
}

/// \brief The window of the given kind.
/// \tparam T float or double (evaluated in double, then rounded)
/// \param[in] beta used by `WindowKind::kaiser` only
/// \returns shape (n)
/// \throws specinv::invalid_argument if n < 0 or beta is out of range
template <class T>
Signal<T> make(WindowKind kind, Index n, bool periodic = true, double beta = 12.0) {
  switch (kind) {
    case WindowKind::hann: return hann<T>(n, periodic);
    case WindowKind::hamming: return hamming<T>(n, periodic);
    case WindowKind::blackman: return blackman<T>(n, periodic);
    case WindowKind::bartlett: return bartlett<T>(n, periodic);
    case WindowKind::rectangular: return rectangular<T>(n);
    case WindowKind::kaiser: return kaiser<T>(n, beta, periodic);
  }
  detail::throw_invalid("window::make", "kind", int(kind), "a WindowKind enumerator");
}

}  // namespace window
}  // namespace specinv
