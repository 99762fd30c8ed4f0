// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `FusedStft`: one pass of STFT, a per-frame update and inverse STFT over a signal, with
/// each frame touched once while it is in cache, split across threads. The engine of the
/// whole-signal iterative algorithms (Griffin-Lim / FGLA, ADMM).
///
/// A pass analyses signal x (the `Stft`'s forward: padding, window, r2c), hands each frame's
/// spectrum to the algorithm's update (which turns it, in place, into the spectrum to
/// synthesise and keeps whatever per-frame state it needs), and overlap-adds the inverse
/// (c2r, synthesis window, envelope division) into signal y. No spectrogram of the signal is
/// ever stored: the spectra live in the FFT buffers of a block of frames.
///
/// Frames are grouped in fixed tiles of F consecutive frames (F >= (n_fft - hop) / hop, so that
/// only neighbouring tiles overlap), and tiles are the tasks the thread pool hands out. A tile
/// overlap-adds its frames into its own accumulator; the part no other tile touches is divided by
/// the envelope and written to y at once, its first and last n_fft - hop samples are kept aside,
/// and whichever of two neighbouring tiles finishes second adds the pair and writes them. Every
/// output sample is therefore the same sum in the same order whatever the thread count and
/// whichever thread ran which tile, and so is every metric (per-tile sums added in tile order):
/// results are bit-identical for any `threads`.

#include <algorithm>
#include <atomic>
#include <complex>
#include <memory>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "aligned.hpp"
#include "ola.hpp"
#include "phase_run.hpp"
#include "thread_pool.hpp"
#include "../core/types.hpp"
#include "../phase/common.hpp"
#include "../stft/frames.hpp"
#include "../stft/stft.hpp"

namespace specinv::detail {

template <class T, class Backend>
class FusedStft {
 public:
  using Complex = std::complex<T>;

  /// \brief Plans the STFT and one FFT workspace per thread, and starts the threads.
  /// \param threads >= 1 (see resolved_threads)
  /// \throws specinv::invalid_argument for invalid STFT parameters
  FusedStft(StftParams params, int threads)
      : m_stft(std::move(params)),
        m_n(m_stft.n_fft()),
        m_hop(m_stft.hop_length()),
        m_overlap(m_n - std::min(m_hop, m_n)),
        m_tile(std::max<Index>(32, (m_overlap + m_hop - 1) / m_hop)),
        m_pool(std::max(1, threads)) {
    m_workers.reserve(std::size_t(m_pool.size()));
    for (int w = 0; w < m_pool.size(); ++w)
      m_workers.emplace_back(m_n, block_frames(m_n, sizeof(T)), (m_tile - 1) * m_hop + m_n);
  }

  /// The STFT (for the passes that are not fused: the start, metrics).
  Stft<T, Backend>& stft() noexcept { return m_stft; }
  const StftParams& params() const noexcept { return m_stft.params(); }
  /// Threads the passes run on.
  int threads() const noexcept { return m_pool.size(); }

  /// \brief Sets up passes over `frames` frames whose signals have `samples` samples: the
  /// forward and inverse geometry, the NOLA check, the tile buffers (allocating only when the
  /// tile count grows).
  /// \throws specinv::invalid_argument for a hop longer than the window or a window/hop that
  ///         fails NOLA on the output (as Stft::inverse)
  void prepare(const char* where, Index frames, Index samples, std::optional<Index> length) {
    if (m_hop > m_stft.win_length()) {
      throw_invalid(where, "hop_length", m_hop,
                    "hop_length <= win_length = " + std::to_string(m_stft.win_length()) + " for the inverse");
    }
    m_forward = forward_geometry(m_stft.params(), samples, where);
    m_inverse = inverse_geometry(m_stft.params(), frames, length, where);
    m_stft.check_nola(where, m_inverse);
    m_frames = frames;
    m_tiles = (frames + m_tile - 1) / m_tile;
    if (Index(m_sums.size()) < m_tiles) {
      m_sums.resize(std::size_t(m_tiles));
      m_joins = std::make_unique<std::atomic<int>[]>(std::size_t(m_tiles));
      m_heads = AlignedArray<T>(m_tiles * m_overlap);
      m_tails = AlignedArray<T>(m_tiles * m_overlap);
    }
  }

  /// \brief One fused iteration: analyses x, calls update(t, spectrum, scratch) for every frame t
  /// (spectrum: its n_fft / 2 + 1 bins, to be overwritten with the spectrum to synthesise;
  /// scratch: n_fft / 2 + 1 values of per-thread workspace), synthesises into y. With `measure`,
  /// returns the metric sums of the analysed spectra against `mag` (taken before the update).
  /// y's samples past the frames' reach are left untouched. \pre prepare() for these sizes
  template <class Update>
  MagnitudeSums iterate(const T* x, T* y, const Eigen::Ref<const Magnitude<T>>& mag, bool measure,
                        Update& update) noexcept {
    return pass<true, true>(x, y, &mag, measure, update);
  }

