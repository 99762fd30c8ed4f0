// SPDX-License-Identifier: MIT
// STFT and iSTFT against the bare FFTs they are built on.
//
// For n_fft 512 / 1024 / 2048 (hop n_fft / 4), float and double, FFTW and KissFFT, on 10 s of
// real audio at 22050 Hz (the bundled speech clip, repeated), this times
//   stft   Stft::forward into a preallocated spectrogram (padding, windowing, FFT, copy out)
//   istft  Stft::inverse into a preallocated signal (FFT, windowing, overlap-add, envelope)
//   r2c    the bare forward FFTs of all frames: one batched plan over every frame
//   c2r    the bare inverse FFTs of all frames, likewise
// and ends with a table of overhead ratios stft / r2c and istft / c2r: 1.0 would mean the STFT
// costs nothing beyond its FFTs. Run: build/bench/benchmarks/bench_stft [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <specinv/specinv.hpp>

#include "common/audio.hpp"

namespace {

constexpr int kSampleRate = 22050;
constexpr double kSeconds = 10.0;

/// The bundled clip (22050 Hz), repeated to 10 s.
const Eigen::VectorXd& ten_seconds() {
  static const Eigen::VectorXd x = [] {
    const Eigen::VectorXd clip = examples::read_mono(SPECINV_BENCH_CLIP);
    Eigen::VectorXd out(Eigen::Index(kSeconds * kSampleRate));
    for (Eigen::Index i = 0; i < out.size(); ++i) out[i] = clip[i % clip.size()];
    return out;
  }();
  return x;
}

specinv::StftParams params(int n_fft) {
  specinv::StftParams p;
  p.n_fft = n_fft;
  p.hop_length = n_fft / 4;
  return p;
}

void set_counters(benchmark::State& state, Eigen::Index frames) {
  state.counters["frames/s"] = benchmark::Counter(double(frames), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["x_realtime"] = benchmark::Counter(kSeconds, benchmark::Counter::kIsIterationInvariantRate);
}

template <class T, class Backend>
void bm_stft(benchmark::State& state, int n_fft) {
  const specinv::Signal<T> x = ten_seconds().cast<T>();
  specinv::Stft<T, Backend> stft(params(n_fft));
  specinv::Spectrogram<T> s(stft.n_freqs(), stft.n_frames(x.size()));
  stft.forward(x, s);  // warm-up
  for (auto _ : state) {
    stft.forward(x, s);
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, s.cols());
}

template <class T, class Backend>
void bm_istft(benchmark::State& state, int n_fft) {
  const specinv::Signal<T> x = ten_seconds().cast<T>();
  specinv::Stft<T, Backend> stft(params(n_fft));
  const specinv::Spectrogram<T> s = stft.forward(x);
  specinv::Signal<T> y(x.size());
  stft.inverse(s, y, x.size());  // warm-up
  for (auto _ : state) {
    stft.inverse(s, y, x.size());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, s.cols());
}

/// The floor: the backend's FFTs of every frame at once (FFTW: one plan over all frames).
template <class T, class Backend, bool Inverse>
void bm_fft(benchmark::State& state, int n_fft) {
  const Eigen::Index frames = specinv::n_frames(ten_seconds().size(), params(n_fft));
  Backend fft(n_fft, frames);
  for (Eigen::Index f = 0; f < frames; ++f)
    for (int m = 0; m < n_fft; ++m) fft.time_frame(f)[m] = T(ten_seconds()[(f * n_fft / 4 + m) % ten_seconds().size()]);
  fft.forward(frames);
  for (auto _ : state) {
    if constexpr (Inverse) fft.inverse(frames);  // c2r overwrites its input; the timing does not care
    else fft.forward(frames);
    benchmark::ClobberMemory();
  }
  set_counters(state, frames);
  state.counters["MFLOPS"] = benchmark::Counter(2.5 * n_fft * std::log2(double(n_fft)) * double(frames) / 1e6,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

/// Console output as usual, plus each run's time, for the ratio table at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      const std::string name = run.run_name.function_name;
      m_ms[name] = run.GetAdjustedRealTime() * (run.time_unit == benchmark::kMillisecond ? 1.0 : 1e-3);
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratios() const {
    std::printf("\nOverhead over the bare FFTs (same binary, same run; 1.00 = nothing but FFTs)\n");
    std::printf("%-8s %-6s %6s %10s %10s %8s %10s %10s %8s\n", "backend", "scalar", "n_fft", "stft ms", "r2c ms",
                "ratio", "istft ms", "c2r ms", "ratio");
    for (const char* backend : {"fftw", "kiss"})
      for (const char* scalar : {"float", "double"})
        for (int n : {512, 1024, 2048}) {
          const std::string key = std::string("/") + backend + "/" + scalar + "/" + std::to_string(n);
          auto get = [&](const char* what) {
            auto it = m_ms.find(what + key);
            return it == m_ms.end() ? NAN : it->second;
          };
          const double s = get("stft"), r = get("r2c"), i = get("istft"), c = get("c2r");
          if (std::isnan(s) && std::isnan(i)) continue;
          std::printf("%-8s %-6s %6d %10.3f %10.3f %8.2f %10.3f %10.3f %8.2f\n", backend, scalar, n, s, r, s / r, i, c,
                      i / c);
        }
  }

 private:
  std::map<std::string, double> m_ms;
};

template <class T, template <class> class Backend>
void register_all(const char* backend, const char* scalar) {
  for (int n : {512, 1024, 2048}) {
    const std::string key = std::string("/") + backend + "/" + scalar + "/" + std::to_string(n);
    benchmark::RegisterBenchmark(("stft" + key).c_str(), bm_stft<T, Backend<T>>, n)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("r2c" + key).c_str(), bm_fft<T, Backend<T>, false>, n)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("istft" + key).c_str(), bm_istft<T, Backend<T>>, n)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("c2r" + key).c_str(), bm_fft<T, Backend<T>, true>, n)->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
  register_all<float, specinv::fft::fftw>("fftw", "float");
  register_all<double, specinv::fft::fftw>("fftw", "double");
#endif
  register_all<float, specinv::fft::kiss>("kiss", "float");
  register_all<double, specinv::fft::kiss>("kiss", "double");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Colour only on a terminal, so that redirected output stays plain text.
  RatioReporter reporter(isatty(fileno(stdout)) ? benchmark::ConsoleReporter::OO_ColorTabular
                                                : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
