// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `rtpghi`: Real-Time Phase Gradient Heap Integration (Průša, Søndergaard, DAFx-16), the
/// frame-by-frame form of PGHI with a look-ahead of 0 or 1 frame.
///
/// Each frame n gets its phase once, from frame n - 1's (final) phases and magnitudes and from
/// the magnitudes of frames n - 1, n and, with look-ahead 1, n + 1:
/// - the phase derivatives of phase/pghi.hpp, with the frame difference centred over n - 1 and
///   n + 1 (look-ahead 1; forward over n and n + 1 at the first frame) or backward over n - 1 and
///   n (look-ahead 0; 0 at the first frame);
/// - the heap starts with frame n - 1's coefficients at or above the tolerance; popping one of
///   frame n - 1 gives the same bin of frame n its phase by the time step (trapezoidal rule);
///   popping one of frame n gives its neighbouring bins theirs by the bin step; when the heap
///   runs empty the largest coefficient of frame n not yet reached starts with phase 0;
/// - the tolerance is relative to the larger of frames n - 1 and n (there is no global maximum
///   in a stream): coefficients below it get a random phase, and the log-magnitudes are floored
///   there.
/// The output is the inverse STFT (torch.istft semantics) of the phased frames. Frame n depends
/// only on frames <= n + look_ahead: `detail::RtpghiState` (push a magnitude frame, get a phased
/// frame) is the core that `StreamingReconstructor` (streaming.hpp) runs in real time, and
/// `rtpghi` runs over a whole spectrogram, with identical frames.
///
/// Cost per frame: O(F log F) for F bins (the heap, a sort), 3F logarithms, no FFT; the
/// streaming output adds one inverse real FFT of n_fft per frame.
///
/// Reference: Z. Průša, P. L. Søndergaard, "Real-Time Spectrogram Inversion Using Phase Gradient
/// Heap Integration", Proc. DAFx-16, 2016.

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "pghi.hpp"
#include "../core/types.hpp"
#include "../detail/check.hpp"
#include "../detail/math.hpp"
#include "../detail/phase_run.hpp"
#include "../detail/pghi.hpp"
#include "../fft/backend.hpp"
#include "../stft/params.hpp"
#include "../stft/stft.hpp"

namespace specinv {

/// \brief Options of `rtpghi`: PGHI's, plus the look-ahead.
struct RtpghiParams : PghiParams {
  /// Frames after frame n whose magnitude frame n's phase may use: 1 (default, the frame
  /// derivative is centred, one hop of extra latency) or 0 (backward difference, no look-ahead).
  int look_ahead = 1;

  /// \throws specinv::invalid_argument naming the first invalid field
  void validate() const {
    PghiParams::validate();
    detail::require(look_ahead == 0 || look_ahead == 1, "RtpghiParams", "look_ahead", look_ahead,
                    "look_ahead 0 or 1");
  }
};

namespace detail {

/// \brief RTPGHI's per-frame state: push one magnitude frame, and (after the look-ahead) one
/// frame has its phase. Allocation-free, exception-free after construction.
/// \tparam T float or double (the magnitude and spectrum type; phases are integrated in double)
template <class T>
class RtpghiState {
 public:
  using Complex = std::complex<T>;

  /// \param stft a validated STFT \param tolerance (0, 1) \param lambda > 0 \param look_ahead 0 or 1
  RtpghiState(const StftParams& stft, double tolerance, double lambda, std::uint64_t seed, Index look_ahead)
      : m_geometry(stft.n_fft, resolved_hop(stft), lambda),
        m_bins(stft.n_fft / 2 + 1),
        m_tolerance(tolerance),
        m_seed(seed),
        m_la(look_ahead),
        m_mag(m_bins, 3),
        m_raw_logs(m_bins, 3),
        m_logs(m_bins, 3),
        m_time_previous(m_bins),
        m_time(m_bins),
        m_bin(m_bins),
        m_previous_phase(m_bins),
        m_phase(m_bins),
        m_done(std::size_t(m_bins)),
        m_order(std::size_t(m_bins)),
        m_previous_keys(std::size_t(m_bins)),
        m_scratch_keys(std::size_t(m_bins)),
        m_spectrum(m_bins) {
    m_heap.reserve(std::size_t(m_bins));
    reset();
  }