  /// \brief Synthesis only: fill(t, spectrum, scratch) writes frame t's spectrum, which is
  /// inverse-transformed and overlap-added into y (the inverse STFT). \pre prepare()
  template <class Fill>
  void synthesize(T* y, Fill& fill) noexcept {
    pass<false, true>(nullptr, y, nullptr, false, fill);
  }

  /// \brief The inverse STFT of a start into y: `start` when given, else the magnitude itself
  /// with phase 0 (Init::zero_phase, for which no complex spectrogram is built). \pre prepare()
  void synthesize_start(const Eigen::Ref<const Magnitude<T>>& mag, const Spectrogram<T>* start, T* y) noexcept {
    const Index bins = mag.rows();
    if (start) {
      auto fill = [&](Index t, Complex* s, T*) noexcept { std::copy_n(start->col(t).data(), bins, s); };
      synthesize(y, fill);
    } else {
      auto fill = [&](Index t, Complex* s, T*) noexcept {
        const T* m = mag.col(t).data();
        for (Index i = 0; i < bins; ++i) s[i] = Complex(m[i], T(0));
      };
      synthesize(y, fill);
    }
  }

  /// \brief Analysis only: the metric sums of |STFT(x)| against `mag`. \pre prepare()
  MagnitudeSums measure(const T* x, const Eigen::Ref<const Magnitude<T>>& mag) noexcept {
    auto none = [](Index, Complex*, T*) noexcept {};
    return pass<true, false>(x, nullptr, &mag, true, none);
  }

  /// \brief z = x - c y over the `samples` samples of the signals prepare() was given, split
  /// across the threads in fixed chunks (each sample is one expression: the same result for any
  /// thread count). \pre prepare()
  void difference(const T* x, const T* y, T c, T* z) noexcept {
    constexpr Index chunk = 16384;
    const Index samples = m_forward.signal_length;
    auto part = [&](Index k, int) noexcept {
      const Index first = k * chunk, count = std::min(chunk, samples - first);
      ArrayMap<T>(z + first, count) = ConstArrayMap<T>(x + first, count) - c * ConstArrayMap<T>(y + first, count);
    };
    m_pool.run((samples + chunk - 1) / chunk, part);
  }

 private:
  struct Worker {
    Worker(Index n, Index block, Index span) : fft(n, block), accumulator(span), scratch(n / 2 + 1) {}
    Backend fft;
    AlignedArray<T> accumulator;  // one tile's overlap-added frames
    AlignedArray<T> scratch;      // per-frame workspace of the update
  };

  template <bool Analyse, bool Synthesise, class Visit>
  MagnitudeSums pass(const T* x, T* y, const Eigen::Ref<const Magnitude<T>>* mag, bool measure,
                     Visit& visit) noexcept {
    const Eigen::Map<const Signal<T>> signal(x, Analyse ? m_forward.signal_length : 0);
    const Eigen::Ref<const Signal<T>> input(signal);
    if constexpr (Analyse) m_stft.pad_edges(input, m_forward);
    if constexpr (Synthesise)
      for (Index k = 0; k < m_tiles; ++k) m_joins[std::size_t(k)].store(0, std::memory_order_relaxed);
    const Index bins = m_n / 2 + 1;
    auto tile = [&](Index k, int w) noexcept {
      Worker& worker = m_workers[std::size_t(w)];
      Backend& fft = worker.fft;
      const Index t0 = k * m_tile, t1 = std::min(m_frames, t0 + m_tile);
      const Index span = (t1 - t0 - 1) * m_hop + m_n;
      T* acc = worker.accumulator.data();
      if constexpr (Synthesise) std::fill_n(acc, span, T(0));
      MagnitudeSums sums;
      for (Index b0 = t0; b0 < t1; b0 += fft.max_batch()) {
        const Index batch = std::min(fft.max_batch(), t1 - b0);
        if constexpr (Analyse) {
          for (Index f = 0; f < batch; ++f) m_stft.load_frame(input, m_forward, b0 + f, fft.time_frame(f));
          fft.forward(batch);
        }
        for (Index f = 0; f < batch; ++f) {
          Complex* s = fft.freq_frame(f);
          if (measure) sums += magnitude_sums(s, mag->col(b0 + f).data(), bins);
          visit(b0 + f, s, worker.scratch.data());
        }
        if constexpr (Synthesise) {
          fft.inverse(batch);
          for (Index f = 0; f < batch; ++f)
            window_add(acc + (b0 + f - t0) * m_hop, fft.time_frame(f), m_stft.m_synthesis.data(), m_n);
        }
      }
      m_sums[std::size_t(k)] = sums;
      if constexpr (Synthesise) emit(k, t0, t1, span, acc, y);
    };
    m_pool.run(m_tiles, tile);
    MagnitudeSums total;
    for (Index k = 0; k < m_tiles; ++k) total += m_sums[std::size_t(k)];
    return total;
  }

