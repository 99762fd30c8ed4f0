// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief What PGHI and RTPGHI share: the window's time-frequency ratio, the phase derivatives
/// from the log-magnitude, and the max-heap of the integration.
///
/// Derivation (the conventions are torch.stft's). For the Gaussian \f$g(t) = e^{-\pi t^2/\lambda}\f$
/// and \f$V(x, \omega) = \int f(t)\, g(t - x)\, e^{-2\pi i \omega (t - x)} dt\f$,
/// \f$V(x, \omega) = e^{-\pi\lambda\omega^2} F(x - i\lambda\omega)\f$ with F analytic, so the
/// Cauchy-Riemann equations of \f$\log F\f$ give, with \f$s = |V|\f$, \f$\phi = \arg V\f$:
/// \f[ \partial_x \phi = \tfrac{1}{\lambda}\, \partial_\omega \log s + 2\pi\omega, \qquad
///     \partial_\omega \phi = -\lambda\, \partial_x \log s. \f]
/// torch's frame m (window centred at sample m a + M/2, phase relative to the frame start) is
/// \f$X[k, m] = (-1)^k\, V(m a + M/2, k / M)\f$, so per hop a and per bin, with L = log s and
/// centred differences over bins (\f$\Delta_k\f$, per bin) and frames (\f$\Delta_m\f$, per frame):
/// \f[ \text{time step: } a\Big(\tfrac{M}{\lambda} \Delta_k L + \tfrac{2\pi k}{M}\Big), \qquad
///     \text{bin step: } -\tfrac{\lambda}{M a} \Delta_m L + \pi. \f]
/// Both are integrated with the trapezoidal rule between neighbours. The onesided spectrum is
/// mirrored at DC and at n_fft / 2 (so \f$\Delta_k L = 0\f$ at DC, and at Nyquist for even n_fft).

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <Eigen/Core>

#include "../core/types.hpp"
#include "../core/window.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"
#include "check.hpp"
#include "math.hpp"

namespace specinv::detail {

/// PGHI's default relative tolerance (-100 dB), the paper's.
inline constexpr double pghi_default_tolerance = 1e-5;
/// The tolerance of `Init::pghi` (-40 dB): as the start of an iteration, coefficients 40 dB below
/// the largest do better with random phases, which the iterations correct, than with phases
/// integrated through the noise floor, which can hold FGLA in a worse optimum (on the corpus,
/// FGLA-100 from PGHI at 1e-5 ends 2.7 dB behind zero phase on the drum clip; at 1e-2 it is ahead
/// on every clip, by 1.9 to 18 dB; test_pghi prints the table).
inline constexpr double pghi_start_tolerance = 1e-2;

/// \brief The time-frequency ratio \f$\lambda\f$ (samples squared) of the Gaussian that best
/// matches `window` in least squares, \f$\min_\lambda \sum_n (w_n / \max|w| - e^{-\pi (n - c)^2 / \lambda})^2\f$,
/// c the centroid of w^2. Golden-section search over \f$\lambda / \ell^2 \in [0.01, 4]\f$, \f$\ell\f$ the
/// window's support. Returns 0 for an all-zero window.
inline double fitted_tf_ratio(const Signal<double>& window) {
  Index first = 0, last = window.size() - 1;
  while (first <= last && window[first] == 0.0) ++first;
  while (last >= first && window[last] == 0.0) --last;
  if (first > last) return 0.0;
  const double peak = window.cwiseAbs().maxCoeff();
  double centre = 0.0, energy = 0.0;
  for (Index n = first; n <= last; ++n) {
    centre += double(n) * window[n] * window[n];
    energy += window[n] * window[n];
  }
  centre /= energy;
  const double support = double(last - first + 1);
  auto misfit = [&](double c) {
    const double lambda = c * support * support;
    double e = 0.0;
    for (Index n = 0; n < window.size(); ++n) {
      const double t = double(n) - centre;
      const double d = window[n] / peak - std::exp(-pi * t * t / lambda);
      e += d * d;
    }
    return e;
  };
  const double golden = 0.5 * (std::sqrt(5.0) - 1.0);
  double lo = 0.01, hi = 4.0;
  double a = hi - golden * (hi - lo), b = lo + golden * (hi - lo);
  double fa = misfit(a), fb = misfit(b);
  for (int i = 0; i < 80; ++i) {
    if (fa < fb) {
      hi = b, b = a, fb = fa;
      a = hi - golden * (hi - lo), fa = misfit(a);
    } else {
      lo = a, a = b, fa = fb;
      b = lo + golden * (hi - lo), fb = misfit(b);
    }
  }
  return 0.5 * (lo + hi) * support * support;
}

/// \brief \f$\lambda\f$ of the STFT's window: `gamma` when positive; for the built-in Hann, Hamming
/// and Blackman windows the constants fitted by Průša et al. (0.25645, 0.29794, 0.17954 times
/// win_length squared, as in LTFAT's pghi); for any other window `fitted_tf_ratio`.
/// \throws specinv::invalid_argument naming `custom_window` for an all-zero window, or `gamma` for
/// one so extreme that the phase derivatives' scales overflow
inline double window_tf_ratio(const char* where, const StftParams& stft, double gamma) {
  if (gamma > 0) {
    const double n = double(stft.n_fft), hop = double(resolved_hop(stft));
    const double time_scale = hop * n / gamma, bin_scale = gamma / (n * hop);
    require(std::isfinite(time_scale) && std::isfinite(bin_scale) && time_scale > 0 && bin_scale > 0, where, "gamma",
            gamma, "a time-frequency ratio whose phase-derivative scales hop * n_fft / gamma and "
                   "gamma / (n_fft * hop) are finite and non-zero");
    return gamma;
  }
  const double l = double(stft.win_length > 0 ? stft.win_length : stft.n_fft);
  if (stft.custom_window.size() == 0) {
    switch (stft.window) {
      case WindowKind::hann: return 0.25645 * l * l;
      case WindowKind::hamming: return 0.29794 * l * l;
      case WindowKind::blackman: return 0.17954 * l * l;
      default: break;
    }
  }
  const double lambda = fitted_tf_ratio(padded_window(stft));
  if (!(lambda > 0)) throw_invalid(where, "custom_window", "all zeros", "a window with a non-zero sample");
  return lambda;
}

/// The constants of the phase derivatives for one STFT (see the file comment).
struct PghiGeometry {
  Index n_fft = 0, bins = 0;
  double hop = 0;
  double time_scale = 0;  ///< a M / lambda: multiplies the per-bin difference of L
  double bin_scale = 0;   ///< lambda / (M a): multiplies the per-frame difference of L
  double omega = 0;       ///< 2 pi a / M: times k, the time step of a stationary bin

