// SPDX-License-Identifier: MIT
// Real-time factor of StreamingReconstructor: audio seconds rebuilt per second of one core, for
// RTPGHI (look-ahead 1) and RTISI-LA (look-ahead 3, 25 iterations per frame), at 22.05 kHz and
// 48 kHz, n_fft 1024 and 2048, hop n_fft / 4, float.
//
// The magnitude frames are those of the bundled speech clip at its own rate (22.05 kHz); at
// 48 kHz the same frames stand for 48 kHz audio: the work per frame does not depend on the
// content's rate, only the audio time a frame represents (hop / rate) does. One iteration pushes
// and pops every frame of the clip once (after a reset). Counters: rtf = audio seconds / wall
// seconds; us_per_frame = microseconds per push + pop.
//
//   bench_streaming [--benchmark_filter=rtpghi/]

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <specinv/specinv.hpp>

#include "common/audio.hpp"

namespace {

const Eigen::VectorXd& speech() {
  static const Eigen::VectorXd x = examples::read_mono(SPECINV_BENCH_CLIP);
  return x;
}

void stream(benchmark::State& state, specinv::StreamAlgorithm algorithm, int n_fft, double rate) {
  specinv::StftParams stft;
  stft.n_fft = n_fft;
  stft.hop_length = n_fft / 4;
  const specinv::Signal<float> x = speech().cast<float>();
  const specinv::Magnitude<float> mag = specinv::stft<float>(x, stft).cwiseAbs();
  specinv::StreamingParams params;
  params.algorithm = algorithm;
  specinv::StreamingReconstructor<float> s(stft, params);
  specinv::Signal<float> block(s.hop_length());
  for (Eigen::Index j = 0; j < mag.cols(); ++j) {  // warm-up: caches, the FFT's first run
    s.push(mag.col(j).data(), mag.rows());
    s.pop(block.data());
  }
  for (auto _ : state) {
    s.reset();
    for (Eigen::Index j = 0; j < mag.cols(); ++j) {
      s.push(mag.col(j).data(), mag.rows());
      s.pop(block.data());
    }
    benchmark::DoNotOptimize(block.data());
  }
  const double audio_seconds = double(mag.cols() * s.hop_length()) / rate;
  state.counters["rtf"] = benchmark::Counter(audio_seconds * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["us_per_frame"] = benchmark::Counter(double(mag.cols()) * double(state.iterations()) * 1e-6,
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void register_all() {
  for (const auto& [name, algorithm] : {std::pair{"rtpghi", specinv::StreamAlgorithm::rtpghi},
                                        std::pair{"rtisi_la", specinv::StreamAlgorithm::rtisi_la}}) {
    for (const int n_fft : {1024, 2048}) {
      for (const double rate : {22050.0, 48000.0}) {
        const std::string label = std::string(name) + "/n_fft:" + std::to_string(n_fft) +
                                  "/rate:" + std::to_string(int(rate));
        benchmark::RegisterBenchmark(label.c_str(), [algorithm = algorithm, n_fft, rate](benchmark::State& st) {
          stream(st, algorithm, n_fft, rate);
        })->Unit(benchmark::kMillisecond);
      }
    }
  }
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
