// SPDX-License-Identifier: MIT
// Phase recovery on every corpus clip, in PEERS.md's setup: mono 22050 Hz clip, float32, STFT
// n_fft 1024, hop 256, periodic Hann, center, reflect; target |STFT(x)|; one thread.
//
//   floor      FFTW r2c + c2r of every frame, one batched plan each: what one iteration cannot
//              go below (ms_per_iter is one r2c + c2r pass)
//   gla        griffin_lim, momentum 0, 100 iterations, zero-phase start, length = the clip's
//              (torchaudio's griffinlim is called with it)       (PEERS ta_gla); paired with
//              the floor as fgla is
//   fgla       griffin_lim, momentum 0.99, 100 iterations, zero phase     (PEERS ta_fgla);
//              each run is followed by 100 floor passes: vs_floor = fgla time / floor time
//   fgla_2t    fgla with threads = 2 (wall time)
//   fgla_pi    griffin_lim, momentum 0.99, 100 iterations, phase_init start
//   fgla_pghi  griffin_lim, momentum 0.99, 100 iterations, Init::pghi start
//   legla_pghi legla (FleGLA), momentum 0.99, 100 iterations, Init::pghi start
//   pghi       pghi alone (no iteration), default tolerance 1e-5
//   rtpghi     rtpghi, look-ahead 1 frame (the offline form of the streamed RTPGHI)
//   admm       admm, rho 0.1, 100 iterations, phase_init start            (PEERS ts_admm)
//   rtisi_la   rtisi_la, look_ahead 3, 25 iterations per frame            (PEERS ts_rtisi_la)
//   lbfgs      lbfgs on |STFT|, 2000 iterations from N(0, 1e-6) noise      (PEERS ts_lbfgs)
//
// And, on the speech clip: fgla_length/600s_vs_10s (the clip repeated to 600 s, then 60 runs on
// 10 s: seconds per audio second of each, and the 600 s run's peak memory over one complex
// spectrogram's bytes), fgla_batch8/threads:1 and :2 (the
// batched griffin_lim on 8 clips of 3.5 s; items per second).
//
// Every early stop is off (tol = 0), so each run does exactly its iteration count. Counters:
// sc_db = 20 log10(|| |STFT(y)| - mag || / || mag ||) with the STFT in float64, as PEERS.md
// scores; ms_per_iter = seconds / iterations (rtisi_la: per 25-iteration sweep of the signal,
// as PEERS.md counts it). benchmarks/compare_peers.py runs torchaudio beside this and prints
// the table. Filter with --benchmark_filter=fgla/ etc.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <complex>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <specinv/specinv.hpp>

#include "common/audio.hpp"

namespace {

const std::vector<std::string>& clips() {
  static const std::vector<std::string> names = {
      "env_opensfx_applause",          "env_opensfx_crossing_till", "music_perc_openmsx_no_work_song_drums",
      "music_tonal_openmsx_moo_piano", "speech_alsa_front",         "speech_klettres_nl_words",
      "synth_speech_espeak_en_us"};
  return names;
}

specinv::StftParams stft_params() {
  specinv::StftParams p;
  p.n_fft = 1024;
  p.hop_length = 256;
  p.win_length = 1024;
  return p;
}

struct Clip {
  Eigen::VectorXd signal;
  specinv::Magnitude<double> magnitude;  // float64 target, for scoring
  specinv::Magnitude<float> target;      // what the algorithms get
};

const Clip& clip(const std::string& name) {
  static std::map<std::string, Clip> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    Clip c;
    c.signal = examples::read_mono(SPECINV_BENCH_CORPUS "/" + name + ".wav");
    // Like PEERS.md: the float32 clip's float32 STFT is the target.
    const specinv::Signal<float> x = c.signal.cast<float>();
    c.target = specinv::stft<float>(x, stft_params()).cwiseAbs();
    c.magnitude = c.target.cast<double>();
    it = cache.emplace(name, std::move(c)).first;
  }
  return it->second;
}

double score_db(const specinv::Signal<float>& y, const Clip& c) {
  const specinv::Magnitude<double> mag = specinv::stft<double>(y.cast<double>(), stft_params()).cwiseAbs();
  return specinv::spectral_convergence_db(mag, c.magnitude);
}