  PghiGeometry() = default;
  PghiGeometry(Index n, Index h, double lambda)
      : n_fft(n), bins(n / 2 + 1), hop(double(h)), time_scale(double(h) * double(n) / lambda),
        bin_scale(lambda / (double(n) * double(h))), omega(2.0 * pi * double(h) / double(n)) {}

  /// Phase advance per hop at every bin of a frame, from its log-magnitude `logs`.
  template <class L>
  void time_steps(const L* logs, double* out) const noexcept {
    const double half = 0.5 * time_scale;
    for (Index k = 1; k + 1 < bins; ++k) out[k] = half * (double(logs[k + 1]) - double(logs[k - 1])) + omega * double(k);
    for (const Index k : {Index(0), bins - 1}) {  // the mirrored ends (the same bin when bins == 1)
      const double below = double(logs[mirrored(k - 1, k)]), above = double(logs[mirrored(k + 1, k)]);
      out[k] = half * (above - below) + omega * double(k);
    }
  }

  /// Phase advance per bin at every bin of a frame from the log-magnitudes of its neighbours
  /// (`previous`, `next`; either may be null: one-sided difference, or 0 with neither).
  template <class L>
  void bin_steps(const L* previous, const L* current, const L* next, double* out) const noexcept {
    for (Index k = 0; k < bins; ++k) {
      double d = 0.0;
      if (previous && next) d = 0.5 * (double(next[k]) - double(previous[k]));
      else if (next) d = double(next[k]) - double(current[k]);
      else if (previous) d = double(current[k]) - double(previous[k]);
      out[k] = -bin_scale * d + pi;
    }
  }

