// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The pieces every phase-recovery algorithm's run shares: metric sums over complex
/// frames, the projection onto a target magnitude, the checked start and output length, and the
/// bodies of the by-value and batched free functions.

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "check.hpp"
#include "thread_pool.hpp"
#include "math.hpp"
#include "../core/types.hpp"
#include "../phase/common.hpp"
#include "../phase/init.hpp"
#include "../stft/frames.hpp"

namespace specinv::detail {

/// \brief Metric sums of |s| against `target` over n bins, with |z| as sqrt(re^2 + im^2) (no
/// hypot: this runs inside iteration loops). Computed and accumulated in double, in chunks of 64
/// bins whose squares, square roots and sums vectorise (Eigen's packet sqrt; std::sqrt in a loop
/// keeps GCC on the scalar errno path).
template <class T>
MagnitudeSums magnitude_sums(const std::complex<T>* s, const T* target, Index n) noexcept {
  constexpr Index chunk = 64;
  using Array = Eigen::Array<double, chunk, 1>;
  const T* v = reinterpret_cast<const T*>(s);
  double error2 = 0, estimate2 = 0, target2 = 0;
  Array e2, t;
  for (Index i0 = 0; i0 < n; i0 += chunk) {
    const Index m = std::min(chunk, n - i0);
    for (Index i = 0; i < m; ++i) {
      const double re = v[2 * (i0 + i)], im = v[2 * (i0 + i) + 1];
      e2[i] = re * re + im * im;
      t[i] = target[i0 + i];
    }
    const auto e2m = e2.head(m);
    const auto tm = t.head(m);
    error2 += (e2m.sqrt() - tm).square().sum();
    estimate2 += e2m.sum();
    target2 += tm.square().sum();
  }
  MagnitudeSums out;
  out.error2 = error2;
  out.estimate2 = estimate2;
  out.target2 = target2;
  out.count = n;
  return out;
}

/// \brief The projection of one bin z = (re, im) onto the magnitude m, m z / (|z| + 1e-16),
/// computed so that nothing overflows or underflows on the way: the direction z / (|z| + 1e-16)
/// first, with |z| in double (std::hypot for double), then times m. For the bins whose plain
/// formula overflows (|z|^2 or m / |z| beyond T's range); the result is within an ulp or two of it.
template <class T>
void project_bin_scaled(T& re, T& im, T m) noexcept {
  const double r = double(re), i = double(im);
  const double u = 1.0 / ((std::is_same_v<T, float> ? std::sqrt(r * r + i * i) : std::hypot(r, i)) + 1e-16);
  re = T(r * u) * m;
  im = T(i * u) * m;
}

/// \brief In place over n bins: norm2[i] (the squared modulus of bin i of the interleaved
/// spectrum z) becomes the factor that puts the bin on the target magnitude, mag[i] /
/// (sqrt(norm2[i]) + 1e-16): the caller then multiplies z by it. Eigen's packet sqrt vectorises
/// where std::sqrt in a loop does not (GCC keeps the errno path without -fno-math-errno).
///
/// In float, when every norm2 of the frame is at least 1e-16 (|z| >= 1e-8, where the 1e-16 is
/// below half an ulp of |z|) and finite, the factor is mag * rsqrt(norm2): the SIMD reciprocal
/// square root refined by a Newton step (Eigen's fast path), within about an ulp of the exact
/// quotient and with no division; both bounds are checked in the one pass that the lower one
/// alone used to take. The factor is then at most mag * 1e8, finite for the targets
/// check_magnitude admits (<= 1e30). Otherwise the exact expression; a frame where that
/// overflows too (a |z|^2 beyond float's range, which the analysis of a 1e30 target reaches, or
/// a huge target over a tiny bin) takes a per-frame fallback: z itself is replaced by its
/// direction and norm2 by the magnitude (project_bin_scaled), so that the caller's multiply
/// gives the same projection without overflow.
///
/// In double, always the exact expression, unchecked: for the targets check_magnitude admits
/// (<= 1e100) |z|^2 and the factor (<= mag * 1e16) stay far inside double's range.
template <class T>
void magnitude_scale(const T* mag, T* norm2, T* z, Index n) noexcept {
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<Array> v(norm2, n);
  const Eigen::Map<const Array> m(mag, n);
  if constexpr (std::is_same_v<T, float>) {
    constexpr float largest = std::numeric_limits<float>::max();
    // min(n2, largest - n2) >= 1e-16: every n2 in [1e-16, largest - 1e-16] (an Inf gives -Inf).
    if (v.min(largest - v).minCoeff() >= 1e-16f) {
      v = m * v.rsqrt();
      return;
    }
    if (v.maxCoeff() <= largest) {
      v = m / (v.sqrt() + 1e-16f);
      if (v.maxCoeff() <= largest) return;
    }
    for (Index i = 0; i < n; ++i) {
      project_bin_scaled(z[2 * i], z[2 * i + 1], 1.0f);
      norm2[i] = mag[i];
    }
  } else {
    static_cast<void>(z);
    v = m / (v.sqrt() + T(1e-16));
  }
}

/// \brief One bin put on the magnitude m with the exact expression, m z / (|z| + 1e-16), or by
/// project_bin_scaled where |z|^2 or the factor overflows.
template <class T>
void project_bin(T& re, T& im, T m) noexcept {
  const T n2 = re * re + im * im;
  const T factor = m / (std::sqrt(n2) + T(1e-16));
  if (n2 <= std::numeric_limits<T>::max() && factor <= std::numeric_limits<T>::max()) {
    re *= factor;
    im *= factor;
  } else {
    project_bin_scaled(re, im, m);
  }
}

/// \brief The float projection of project_frame in one pass of Eigen packets over the interleaved
/// bins, P / 2 bins per packet of P floats: |z|^2 is the squares plus their re/im swap
/// (pcplxflip), the magnitudes are loaded duplicated (ploaddup), and where every |z|^2 of the
/// packet lies in [1e-16, FLT_MAX] the factor is mag * rsqrt(|z|^2), Eigen's packet reciprocal
/// square root with a Newton step (the 1e-16 is then below half an ulp of |z|; the factor is at
/// most mag * 1e8, finite for the targets check_magnitude admits). A packet with a bin outside
/// that range (digital silence) takes the exact expression, still in packets, and one where
/// that overflows takes project_bin bin by bin. \returns the bins done (a multiple of P / 2);
/// the caller does the rest.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"  // __m256 as a template argument, as in Eigen
#endif
template <class Packet>
Index project_packets(float* s, const float* mag, Index n) noexcept {
  namespace ei = Eigen::internal;
  using ComplexPacket = typename ei::packet_traits<std::complex<float>>::type;
  constexpr Index bins = ei::unpacket_traits<Packet>::size / 2;
  static_assert(ei::unpacket_traits<ComplexPacket>::size == bins, "specinv: complex and real packets disagree");
  const Packet low = ei::pset1<Packet>(1e-16f), high = ei::pset1<Packet>(std::numeric_limits<float>::max());
  Index i = 0;
  for (; i + bins <= n; i += bins) {
    const Packet z = ei::ploadu<Packet>(s + 2 * i);
    const Packet squares = ei::pmul(z, z);
    const Packet n2 = ei::padd(squares, ei::pcplxflip(ComplexPacket(squares)).v);
    const Packet m = ei::ploaddup<Packet>(mag + i);
    if (!ei::predux_any(ei::por(ei::pcmp_lt_or_nan(n2, low), ei::pcmp_lt(high, n2)))) {
      ei::pstoreu(s + 2 * i, ei::pmul(z, ei::pmul(m, ei::prsqrt(n2))));
      continue;
    }
    const Packet factor = ei::pdiv(m, ei::padd(ei::psqrt(n2), low));  // the exact expression
    if (!ei::predux_any(ei::por(ei::pcmp_lt(high, n2), ei::pcmp_lt(high, factor)))) {
      ei::pstoreu(s + 2 * i, ei::pmul(z, factor));
      continue;
    }
    for (Index b = i; b < i + bins; ++b) project_bin(s[2 * b], s[2 * b + 1], mag[b]);
  }
  return i;
}

/// \brief The projection of one frame onto the target magnitude, in place: s = |S| s / (|s| +
/// 1e-16) (FGLA's inertia is applied before the analysis, see detail::fused_iterations). n2: n
/// values of scratch. Float, where Eigen vectorises: one pass of packets (project_packets).
/// Otherwise three loops that vectorise: |s|^2, the factor (magnitude_scale), s times it.
template <class T>
void project_frame(std::complex<T>* spectrum, const T* mag, Index n, T* n2) noexcept {
  T* s = reinterpret_cast<T*>(spectrum);
  if constexpr (std::is_same_v<T, float>) {
    using Packet = typename Eigen::internal::packet_traits<T>::type;
    if constexpr (Eigen::internal::packet_traits<T>::Vectorizable &&
                  Eigen::internal::unpacket_traits<Packet>::size >= 4) {
      static_cast<void>(n2);
      for (Index i = project_packets<Packet>(s, mag, n); i < n; ++i) project_bin(s[2 * i], s[2 * i + 1], mag[i]);
      return;
    }
  }
  for (Index i = 0; i < n; ++i) n2[i] = s[2 * i] * s[2 * i] + s[2 * i + 1] * s[2 * i + 1];
  magnitude_scale<T>(mag, n2, s, n);
  for (Index i = 0; i < n; ++i) {
    s[2 * i] *= n2[i];
    s[2 * i + 1] *= n2[i];
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// Metric sums of a whole spectrogram (bins, frames) against the target magnitude.
template <class T>
MagnitudeSums spectrogram_sums(const Spectrogram<T>& s, const Eigen::Ref<const Magnitude<T>>& target) noexcept {
  MagnitudeSums sums;
  for (Index t = 0; t < s.cols(); ++t) sums += magnitude_sums(s.col(t).data(), target.col(t).data(), s.rows());
  return sums;
}

/// \brief `s` put on the target modulus in place: s = mag * s / (|s| + 1e-16), column by column
/// (a bin whose |s|^2 or factor overflows T is projected by project_bin_scaled).
template <class T>
void project_on_magnitude(Spectrogram<T>& s, const Eigen::Ref<const Magnitude<T>>& mag) noexcept {
  const T eps = T(1e-16);
  for (Index t = 0; t < s.cols(); ++t) {
    T* v = reinterpret_cast<T*>(s.col(t).data());
    const T* m = mag.col(t).data();
    for (Index i = 0; i < s.rows(); ++i) {
      const T re = v[2 * i], im = v[2 * i + 1];
      const T scale = m[i] / (std::sqrt(re * re + im * im) + eps);
      if (scale <= std::numeric_limits<T>::max() && (scale > T(0) || m[i] == T(0))) {
        v[2 * i] = re * scale;
        v[2 * i + 1] = im * scale;
      } else {  // |s|^2 overflowed (scale 0 for a non-zero m) or the factor did
        project_bin_scaled(v[2 * i], v[2 * i + 1], m[i]);
      }
    }
  }
}

/// \brief Checks a given initial spectrogram against the target: same shape, finite values.
/// \throws specinv::invalid_argument naming `initial`
template <class T>
void check_initial(const char* where, const Eigen::Ref<const Magnitude<T>>& mag,
                   const Eigen::Ref<const Spectrogram<T>>& initial) {
  require(initial.rows() == mag.rows() && initial.cols() == mag.cols(), where, "initial.size()", initial.size(),
          "the magnitude's shape (n_fft / 2 + 1, frames)");
  bool finite = true;
  for (Index t = 0; t < initial.cols() && finite; ++t)
    finite = all_finite(reinterpret_cast<const T*>(initial.col(t).data()), 2 * initial.rows());
  require(finite, where, "initial", "values with NaN or Inf", "finite values");
}

/// \brief The start S_0 of an iterative run into `out` (already sized): the magnitude for
/// Init::zero_phase, otherwise the start of `options.init` (or `initial` when given) projected
/// onto the target magnitude. Allocation-free.
/// \throws specinv::invalid_argument for Init::given without `initial`
template <class T>
void projected_start(const char* where, const IterationOptions& options, const Eigen::Ref<const Magnitude<T>>& mag,
                     const StftParams& stft, const Eigen::Ref<const Spectrogram<T>>* initial, Spectrogram<T>& out) {
  if (initial) {
    out = *initial;
  } else if (options.init == Init::zero_phase) {
    out = mag.template cast<std::complex<T>>();
    return;  // already on the magnitude, exactly
  } else {
    initial_spectrogram<T>(where, options.init, options.seed, mag, stft, out);
  }
  project_on_magnitude(out, mag);
}

/// \brief Checks the target (and `out`'s size) of a run and returns the output length.
/// \throws specinv::invalid_argument naming the offending argument
template <class T>
Index checked_run_length(const char* where, const StftParams& stft, const IterationOptions& options,
                         const Eigen::Ref<const Magnitude<T>>& mag, Index out_size) {
  check_magnitude<T>(where, mag, stft);
  const Index n = reconstruction_length(where, stft, mag.cols(), options.length);
  if (!options.length) {  // the iterations analyse the output: it must have the target's frames
    const Index analysed = forward_geometry(stft, n, where).frames;
    if (analysed != mag.cols()) {
      throw_invalid(where, "length", "none",
                    "a length whose STFT has the target's " + std::to_string(mag.cols()) +
                        " frames: the default output length has " + std::to_string(analysed) +
                        " (torchaudio's pad keeps its samples in the output); give `length`");
    }
  }
  require(out_size == n, where, "out.size()", out_size, "output_length(frames)");
  return n;
}

/// True for Eigen matrix expressions of float, double or their std::complex: selects the
/// deducing overloads of the phase-recovery functions.
template <class D, class = void>
inline constexpr bool is_spectrogram_expression_v = false;
template <class D>
inline constexpr bool is_spectrogram_expression_v<D, std::enable_if_t<std::is_base_of_v<Eigen::MatrixBase<D>, D>>> =
    is_real_scalar_v<typename Eigen::NumTraits<typename D::Scalar>::Real> &&
    (std::is_same_v<typename D::Scalar, typename Eigen::NumTraits<typename D::Scalar>::Real> ||
     std::is_same_v<typename D::Scalar, std::complex<typename Eigen::NumTraits<typename D::Scalar>::Real>>);

/// \brief SC in dB of |STFT(out)| against `mag`, analysing into `scratch` (mag's shape): the
/// final figure every algorithm reports.
template <class T, class StftType>
double output_sc_db(StftType& stft, const Eigen::Ref<const Signal<T>>& out, Spectrogram<T>& scratch,
                    const Eigen::Ref<const Magnitude<T>>& mag) {
  stft.forward(out, scratch);
  return sc_db(spectrogram_sums<T>(scratch, mag));
}

/// \brief The body of the by-value free functions: sizes the output, runs, collects the history.
/// `initial` is a pointer to the start (Init::given) or null; a literal `nullptr` also serves
/// algorithms that take no start (pghi, rtpghi).
template <class T, class Algorithm, class Options, class Initial>
Reconstruction<T> reconstruct(Algorithm& algorithm, const char* where, const StftParams& stft,
                              const Options& options, const Eigen::Ref<const Magnitude<T>>& mag, Initial initial) {
  check_magnitude<T>(where, mag, stft);  // before the length, which needs frames >= 1
  Reconstruction<T> r;
  r.signal.resize(reconstruction_length(where, stft, mag.cols(), options.length));
  IterationReport report;
  if constexpr (std::is_same_v<Initial, std::nullptr_t>)
    report = algorithm.run(mag, r.signal);
  else
    report = initial ? algorithm.run(mag, *initial, r.signal) : algorithm.run(mag, r.signal);
  r.iterations = report.iterations;
  r.spectral_convergence_db = report.spectral_convergence_db;
  r.history = algorithm.history();
  return r;
}

/// \brief The options each thread's algorithm object of a batched run gets: `threads` = 1 (the
/// items are the parallel work) and the callback, if any, called under `lock`, so that the
/// caller's callback runs on one worker thread at a time.
template <class Options>
Options batch_thread_options(const Options& options, std::mutex& lock) {
  Options inner = options;
  inner.threads = 1;
  if (options.callback) {
    inner.callback = [&options, &lock](int done, double metric) {
      std::lock_guard<std::mutex> guard(lock);
      return options.callback(done, metric);
    };
  }
  return inner;
}

/// \brief The batched free functions: the items of a (freq, frames, batch) tensor, on
/// `options.threads` threads (see parallel_items), each with an algorithm object made by
/// make(options); with several threads and items, by make(batch_thread_options(options)).
template <class T, class Options, class Make>
std::vector<Reconstruction<T>> reconstruct_batch(Make make, const char* where, const StftParams& stft,
                                                 const Options& options, const MagnitudeBatch<T>& mags) {
  const Index bins = mags.dimension(0), frames = mags.dimension(1), batch = mags.dimension(2);
  const int threads = resolved_threads(options.threads, where);
  std::mutex callback_lock;
  const Options inner = threads > 1 && batch > 1 ? batch_thread_options(options, callback_lock) : options;
  std::vector<Reconstruction<T>> out(std::size_t(std::max<Index>(batch, 0)));
  parallel_items(threads, batch, [&] { return make(inner); }, [&](auto& algorithm, Index b) {
    const Eigen::Map<const Magnitude<T>> item(mags.data() + b * bins * frames, bins, frames);
    out[std::size_t(b)] = reconstruct<T>(algorithm, where, stft, options, item, nullptr);
  });
  return out;
}

}  // namespace specinv::detail