#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
/// The floor of one Griffin-Lim iteration on a clip: FFTW's r2c then c2r of every frame, each one
/// batched plan over all frames (planned with the library's SPECINV_FFTW_PLANNER_FLAGS), nothing else.
class FftFloor {
 public:
  using Api = specinv::detail::FftwApi<float>;
  explicit FftFloor(const std::string& name)
      : m_frames(int(clip(name).target.cols())), m_time(Eigen::Index(n) * m_frames), m_freq(Eigen::Index(bins) * m_frames) {
    std::lock_guard<std::mutex> lock(specinv::detail::fftw_planner_mutex());
    m_r2c = Api::r2c(n, m_frames, m_time.data(), n, m_freq.data(), bins, SPECINV_FFTW_PLANNER_FLAGS);
    m_c2r = Api::c2r(n, m_frames, m_freq.data(), bins, m_time.data(), n, SPECINV_FFTW_PLANNER_FLAGS);
    // Planning leaves its own data in the buffers: the clip's frames instead (no denormals)
    const Eigen::VectorXd& x = clip(name).signal;
    for (Eigen::Index t = 0; t < m_frames; ++t)
      for (Eigen::Index m = 0; m < n; ++m) m_time[t * n + m] = float(x[std::min<Eigen::Index>(x.size() - 1, t * 256 + m)]);
  }
  FftFloor(const FftFloor&) = delete;
  FftFloor& operator=(const FftFloor&) = delete;
  ~FftFloor() {
    std::lock_guard<std::mutex> lock(specinv::detail::fftw_planner_mutex());
    Api::destroy(m_r2c);
    Api::destroy(m_c2r);
  }
  int frames() const { return m_frames; }
  /// Seconds of one r2c + c2r pass over all frames.
  double pass() {
    const auto start = std::chrono::steady_clock::now();
    Api::execute(m_r2c, m_time.data(), m_freq.data());
    Api::execute(m_c2r, m_freq.data(), m_time.data());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    benchmark::DoNotOptimize(m_time.data());
    // c2r scales by n: bring the frames back so that every pass transforms the same numbers
    for (Eigen::Index i = 0; i < m_time.size(); ++i) m_time[i] *= 1.0f / float(n);
    return seconds;
  }

 private:
  static constexpr int n = 1024, bins = n / 2 + 1;
  int m_frames;
  specinv::detail::AlignedArray<float> m_time;
  specinv::detail::AlignedArray<std::complex<float>> m_freq;
  Api::plan m_r2c, m_c2r;
};

void floor(benchmark::State& state, const std::string& name) {
  FftFloor fft(name);
  double seconds = 0;
  for (auto _ : state) seconds += fft.pass();
  state.counters["ms_per_iter"] = 1e3 * seconds / double(state.iterations());
  state.counters["frames"] = fft.frames();
}
#endif

/// Runs `run` on the clip; ms_per_iter = its time / iterations. With `paired_floor` (FFTW
/// builds), each timed run is followed by as many timed floor passes (FftFloor) as it has
/// iterations, so that vs_floor = run time / floor time compares the two under the same machine
/// load, whatever it does during the benchmark (floor_ms_per_iter: the floor's own figure).
template <class Run>
void measure(benchmark::State& state, const std::string& name, int iterations, Run run, bool paired_floor = false) {
  const Clip& c = clip(name);
  specinv::Reconstruction<float> r = run(c.target, c.signal.size());  // warm-up: plans, buffers
  double seconds = 0, floor_seconds = 0;
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
  std::optional<FftFloor> fft;
  if (paired_floor) fft.emplace(name);
#endif
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    r = run(c.target, c.signal.size());
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    benchmark::DoNotOptimize(r.signal.data());
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
    if (fft)
      for (int k = 0; k < iterations; ++k) floor_seconds += fft->pass();
#endif
  }
  state.counters["sc_db"] = score_db(r.signal, c);
  state.counters["algo_iterations"] = r.iterations;
  state.counters["ms_per_iter"] = 1e3 * seconds / double(state.iterations()) / iterations;
  state.counters["frames"] = double(c.target.cols());
  if (floor_seconds > 0) {
    state.counters["floor_ms_per_iter"] = 1e3 * floor_seconds / double(state.iterations()) / iterations;
    state.counters["vs_floor"] = seconds / floor_seconds;
  }
}

/// Resident memory of this process, kB: the current size and the peak since reset_peak() (Linux's
/// /proc; -1 elsewhere).
long status_kb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  return -1;
}
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }  // Linux: VmHWM = VmRSS