 private:
  /// Bin j of the onesided spectrum seen from bin k: mirrored at DC and at n_fft / 2.
  Index mirrored(Index j, Index k) const noexcept {
    if (j < 0) j = -j;
    if (j >= bins) j = n_fft - j;
    return j >= 0 && j < bins ? j : k;
  }
};

/// \brief The max-heap of the integration: coefficients by magnitude, largest first (equal
/// magnitudes: larger index first). An entry is one 64-bit key, the magnitude's float bits (which
/// order like the values, magnitudes being >= 0) above the index, so that sifting compares and
/// moves integers: the heap is most of RTPGHI's time. Storage is reserved up front, so pushes
/// within the reservation never allocate.
class PghiHeap {
 public:
  void reserve(std::size_t n) { m_keys.reserve(n); }
  void clear() noexcept { m_keys.clear(); }
  bool empty() const noexcept { return m_keys.empty(); }
  void push(double magnitude, Index index) {
    m_keys.push_back(key(magnitude, index));
    std::push_heap(m_keys.begin(), m_keys.end());
  }
  Index pop() noexcept {
    std::pop_heap(m_keys.begin(), m_keys.end());
    const Index i = index(m_keys.back());
    m_keys.pop_back();
    return i;
  }
  /// The largest entry's key (the heap must not be empty).
  std::uint64_t top() const noexcept { return m_keys.front(); }

  /// The entry's key: entries order as their keys do. Callers pass magnitudes relative to the
  /// largest (in [tolerance, 1]), so that the float bits order any scale of input alike.
  static std::uint64_t key(double magnitude, Index index) noexcept {
    const float m = float(magnitude);
    std::uint32_t bits = 0;
    std::memcpy(&bits, &m, sizeof bits);
    return (std::uint64_t(bits) << 32) | std::uint64_t(std::uint32_t(index));
  }
  static Index index(std::uint64_t key) noexcept { return Index(key & 0xffffffffu); }

 private:
  std::vector<std::uint64_t> m_keys;
};

/// \brief Sorts heap keys (PghiHeap::key) largest first, as std::sort with std::greater would:
/// an LSD radix sort on the 32 magnitude bits (3 stable passes of 11 bits) of keys whose index
/// bits ascend, then reversed. Several times faster than std::sort on a frame's few hundred keys.
/// `scratch` holds n keys.
inline void sort_keys_descending(std::uint64_t* keys, std::uint64_t* scratch, Index n) noexcept {
  constexpr int radix_bits = 11;
  constexpr std::size_t buckets = std::size_t(1) << radix_bits;
  std::uint32_t count[buckets];
  std::uint64_t* from = keys;
  std::uint64_t* to = scratch;
  for (int pass = 0; pass < 3; ++pass) {
    const int shift = 32 + pass * radix_bits;
    std::fill_n(count, buckets, 0u);
    for (Index i = 0; i < n; ++i) ++count[(from[i] >> shift) & (buckets - 1)];
    std::uint32_t sum = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      const std::uint32_t c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (Index i = 0; i < n; ++i) to[count[(from[i] >> shift) & (buckets - 1)]++] = from[i];
    std::swap(from, to);
  }
  // Three passes: the ascending result is in `scratch`; reversed into `keys`.
  for (Index i = 0; i < n; ++i) keys[i] = from[n - 1 - i];
}

/// `phase` moved into [-pi, pi] by whole turns (cheaper than std::remainder, same result up to
/// rounding).
inline double wrapped(double phase) noexcept {
  return phase - (2.0 * pi) * std::nearbyint(phase * (1.0 / (2.0 * pi)));
}

/// `magnitude * exp(i phase)` for a phase in [-pi, pi], with T's own sine and cosine.
template <class T>
std::complex<T> polar(T magnitude, double phase) noexcept {
  const T p = T(phase);
  return std::complex<T>(magnitude * std::cos(p), magnitude * std::sin(p));
}

/// Uniform phase in [0, 2 pi) from a 64-bit generator (53-bit conversion, portable).
template <class Rng>
double uniform_phase(Rng& rng) noexcept {
  return double(rng() >> 11) * (2.0 * pi / 9007199254740992.0);
}

/// \brief PGHI's heap integration over a whole magnitude spectrogram, owning its workspace
/// (allocation-free once it has seen the shape). `Pghi` and `Init::pghi` use it.
class PghiIntegrator {
 public:
  /// \param stft a validated STFT \param tolerance relative threshold (0, 1) \param lambda the
  /// window's time-frequency ratio (> 0) \param seed of the random phases below the threshold
  PghiIntegrator(const StftParams& stft, double tolerance, double lambda, std::uint64_t seed)
      : m_geometry(stft.n_fft, resolved_hop(stft), lambda), m_tolerance(tolerance), m_seed(seed) {}

