// SPDX-License-Identifier: MIT
// The round trip every user tries first: take a clip's magnitude spectrogram, throw its phase
// away, and rebuild audio from the magnitude alone with fast Griffin-Lim (FGLA, momentum 0.99)
// started from a PGHI phase estimate.
//
//   roundtrip [in.wav] [out.wav] [--n-fft N] [--hop H] [--iters K] [--max-sc DB]
//
// Defaults: the bundled speech clip, roundtrip.wav in the current directory, n_fft 1024, hop 256,
// 100 iterations. It prints the spectral convergence (SC) of |STFT(output)| against the magnitude
// it was given (lower is better), the time taken and the real-time factor (seconds of audio per
// second of processing). With --max-sc it exits with 1 when the SC is worse than DB (what the ctest checks).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include <specinv/phase/griffin_lim.hpp>  // one algorithm: compiles faster than <specinv/specinv.hpp>

#include "common/audio.hpp"

int main(int argc, char** argv) {
  std::string in = SPECINV_DEMO_CLIP, out = "roundtrip.wav";
  specinv::StftParams stft;  // torch.stft semantics: periodic Hann, center, reflect padding
  stft.n_fft = 1024;
  stft.hop_length = 256;
  specinv::GriffinLimParams fgla;
  fgla.max_iter = 100;
  fgla.momentum = 0.99;             // > 0: fast Griffin-Lim (0 would be plain GLA)
  fgla.init = specinv::Init::pghi;  // a good start saves many iterations
  double max_sc = 0;                // 0: no quality check
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--n-fft") && has_value) stft.n_fft = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--hop") && has_value) stft.hop_length = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--iters") && has_value) fgla.max_iter = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--max-sc") && has_value) max_sc = std::atof(argv[++i]);
    else if (argv[i][0] != '-' && positional < 2) (positional++ == 0 ? in : out) = argv[i];
    else {
      std::fprintf(stderr, "usage: %s [in.wav] [out.wav] [--n-fft N] [--hop H] [--iters K] [--max-sc DB]\n",
                   argv[0]);
      return 2;
    }
  }

  try {
    // 1. Read the clip (mixed to mono) and analyse it in float, the fast path.
    int rate = 0;
    const specinv::Signal<float> x = examples::read_mono(in, &rate).cast<float>();
    specinv::Stft<float> analysis(stft);  // validates the parameters, plans the FFTs
    const specinv::Magnitude<float> magnitude = analysis.forward(x).cwiseAbs();
    const double seconds = double(x.size()) / rate;
    std::printf("clip: %s (%.2f s at %d Hz), %ld bins x %ld frames\n", in.c_str(), seconds, rate,
                long(magnitude.rows()), long(magnitude.cols()));

    // 2. Phase recovery from the magnitude alone; `length` keeps the clip's exact length.
    fgla.length = x.size();
    const auto t0 = std::chrono::steady_clock::now();
    const specinv::Reconstruction<float> r = specinv::griffin_lim<float>(magnitude, stft, fgla);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::printf("FGLA from PGHI, %d iterations (n_fft %d, hop %ld)\n", r.iterations, stft.n_fft,
                long(analysis.hop_length()));
    std::printf("spectral convergence: %.2f dB\n", r.spectral_convergence_db);
    std::printf("time: %.3f s, %.0fx real time\n", elapsed, seconds / elapsed);

    // 3. Write the result next to where we were started.
    examples::write_wav(out, r.signal.cast<double>(), rate);
    std::printf("wrote %s\n", out.c_str());

    if (max_sc != 0 && !(r.spectral_convergence_db <= max_sc)) {
      std::fprintf(stderr, "roundtrip: spectral convergence %.2f dB is worse than --max-sc %.2f dB\n",
                   r.spectral_convergence_db, max_sc);
      return 1;
    }
  } catch (const std::exception& e) {  // bad file, or specinv::invalid_argument naming the parameter
    std::fprintf(stderr, "roundtrip: %s\n", e.what());
    return 2;
  }
  return 0;
}