/// The speech clip repeated to `seconds` of audio, and its magnitude.
struct LongInput {
  Eigen::Index samples;
  specinv::Magnitude<float> magnitude;
};
LongInput long_input(double seconds) {
  const Clip& c = clip("speech_alsa_front");
  const Eigen::Index n = Eigen::Index(seconds * 22050);
  specinv::Signal<float> x(n);
  for (Eigen::Index i = 0; i < n; i += c.signal.size())
    x.segment(i, std::min(c.signal.size(), n - i)) = c.signal.head(std::min(c.signal.size(), n - i)).cast<float>();
  specinv::Stft<float> analysis(stft_params());
  return {n, analysis.forward(x).cwiseAbs()};
}

/// FGLA (100 iterations, momentum 0.99, zero phase) on 600 s of audio (the speech clip repeated)
/// and, right after, 60 times on 10 s of it: the same audio, under the same machine load.
/// s_per_audio_s_600 and _10: seconds per second of audio; linearity: their ratio;
/// peak_vs_spectrogram: the 600 s run's peak resident memory above what was resident before it,
/// plus the target magnitude the caller holds, over the bytes of one complex float spectrogram.
void fgla_length(benchmark::State& state) {
  const LongInput long_audio = long_input(600), short_audio = long_input(10);
  const specinv::StftParams stft = stft_params();
  auto run = [&](const LongInput& in) {
    specinv::GriffinLimParams p;
    p.max_iter = 100;
    p.tol = 0;
    p.length = in.samples;
    const auto start = std::chrono::steady_clock::now();
    specinv::Reconstruction<float> r = specinv::griffin_lim(in.magnitude, stft, p);
    benchmark::DoNotOptimize(r.signal.data());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
#if defined(__GLIBC__)
  // Every large block mmapped and unmapped when freed (no dynamic threshold), so that the
  // resident size follows what the run holds. It stays so for the rest of the process: compare_peers
  // runs this row in a process of its own.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024);
#endif
  run(short_audio);  // warm-up: FFTW's plans
  double long_s = 0, short_s = 0, peak_ratio = 0;
  for (auto _ : state) {
    reset_peak();
    const long before = status_kb("VmRSS:");
    long_s += run(long_audio);
    const long high = status_kb("VmHWM:");
    const double peak = 1024.0 * double(high - before) + double(long_audio.magnitude.size()) * sizeof(float);
    if (high >= 0 && before >= 0)
      peak_ratio = peak / (double(long_audio.magnitude.size()) * sizeof(std::complex<float>));
    for (int k = 0; k < 60; ++k) short_s += run(short_audio);
  }
  const double iterations = double(state.iterations());
  state.counters["s_per_audio_s_600"] = long_s / iterations / 600;
  state.counters["s_per_audio_s_10"] = short_s / iterations / 600;
  state.counters["linearity"] = long_s / short_s;
  if (peak_ratio > 0) state.counters["peak_vs_spectrogram"] = peak_ratio;  // Linux only
  state.counters["frames"] = double(long_audio.magnitude.cols());
}

/// The batched griffin_lim (FGLA, 100 iterations) on 8 clips of 3.5 s (the 7 corpus clips and a
/// second excerpt of the speech clip) with `threads` threads; items_per_s is the throughput.
void fgla_batch(benchmark::State& state, int threads) {
  const Eigen::Index samples = Eigen::Index(3.5 * 22050);
  std::vector<std::pair<std::string, Eigen::Index>> items;
  for (const std::string& name : clips()) items.emplace_back(name, 0);
  items.emplace_back("speech_alsa_front", clip("speech_alsa_front").signal.size() - samples);
  const specinv::StftParams stft = stft_params();
  specinv::Stft<float> analysis(stft);
  const Eigen::Index frames = analysis.n_frames(samples), bins = 513;
  specinv::MagnitudeBatch<float> batch(bins, frames, Eigen::Index(items.size()));
  for (std::size_t b = 0; b < items.size(); ++b) {
    const specinv::Signal<float> x = clip(items[b].first).signal.segment(items[b].second, samples).cast<float>();
    const specinv::Magnitude<float> mag = analysis.forward(x).cwiseAbs();
    std::copy_n(mag.data(), mag.size(), batch.data() + Eigen::Index(b) * bins * frames);
  }
  specinv::GriffinLimParams p;
  p.max_iter = 100;
  p.tol = 0;
  p.threads = threads;
  double total = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<specinv::Reconstruction<float>> r = specinv::griffin_lim(batch, stft, p);
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    benchmark::DoNotOptimize(r.data());
  }
  state.counters["items_per_s"] = double(items.size()) * double(state.iterations()) / total;
}