  /// Back to the state before the first frame (and the random phases to their first value).
  void reset() noexcept {
    m_mag.setZero();
    m_raw_logs.setConstant(-std::numeric_limits<double>::infinity());
    m_previous_phase.setZero();
    m_spectrum.setZero();
    m_has[0] = m_has[1] = m_has[2] = false;
    m_rng.seed(m_seed);
    m_steps = 0;
  }

  Index look_ahead() const noexcept { return m_la; }

  /// \brief Takes the next magnitude frame (`bins` values, caller scale; null: the input has
  /// ended) and phases frame `committed_index()`.
  void push(const T* magnitude) noexcept {
    // Columns: 0 = frame n - 1 (phased), 1 = frame n (to phase), 2 = frame n + 1 (look-ahead 1).
    const Index newest = m_la == 1 ? 2 : 1;
    for (Index c = 0; c < newest; ++c) {
      m_mag.col(c) = m_mag.col(c + 1);
      m_raw_logs.col(c) = m_raw_logs.col(c + 1);
      m_has[c] = m_has[c + 1];
    }
    m_has[newest] = magnitude != nullptr;
    if (magnitude)
      m_mag.col(newest) = Eigen::Map<const Signal<T>>(magnitude, m_bins).template cast<double>();
    else
      m_mag.col(newest).setZero();
    m_raw_logs.col(newest) = m_mag.col(newest).array().log().matrix();  // -inf at 0, floored later
    ++m_steps;
    if (committed_index() >= 0) phase_frame();
  }

  /// The frame phased by the last push (input frames count from 0); negative before any is.
  Index committed_index() const noexcept { return m_steps - 1 - m_la; }
  /// Its spectrum magnitude * exp(i phase), caller scale, `bins` values.
  const Eigen::Matrix<Complex, Eigen::Dynamic, 1>& committed_spectrum() const noexcept { return m_spectrum; }