  /// magnitude * exp(i phase) into `out` (same shape); `magnitude` must already be checked.
  template <class T>
  void estimate(const Eigen::Ref<const Magnitude<T>>& magnitude, Eigen::Ref<Spectrogram<T>> out) {
    integrate<T>(magnitude);
    for (Index t = 0; t < magnitude.cols(); ++t)
      for (Index k = 0; k < magnitude.rows(); ++k) out(k, t) = polar<T>(magnitude(k, t), m_phase(k, t));
  }

 private:
  void reserve(Index bins, Index frames) {
    if (m_phase.rows() == bins && m_phase.cols() == frames) return;
    m_logs.resize(bins, frames);
    m_time.resize(bins, frames);
    m_bin.resize(bins, frames);
    m_phase.resize(bins, frames);
    m_magnitude.resize(bins, frames);
    m_done.assign(std::size_t(bins * frames), 0);
    m_order.resize(std::size_t(bins * frames));
    m_scratch.resize(std::size_t(bins * frames));
    m_heap.reserve(std::size_t(bins * frames));
  }

  template <class T>
  void integrate(const Eigen::Ref<const Magnitude<T>>& mag) {
    const Index bins = mag.rows(), frames = mag.cols(), size = bins * frames;
    require(size <= Index(0xffffffff), "pghi", "magnitude.size()", size, "fewer than 2^32 coefficients");
    reserve(bins, frames);
    m_phase.setZero();
    if (size == 0) return;
    m_magnitude = mag.template cast<double>();
    const double largest = m_magnitude.maxCoeff();
    if (!(largest > 0)) return;  // silence: every phase 0
    const double floor = m_tolerance * largest, relative = 1.0 / largest;
    m_logs = m_magnitude.cwiseMax(floor).array().log().matrix();
    for (Index t = 0; t < frames; ++t) {
      m_geometry.time_steps(m_logs.col(t).data(), m_time.col(t).data());
      m_geometry.bin_steps(t > 0 ? m_logs.col(t - 1).data() : nullptr, m_logs.col(t).data(),
                           t + 1 < frames ? m_logs.col(t + 1).data() : nullptr, m_bin.col(t).data());
    }

    const double* m = m_magnitude.data();
    double* phase = m_phase.data();
    std::mt19937_64 rng(m_seed);
    Index candidates = 0;
    for (Index i = 0; i < size; ++i) {
      m_done[std::size_t(i)] = m[i] < floor;
      if (m[i] < floor)
        phase[i] = uniform_phase(rng);
      else
        m_order[std::size_t(candidates++)] = PghiHeap::key(m[i] * relative, i);
    }
    sort_keys_descending(m_order.data(), m_scratch.data(), candidates);

    const double* time = m_time.data();
    const double* bin = m_bin.data();
    m_heap.clear();
    auto reach = [&](Index to, double value) {
      phase[to] = value;
      m_done[std::size_t(to)] = 1;
      m_heap.push(m[to] * relative, to);
    };
    for (Index c = 0; c < candidates; ++c) {
      const Index start = PghiHeap::index(m_order[std::size_t(c)]);
      if (m_done[std::size_t(start)]) continue;
      reach(start, 0.0);  // a new island
      while (!m_heap.empty()) {
        const Index i = m_heap.pop();
        const Index k = i % bins, t = i / bins;
        if (t + 1 < frames && !m_done[std::size_t(i + bins)])
          reach(i + bins, phase[i] + 0.5 * (time[i] + time[i + bins]));
        if (t > 0 && !m_done[std::size_t(i - bins)])
          reach(i - bins, phase[i] - 0.5 * (time[i] + time[i - bins]));
        if (k + 1 < bins && !m_done[std::size_t(i + 1)]) reach(i + 1, phase[i] + 0.5 * (bin[i] + bin[i + 1]));
        if (k > 0 && !m_done[std::size_t(i - 1)]) reach(i - 1, phase[i] - 0.5 * (bin[i] + bin[i - 1]));
      }
    }
    // Integrated phases grow by about a * omega per frame: wrap them before the float cos/sin.
    for (Index i = 0; i < size; ++i) phase[i] = wrapped(phase[i]);
  }

  PghiGeometry m_geometry;
  double m_tolerance;
  std::uint64_t m_seed;
  Eigen::MatrixXd m_magnitude, m_logs, m_time, m_bin, m_phase;  // (bins, frames) each
  std::vector<unsigned char> m_done;
  std::vector<std::uint64_t> m_order, m_scratch;  // coefficients above the floor, largest first
  PghiHeap m_heap;
};

}  // namespace specinv::detail