  /// Writes tile k's own samples to y, keeps its shared head and tail, and completes each shared
  /// region whose other tile is already done.
  void emit(Index k, Index t0, Index t1, Index span, const T* acc, T* y) noexcept {
    const bool first = k == 0, last = t1 == m_frames;
    const Index head = first ? 0 : m_overlap;
    const Index own_end = last ? span : (t1 - t0) * m_hop;
    if (!first) std::copy_n(acc, m_overlap, m_heads.data() + k * m_overlap);
    write(t0 * m_hop + head, acc + head, own_end - head, y);
    if (!last) std::copy_n(acc + own_end, m_overlap, m_tails.data() + k * m_overlap);
    if (!first && m_joins[std::size_t(k)].fetch_add(1, std::memory_order_acq_rel) == 1) join(k, y);
    if (!last && m_joins[std::size_t(k + 1)].fetch_add(1, std::memory_order_acq_rel) == 1) join(k + 1, y);
  }

  /// The region shared by tiles k - 1 and k: tail + head, written to y.
  void join(Index k, T* y) noexcept {
    T* h = m_heads.data() + k * m_overlap;
    ArrayMap<T>(h, m_overlap) += ConstArrayMap<T>(m_tails.data() + (k - 1) * m_overlap, m_overlap);
    write(k * m_tile * m_hop, h, m_overlap, y);
  }

  /// Overlap-added samples [first, first + count) (indices of the overlap-added signal), divided
  /// by the envelope, into y where they fall on the output.
  void write(Index first, const T* src, Index count, T* y) const noexcept {
    const Index offset = m_inverse.offset;
    const Index lo = std::max(first, offset), hi = std::min(first + count, offset + m_inverse.valid);
    if (lo >= hi) return;
    m_stft.m_envelope.normalize(src + (lo - first), y + (lo - offset), lo, hi - lo);
  }

  Stft<T, Backend> m_stft;
  Index m_n;
  Index m_hop;
  Index m_overlap;  // samples two neighbouring tiles share: n_fft - hop
  Index m_tile;     // frames per tile
  std::vector<Worker> m_workers;
  ForwardGeometry m_forward{};
  InverseGeometry m_inverse{};
  Index m_frames = 0;
  Index m_tiles = 0;
  std::vector<MagnitudeSums> m_sums;
  std::unique_ptr<std::atomic<int>[]> m_joins;
  AlignedArray<T> m_heads;
  AlignedArray<T> m_tails;
  ThreadPool m_pool;  // last: its threads stop before anything they use goes
};

/// \brief The iterations of a fused whole-signal algorithm: up to `max_iter` passes of
/// engine.iterate(update), alternating between `out` (which holds x_0 on entry and the result on
/// exit) and `other` (same size; zero on entry with `combined`), with the monitor's evaluations,
/// early stop and callback.
///
/// With `combined` (a third buffer of the same size) and `momentum` c (FGLA's inertia), pass k
/// analyses x_{k-1} - c x_{k-2} (x_{-1} = 0) instead of x_{k-1}. The STFT is linear (its padding
/// included), so that is exactly R_k - c R_{k-1} with R_k = STFT(x_{k-1}), FGLA's accelerated
/// spectrogram, without storing R_{k-1}: the buffer that receives x_k holds x_{k-2} until then.
/// An evaluation then analyses x_{k-1} alone, for the metric (one more r2c per frame every
/// eval_every passes).
/// \returns iterations run and the final SC of |STFT(out)| against `mag`
template <class T, class Backend, class Update>
IterationReport fused_iterations(FusedStft<T, Backend>& engine, Monitor& monitor, const IterationOptions& options,
                                 int max_iter, const Eigen::Ref<const Magnitude<T>>& mag, Eigen::Ref<Signal<T>> out,
                                 Signal<T>& other, Update& update, T momentum = T(0),
                                 Signal<T>* combined = nullptr) {
  T* x = out.data();
  T* y = other.data();
  monitor.start(options);
  int done = 0;
  for (int k = 1; k <= max_iter; ++k) {
    const bool measure = monitor.due(k);
    MagnitudeSums sums;
    if (combined) {
      if (measure) sums = engine.measure(x, mag);
      engine.difference(x, y, momentum, combined->data());
      engine.iterate(combined->data(), y, mag, false, update);
    } else {
      sums = engine.iterate(x, y, mag, measure, update);
    }
    std::swap(x, y);
    done = k;
    if (measure && !monitor.record(k, sums)) break;
  }
  if (x != out.data()) std::copy_n(x, out.size(), out.data());
  IterationReport report;
  report.iterations = done;
  report.spectral_convergence_db = sc_db(engine.measure(out.data(), mag));
  return report;
}

}  // namespace specinv::detail