 private:
  void phase_frame() noexcept {
    const bool has_previous = m_has[0] && committed_index() > 0;
    const bool has_next = m_la == 1 && m_has[2];
    const double largest = std::max(has_previous ? m_mag.col(0).maxCoeff() : 0.0, m_mag.col(1).maxCoeff());
    if (!(largest > 0)) {  // silence so far: phase 0
      m_phase.setZero();
      finish();
      return;
    }
    const double floor = m_tolerance * largest, relative = 1.0 / largest;
    const double log_floor = std::log(floor);
    for (Index c = 0; c < 3; ++c) m_logs.col(c) = m_raw_logs.col(c).cwiseMax(log_floor);
    m_geometry.time_steps(m_logs.col(1).data(), m_time.data());
    m_geometry.bin_steps(has_previous ? m_logs.col(0).data() : nullptr, m_logs.col(1).data(),
                         has_next ? m_logs.col(2).data() : nullptr, m_bin.data());

    const double* mag = m_mag.col(1).data();
    const double* previous_mag = m_mag.col(0).data();
    m_heap.clear();
    // Frame n - 1's coefficients never gain entries: a sorted list, merged with the heap of
    // frame n's, pops them in the same order as one heap of both would, at a fraction of the cost.
    Index previous_count = 0;
    if (has_previous) {
      m_geometry.time_steps(m_logs.col(0).data(), m_time_previous.data());
      for (Index k = 0; k < m_bins; ++k)
        if (previous_mag[k] >= floor) m_previous_keys[std::size_t(previous_count++)] = PghiHeap::key(previous_mag[k] * relative, k);
      sort_keys_descending(m_previous_keys.data(), m_scratch_keys.data(), previous_count);
    }
    Index previous_next = 0;
    for (Index k = 0; k < m_bins; ++k) {
      m_done[std::size_t(k)] = mag[k] < floor;
      if (mag[k] < floor) m_phase[k] = uniform_phase(m_rng);
    }

    auto reach = [&](Index k, double value) {
      m_phase[k] = value;
      m_done[std::size_t(k)] = 1;
      m_heap.push(mag[k] * relative, m_bins + k);  // index bins + k: frame n
    };
    Index candidates = -1, next_start = 0;  // islands, largest first; sorted only when needed
    while (true) {
      while (true) {
        const bool from_previous = previous_next < previous_count &&
                                   (m_heap.empty() || m_previous_keys[std::size_t(previous_next)] > m_heap.top());
        if (from_previous) {  // frame n - 1: the same bin of frame n, by the time step
          const Index i = PghiHeap::index(m_previous_keys[std::size_t(previous_next++)]);
          if (!m_done[std::size_t(i)]) reach(i, m_previous_phase[i] + 0.5 * (m_time_previous[i] + m_time[i]));
          continue;
        }
        if (m_heap.empty()) break;
        const Index k = m_heap.pop() - m_bins;
        if (k + 1 < m_bins && !m_done[std::size_t(k + 1)]) reach(k + 1, m_phase[k] + 0.5 * (m_bin[k] + m_bin[k + 1]));
        if (k > 0 && !m_done[std::size_t(k - 1)]) reach(k - 1, m_phase[k] - 0.5 * (m_bin[k] + m_bin[k - 1]));
      }
      if (candidates < 0) {  // the heap ran dry with bins left: order them once
        candidates = 0;
        for (Index k = 0; k < m_bins; ++k)
          if (!m_done[std::size_t(k)]) m_order[std::size_t(candidates++)] = k;
        std::sort(m_order.begin(), m_order.begin() + candidates,
                  [mag](Index a, Index b) { return mag[a] > mag[b] || (mag[a] == mag[b] && a < b); });
      }
      while (next_start < candidates && m_done[std::size_t(m_order[std::size_t(next_start)])]) ++next_start;
      if (next_start == candidates) break;
      reach(m_order[std::size_t(next_start)], 0.0);  // a new island
    }
    finish();
  }

  void finish() noexcept {
    for (Index k = 0; k < m_bins; ++k) {
      const double phase = wrapped(m_phase[k]);
      m_previous_phase[k] = phase;
      m_spectrum[k] = polar<T>(T(m_mag(k, 1)), phase);
    }
  }

  PghiGeometry m_geometry;
  Index m_bins;
  double m_tolerance;
  std::uint64_t m_seed;
  Index m_la;
  Eigen::MatrixXd m_mag, m_raw_logs, m_logs;  // (bins, 3): frames n - 1, n, n + 1; log m; floored
  bool m_has[3] = {false, false, false};
  Eigen::VectorXd m_time_previous, m_time, m_bin, m_previous_phase, m_phase;  // (bins)
  std::vector<unsigned char> m_done;
  std::vector<Index> m_order;
  std::vector<std::uint64_t> m_previous_keys, m_scratch_keys;  // frame n - 1's entries, largest first
  PghiHeap m_heap;
  std::mt19937_64 m_rng;
  Eigen::Matrix<Complex, Eigen::Dynamic, 1> m_spectrum;
  Index m_steps = 0;
};

}  // namespace detail

/// \brief RTPGHI over a whole spectrogram, owning its state and inverse STFT. `run` allocates
/// nothing once it has seen the frame count. One object serves one thread at a time.
/// \tparam T float or double \tparam Backend the FFT backend of the inverse STFT
template <class T, class Backend = fft::default_backend<T>>
class Rtpghi {
 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \throws specinv::invalid_argument for invalid STFT or RTPGHI parameters
  explicit Rtpghi(StftParams stft, RtpghiParams params = {})
      : m_params(validated(std::move(params))),
        m_stft(std::move(stft)),
        m_lambda(detail::window_tf_ratio(where, m_stft.params(), m_params.gamma)),
        m_state(m_stft.params(), m_params.tolerance, m_lambda, m_params.seed, m_params.look_ahead) {}