void register_all() {
  for (const int threads : {1, 2}) {
    benchmark::RegisterBenchmark(("fgla_batch8/threads:" + std::to_string(threads)).c_str(),
                                 [threads](benchmark::State& s) { fgla_batch(s, threads); })
        ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
  }

  const specinv::StftParams stft = stft_params();
  for (const std::string& name : clips()) {
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
    benchmark::RegisterBenchmark(("floor/" + name).c_str(), [name](benchmark::State& s) { floor(s, name); })
        ->Unit(benchmark::kMillisecond);
#endif
    auto gla = [stft](double momentum, specinv::Init init, int threads = 1) {
      return [stft, momentum, init, threads](const specinv::Magnitude<float>& mag, Eigen::Index samples) {
        specinv::GriffinLimParams p;
        p.threads = threads;
        p.length = samples;  // torchaudio's griffinlim is called with the clip's length (PEERS.md)
        p.max_iter = 100;
        p.momentum = momentum;
        p.init = init;
        p.tol = 0;
        return specinv::griffin_lim(mag, stft, p);
      };
    };
    benchmark::RegisterBenchmark(("gla/" + name).c_str(), [name, f = gla(0.0, specinv::Init::zero_phase)](
                                                              benchmark::State& s) { measure(s, name, 100, f, true); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("fgla/" + name).c_str(), [name, f = gla(0.99, specinv::Init::zero_phase)](
                                                               benchmark::State& s) { measure(s, name, 100, f, true); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("fgla_2t/" + name).c_str(), [name, f = gla(0.99, specinv::Init::zero_phase, 2)](
                                                                  benchmark::State& s) { measure(s, name, 100, f); })
        ->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark(("fgla_pi/" + name).c_str(), [name, f = gla(0.99, specinv::Init::phase_init)](
                                                                  benchmark::State& s) { measure(s, name, 100, f); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("fgla_pghi/" + name).c_str(), [name, f = gla(0.99, specinv::Init::pghi)](
                                                                    benchmark::State& s) { measure(s, name, 100, f); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("legla_pghi/" + name).c_str(), [name, stft](benchmark::State& s) {
      measure(s, name, 100, [stft](const specinv::Magnitude<float>& mag, Eigen::Index samples) {
        specinv::LeglaParams p;
        p.length = samples;
        p.init = specinv::Init::pghi;
        p.tol = 0;
        return specinv::legla(mag, stft, p);
      });
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("pghi/" + name).c_str(), [name, stft](benchmark::State& s) {
      measure(s, name, 1, [stft](const specinv::Magnitude<float>& mag, Eigen::Index samples) {
        specinv::PghiParams p;
        p.length = samples;
        return specinv::pghi(mag, stft, p);
      });
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("rtpghi/" + name).c_str(), [name, stft](benchmark::State& s) {
      measure(s, name, 1, [stft](const specinv::Magnitude<float>& mag, Eigen::Index samples) {
        specinv::RtpghiParams p;
        p.length = samples;
        return specinv::rtpghi(mag, stft, p);
      });
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("admm/" + name).c_str(), [name, stft](benchmark::State& s) {
      measure(s, name, 100, [stft](const specinv::Magnitude<float>& mag, Eigen::Index) {
        specinv::AdmmParams p;
        p.max_iter = 100;
        p.rho = 0.1;
        p.init = specinv::Init::phase_init;
        p.tol = 0;
        return specinv::admm(mag, stft, p);
      });
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("rtisi_la/" + name).c_str(), [name, stft](benchmark::State& s) {
      measure(s, name, 1, [stft](const specinv::Magnitude<float>& mag, Eigen::Index) {
        specinv::RtisiLaParams p;
        p.look_ahead = 3;
        p.iters_per_frame = 25;
        return specinv::rtisi_la(mag, stft, p);
      });
    })->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("lbfgs/" + name).c_str(), [name, stft](benchmark::State& s) {
      measure(s, name, 2000, [stft](const specinv::Magnitude<float>& mag, Eigen::Index) {
        specinv::LbfgsParams p;
        p.max_iter = 2000;
        p.init = specinv::Init::random;
        p.seed = 0;
        p.tol = 0;
        return specinv::lbfgs(mag, stft, p);
      });
    })->Unit(benchmark::kMillisecond)->Iterations(1);
  }
  // Last: it changes malloc's settings for the rest of the process.
  benchmark::RegisterBenchmark("fgla_length/600s_vs_10s", fgla_length)
      ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
