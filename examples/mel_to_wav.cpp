// SPDX-License-Identifier: MIT
// A mel spectrogram, as TTS models and vocoders write it, back to audio without a neural vocoder.
//
//   mel_to_wav in.npy [out.wav] --sample-rate HZ [--n-fft 1024] [--hop 256] [--f-min 0]
//              [--f-max HZ] [--iters 100] [--max-sc DB]
//
// The input is a (n_mels, frames) float32/float64 .npy power mel spectrogram with the semantics
// of torchaudio.transforms.MelSpectrogram's defaults (power 2, HTK mel scale, no filter
// normalisation; f_max defaults to sample_rate / 2). Pass the STFT and mel settings it was made
// with. Steps: a non-negative least-squares inverse of the mel filterbank (InverseFilterbank,
// nnls) gives a linear power spectrogram, its square root a magnitude, and fast Griffin-Lim from
// a PGHI start the phase. Make an input from any clip with the specinv CLI:
//
//   specinv stft clip.wav mel.npy --mel 80 --n-fft 1024 --hop 256
//
// It prints two spectral convergences (lower is better): |STFT(out)| against the magnitude the
// mel implies, and the mel of the output against the input mel (--max-sc checks the latter).

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include <specinv/filterbank/inverse.hpp>
#include <specinv/filterbank/mel.hpp>
#include <specinv/metrics/spectral_convergence.hpp>
#include <specinv/phase/griffin_lim.hpp>

#include "common/audio.hpp"
#include "common/npy.hpp"

int main(int argc, char** argv) {
  std::string in, out = "mel_to_wav.wav";
  int sample_rate = 0;
  double f_min = 0, f_max = 0, max_sc = 0;  // f_max 0: sample_rate / 2; max_sc 0: no check
  specinv::StftParams stft;
  stft.n_fft = 1024;
  stft.hop_length = 256;
  specinv::GriffinLimParams fgla;  // fast Griffin-Lim (momentum 0.99) from a PGHI start
  fgla.max_iter = 100;
  fgla.init = specinv::Init::pghi;
  auto usage = [&] {
    std::fprintf(stderr, "usage: %s in.npy [out.wav] --sample-rate HZ [--n-fft N] [--hop H] [--f-min HZ]"
                         " [--f-max HZ] [--iters K] [--max-sc DB]\n", argv[0]);
    return 2;
  };
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const bool v = i + 1 < argc;
    if (!std::strcmp(argv[i], "--sample-rate") && v) sample_rate = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--n-fft") && v) stft.n_fft = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--hop") && v) stft.hop_length = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--f-min") && v) f_min = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--f-max") && v) f_max = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--iters") && v) fgla.max_iter = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--max-sc") && v) max_sc = std::atof(argv[++i]);
    else if (argv[i][0] != '-' && positional < 2) (positional++ == 0 ? in : out) = argv[i];
    else return usage();
  }
  if (positional < 1 || sample_rate <= 0) return usage();  // the input and its sample rate are required

  try {
    // 1. Read the mel: exactly two axes (n_mels, frames), real, non-negative.
    const examples::NpyArray npy = examples::read_npy(in);  // refuses dtypes other than float/complex
    if (npy.shape.size() != 2 || npy.is_complex())
      throw std::invalid_argument(in + ": expected a real (n_mels, frames) mel spectrogram, got " + npy.dtype() +
                                  " of shape " + examples::shape_string(npy.shape));
    const specinv::Magnitude<float> mel = npy.matrix<double>().cast<float>();
    if ((mel.array() < 0).any())
      throw std::invalid_argument(in + ": negative values; a log-mel must be exponentiated to a power mel first");
    specinv::Stft<float> analysis(stft);  // validates the STFT options; checks the output below
    std::printf("mel: %s, %ld mels x %ld frames (%s), %.2f s at %d Hz\n", in.c_str(), long(mel.rows()),
                long(mel.cols()), npy.dtype().c_str(), double(mel.cols() - 1) * analysis.hop_length() / sample_rate,
                sample_rate);

    // 2. Mel -> linear magnitude: the filterbank as torchaudio builds it, inverted with nnls.
    if (f_max == 0) f_max = sample_rate / 2;
    const specinv::Magnitude<float> fb = specinv::mel_filterbank<float>(
        stft.n_fft / 2 + 1, f_min, f_max, int(mel.rows()), sample_rate);  // (n_freqs, n_mels)
    const specinv::InverseFilterbank<float> inverse(fb);                // InverseMethod::nnls
    const specinv::Magnitude<float> magnitude = inverse(mel).cwiseSqrt();  // power -> magnitude

    // 3. Phase recovery, then the checks: consistency, and the output's own mel.
    const specinv::Reconstruction<float> r = specinv::griffin_lim<float>(magnitude, stft, fgla);
    const specinv::Magnitude<float> out_mel = fb.transpose() * analysis.forward(r.signal).cwiseAbs2();
    const double mel_sc = specinv::spectral_convergence_db(out_mel, mel);
    std::printf("FGLA from PGHI, %d iterations (n_fft %d, hop %ld)\n", r.iterations, stft.n_fft,
                long(analysis.hop_length()));
    std::printf("SC of |STFT(out)| against the mel-implied magnitude: %.2f dB\n", r.spectral_convergence_db);
    std::printf("SC of the output's mel against the input mel:       %.2f dB\n", mel_sc);

    examples::write_wav(out, r.signal.cast<double>(), sample_rate);
    std::printf("wrote %s (%.2f s)\n", out.c_str(), double(r.signal.size()) / sample_rate);
    if (max_sc != 0 && !(mel_sc <= max_sc)) {
      std::fprintf(stderr, "mel_to_wav: mel SC %.2f dB is worse than --max-sc %.2f dB\n", mel_sc, max_sc);
      return 1;
    }
  } catch (const std::exception& e) {  // unreadable file, bad shape, or a specinv::invalid_argument
    std::fprintf(stderr, "mel_to_wav: %s\n", e.what());
    return 2;
  }
  return 0;
}