  const RtpghiParams& params() const noexcept { return m_params; }
  const StftParams& stft_params() const noexcept { return m_stft.params(); }
  /// \f$\lambda\f$ in samples squared.
  double tf_ratio() const noexcept { return m_lambda; }

  /// Samples `run` returns for `frames` frames. \throws specinv::invalid_argument as `run`
  Index output_length(Index frames) const {
    return detail::reconstruction_length(where, m_stft.params(), frames, m_params.length);
  }

  /// \brief RTPGHI into `out` (size `output_length(frames)`).
  /// \returns iterations 0 and the SC of |STFT(out)| against the target
  /// \throws specinv::invalid_argument for a bad magnitude, `out` size or `length`
  IterationReport run(const Eigen::Ref<const Magnitude<T>>& magnitude, Eigen::Ref<Signal<T>> out) {
    detail::check_magnitude<T>(where, magnitude, m_stft.params());
    const Index frames = magnitude.cols();
    detail::require(out.size() == output_length(frames), where, "out.size()", out.size(), "output_length(frames)");
    if (m_spec.rows() != magnitude.rows() || m_spec.cols() != frames) m_spec.resize(magnitude.rows(), frames);
    m_state.reset();
    for (Index i = 0; i < frames + m_params.look_ahead; ++i) {
      m_state.push(i < frames ? magnitude.col(i).data() : nullptr);
      const Index t = m_state.committed_index();
      if (t >= 0) m_spec.col(t) = m_state.committed_spectrum();
    }
    m_stft.inverse(m_spec, out, m_params.length);
    IterationReport report;
    report.spectral_convergence_db = detail::output_sc_db<T>(m_stft, out, m_spec, magnitude);
    return report;
  }

  /// No iterations, no history (for the shared free-function body).
  const std::vector<double>& history() const noexcept { return m_history; }

 private:
  static constexpr const char* where = "rtpghi";

  static RtpghiParams validated(RtpghiParams p) {
    p.validate();
    return p;
  }

  RtpghiParams m_params;
  Stft<T, Backend> m_stft;
  double m_lambda;
  detail::RtpghiState<T> m_state;
  Spectrogram<T> m_spec;  // the phased frames, then the analysis of the output
  std::vector<double> m_history;  // always empty
};

/// \brief Signal from a magnitude spectrogram by RTPGHI (causal, frame by frame; see the file
/// comment). \returns the signal, iterations 0, its SC and an empty history
/// \throws specinv::invalid_argument for invalid parameters or input
template <class T, class Backend = fft::default_backend<T>>
Reconstruction<T> rtpghi(const Eigen::Ref<const Magnitude<T>>& magnitude, const StftParams& stft,
                         const RtpghiParams& params = {}) {
  Rtpghi<T, Backend> algo(stft, params);
  return detail::reconstruct<T>(algo, "rtpghi", stft, params, magnitude, nullptr);
}

/// \brief rtpghi of any real Eigen matrix expression; the scalar type is deduced.
template <class Derived, std::enable_if_t<std::is_base_of_v<Eigen::MatrixBase<Derived>, Derived> &&
                                              detail::is_real_scalar_v<typename Derived::Scalar>,
                                          int> = 0>
Reconstruction<typename Derived::Scalar> rtpghi(const Eigen::MatrixBase<Derived>& magnitude, const StftParams& stft,
                                                const RtpghiParams& params = {}) {
  using T = typename Derived::Scalar;
  return rtpghi<T>(Eigen::Ref<const Magnitude<T>>(magnitude.derived()), stft, params);
}

}  // namespace specinv
