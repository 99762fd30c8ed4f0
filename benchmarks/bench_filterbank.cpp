// SPDX-License-Identifier: MIT
// InverseFilterbank: every method on an 80-mel, n_stft 513 power mel spectrogram of a 7 s clip.
//
// By default the input is computed here: synth_speech_espeak_en_us.wav (7.0 s, 22050 Hz) from
// the shared corpus, STFT n_fft 1024 / hop 256 / periodic Hann / center reflect, |S|^2, then an
// 80-band HTK mel filterbank (no norm). benchmarks/compare_inverse.py instead passes the files
// torch made, so that specinv and torchaudio invert the very same numbers:
//   bench_filterbank --mel=mel.npy --fb=fb.npy --power=power.npy [benchmark flags]
// (float64 .npy, (n_mels, frames), (n_freqs, n_mels) and (n_freqs, frames)).
// Counters: residual = ||fb^T X - mel|| / ||mel||, linear_error = ||X - power|| / ||power||,
// iterations as InverseReport gives them. Also the forward MelSpectrogram, for scale.

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include <specinv/specinv.hpp>

#include "common/audio.hpp"
#include "npy.hpp"

namespace {

struct Input {
  Eigen::MatrixXd mel, fb, power;
};

specinv::StftParams stft_params() {
  specinv::StftParams p;
  p.n_fft = 1024;
  p.hop_length = 256;
  return p;
}

specinv::MelParams mel_params() {
  specinv::MelParams p;
  p.sample_rate = 22050;
  p.n_mels = 80;
  return p;
}

Input& input() {
  static Input in;
  return in;
}

Input compute_input() {
  Input in;
  const Eigen::VectorXd x = examples::read_mono(SPECINV_BENCH_CORPUS "/synth_speech_espeak_en_us.wav");
  in.power = specinv::stft<double>(x, stft_params()).cwiseAbs2();
  in.fb = specinv::mel_filterbank<double>(513, 0.0, 11025.0, 80, 22050);
  in.mel = in.fb.transpose() * in.power;
  return in;
}

template <class T>
void bm_inverse(benchmark::State& state, specinv::InverseMethod method) {
  const Input& in = input();
  specinv::InverseParams params;
  params.method = method;  // torchaudio's knobs: max_iter 1000 caps gradient, as in PEERS.md
  const specinv::InverseFilterbank<T> inverse(in.fb.cast<T>(), params);
  const specinv::Magnitude<T> mel = in.mel.cast<T>();
  specinv::Magnitude<T> out(inverse.n_freqs(), mel.cols());
  specinv::InverseWorkspace<T> workspace;
  specinv::InverseReport report = inverse.solve(mel, out, workspace);  // warm-up
  for (auto _ : state) {
    report = inverse.solve(mel, out, workspace);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["residual"] = report.residual;
  state.counters["linear_error"] = (out.template cast<double>() - in.power).norm() / in.power.norm();
  state.counters["iterations"] = report.iterations;
  state.counters["frames"] = double(mel.cols());
}

template <class T>
void bm_mel_spectrogram(benchmark::State& state) {
  const Eigen::VectorXd x = examples::read_mono(SPECINV_BENCH_CORPUS "/synth_speech_espeak_en_us.wav");
  const specinv::Signal<T> signal = x.cast<T>();
  specinv::MelSpectrogram<T> mel(stft_params(), mel_params());
  specinv::Magnitude<T> out(80, mel.n_frames(signal.size()));
  mel(signal, out);
  for (auto _ : state) {
    mel(signal, out);
    benchmark::DoNotOptimize(out.data());
  }
}

void register_all() {
  using specinv::InverseMethod;
  for (const auto method :
       {InverseMethod::least_squares, InverseMethod::nnls, InverseMethod::gradient, InverseMethod::lbfgsb}) {
    const std::string name = std::string("inverse/") + specinv::to_string(method);
    const bool slow = method == InverseMethod::gradient || method == InverseMethod::lbfgsb;
    for (auto* bm : {benchmark::RegisterBenchmark((name + "/float").c_str(), bm_inverse<float>, method),
                     benchmark::RegisterBenchmark((name + "/double").c_str(), bm_inverse<double>, method)}) {
      bm->Unit(benchmark::kMillisecond);
      if (slow) bm->Iterations(1)->Repetitions(3)->ReportAggregatesOnly(true);
    }
  }
  benchmark::RegisterBenchmark("mel_spectrogram/float", bm_mel_spectrogram<float>)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("mel_spectrogram/double", bm_mel_spectrogram<double>)->Unit(benchmark::kMillisecond);
}

/// Takes --mel=, --fb=, --power= out of argv (the rest is Google Benchmark's).
bool read_file_args(int& argc, char** argv) {
  std::string mel, fb, power;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--mel=", 0) == 0) mel = arg.substr(6);
    else if (arg.rfind("--fb=", 0) == 0) fb = arg.substr(5);
    else if (arg.rfind("--power=", 0) == 0) power = arg.substr(8);
    else argv[kept++] = argv[i];
  }
  argc = kept;
  if (mel.empty() && fb.empty() && power.empty()) return false;
  input().mel = test::load_real(mel);
  input().fb = test::load_real(fb);
  input().power = test::load_real(power);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!read_file_args(argc, argv)) input() = compute_input();
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
