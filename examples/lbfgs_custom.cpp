// SPDX-License-Identifier: MIT
// L-BFGS phase recovery against a representation of your own: a log-compressed magnitude, which
// weighs quiet time-frequency regions like loud ones (a plain magnitude error hardly sees them).
//
//   lbfgs_custom [in.wav] [out.wav] [--n-fft N] [--hop H] [--iters K] [--eps E]
//
// Defaults: the bundled speech clip, lbfgs_custom.wav, n_fft 1024, hop 256, 100 iterations, eps
// 1e-3. With S = STFT(x), Y = |STFT(clip)| and M the number of (bin, frame) cells, the objective is
//
//   L(x) = (1/M) sum (log(eps + |S|) - log(eps + Y))^2.
//
// specinv::lbfgs only needs its value and gradient. Write d for the log difference. As a function
// of the real and imaginary parts of S, dL/dS = (2/M) d / (eps + |S|) * S / |S| (0 where S = 0),
// and Stft::adjoint maps such a spectrogram gradient to the signal gradient (it is the adjoint of
// forward for the real inner product Re sum conj(S) S'; a finite-difference check agrees to 1e-8).
// The start is PGHI's phase estimate. It prints the objective every 10 iterations and the
// spectral convergence (SC) of |STFT(x)| before and after, and exits with 1 if L did not decrease.

#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include <specinv/metrics/spectral_convergence.hpp>
#include <specinv/phase/lbfgs.hpp>
#include <specinv/phase/pghi.hpp>

#include "common/audio.hpp"

int main(int argc, char** argv) {
  std::string in = SPECINV_DEMO_CLIP, out = "lbfgs_custom.wav";
  specinv::StftParams params;
  params.n_fft = 1024;
  params.hop_length = 256;
  specinv::LbfgsParams options;  // only the optimiser's knobs matter with a custom objective
  options.max_iter = 100;
  float eps = 1e-3f;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const bool v = i + 1 < argc;
    if (!std::strcmp(argv[i], "--n-fft") && v) params.n_fft = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--hop") && v) params.hop_length = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--iters") && v) options.max_iter = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--eps") && v) eps = float(std::atof(argv[++i]));
    else if (argv[i][0] != '-' && positional < 2) (positional++ == 0 ? in : out) = argv[i];
    else {
      std::fprintf(stderr, "usage: %s [in.wav] [out.wav] [--n-fft N] [--hop H] [--iters K] [--eps E]\n", argv[0]);
      return 2;
    }
  }

  try {
    if (!(eps > 0)) throw std::invalid_argument("--eps must be > 0");
    int rate = 0;
    const specinv::Signal<float> clip = examples::read_mono(in, &rate).cast<float>();
    specinv::Stft<float> stft(params);
    const specinv::Magnitude<float> target = stft.forward(clip).cwiseAbs();
    const specinv::Magnitude<float> log_target = (target.array() + eps).log().matrix();
    std::printf("clip: %s (%.2f s at %d Hz), %ld bins x %ld frames\n", in.c_str(), double(clip.size()) / rate,
                rate, long(target.rows()), long(target.cols()));

    // The objective: value returned, gradient written into `grad` (sized like x).
    specinv::Spectrogram<float> s(target.rows(), target.cols());  // S, then dL/dS in place
    const double scale = 2.0 / double(target.size());
    auto objective = [&](const specinv::Signal<float>& x, specinv::Signal<float>& grad) -> float {
      stft.forward(x, s);
      double sum = 0;
      for (Eigen::Index t = 0; t < s.cols(); ++t) {
        for (Eigen::Index k = 0; k < s.rows(); ++k) {
          const float a = std::abs(s(k, t));
          const float d = std::log(eps + a) - log_target(k, t);
          sum += double(d) * d;
          s(k, t) = a > 0 ? s(k, t) * float(scale * d / ((eps + a) * a)) : std::complex<float>(0);
        }
      }
      stft.adjoint(s, grad);
      return float(sum / double(target.size()));
    };
    auto sc_db = [&](const specinv::Signal<float>& x) {
      return specinv::spectral_convergence_db(stft.forward(x).cwiseAbs(), target);
    };

    // Start from PGHI's phase, the same length as the clip.
    const specinv::Signal<float> start = stft.inverse(specinv::pghi_spectrogram<float>(target, params), clip.size());
    specinv::Signal<float> grad(clip.size());
    const float first = objective(start, grad);
    std::printf("start (PGHI): L %.6f, SC %.2f dB\n", first, sc_db(start));

    const auto t0 = std::chrono::steady_clock::now();
    const specinv::Reconstruction<float> r = specinv::lbfgs(objective, start, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (std::size_t i = 0; i < r.history.size(); ++i)  // the objective every eval_every (10) iterations
      std::printf("  iteration %4zu: L %.6f\n", (i + 1) * std::size_t(options.eval_every), r.history[i]);
    const float last = objective(r.signal, grad);
    std::printf("L-BFGS, %d iterations in %.2f s: L %.6f, SC %.2f dB\n", r.iterations, seconds, last,
                sc_db(r.signal));

    examples::write_wav(out, r.signal.cast<double>(), rate);
    std::printf("wrote %s\n", out.c_str());
    if (!(last < first)) {
      std::fprintf(stderr, "lbfgs_custom: the objective did not decrease (%g -> %g)\n", first, last);
      return 1;
    }
  } catch (const std::exception& e) {  // bad file or option, or a specinv::invalid_argument
    std::fprintf(stderr, "lbfgs_custom: %s\n", e.what());
    return 2;
  }
  return 0;
}
