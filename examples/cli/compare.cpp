// SPDX-License-Identifier: MIT
// `specinv compare REF EST`: spectral convergence, SER and SNR of EST's magnitude spectrogram
// against REF's (torch_specinv.metrics), and with --plot a PNG of both spectrograms and their
// difference.

#include <algorithm>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <specinv/metrics.hpp>
#include <specinv/stft/stft.hpp>

#include "cli.hpp"
#include "plot.hpp"

namespace cli {

int run_compare(const CompareOptions& o) {
  if (!o.plot.empty()) require_extension(o.plot, ".png", "--plot");
  const specinv::StftParams stft = o.stft.params();
  const Audio ref = read_audio(o.reference);
  const Audio est = read_audio(o.estimate);
  if (ref.sample_rate != est.sample_rate)
    throw UsageError(o.estimate + " is at " + std::to_string(est.sample_rate) + " Hz, " + o.reference + " at " +
                     std::to_string(ref.sample_rate) + " Hz: compare needs one sample rate");
  if (ref.samples.cols() != est.samples.cols())
    throw UsageError(o.estimate + " has " + std::to_string(est.samples.cols()) + " channels, " + o.reference + " " +
                     std::to_string(ref.samples.cols()) + ": compare needs the same channels");
  check_stft_options(o.stft, o.given);
  const Eigen::Index n = std::min(ref.samples.rows(), est.samples.rows());
  std::unique_ptr<OutputFile> plot;
  if (!o.plot.empty()) plot = std::make_unique<OutputFile>(o.plot);

  // Channels side by side: the metrics pool them.
  specinv::Stft<float> analysis(stft);
  const Eigen::Index frames = analysis.n_frames(n), channels = ref.samples.cols();
  Eigen::MatrixXf r(stft.n_fft / 2 + 1, frames * channels), e(r.rows(), r.cols());
  for (Eigen::Index c = 0; c < channels; ++c) {
    r.middleCols(c * frames, frames) = analysis.forward(ref.samples.col(c).head(n).cast<float>()).cwiseAbs();
    e.middleCols(c * frames, frames) = analysis.forward(est.samples.col(c).head(n).cast<float>()).cwiseAbs();
  }
  const double sc = specinv::spectral_convergence_db(e, r), ser = specinv::ser_db(e, r), snr = specinv::snr_db(e, r);

  if (plot) {
    // The channels' mixture, as a listener hears a mono fold-down.
    const Eigen::VectorXf ref_mix = ref.samples.topRows(n).rowwise().mean().cast<float>();
    const Eigen::VectorXf est_mix = est.samples.topRows(n).rowwise().mean().cast<float>();
    plot->write([&](const std::string& path) {
      write_comparison_png(path, analysis.forward(ref_mix).cwiseAbs().cast<double>(),
                           analysis.forward(est_mix).cwiseAbs().cast<double>(), ref.sample_rate, hop_of(stft));
    });
    plot->commit();
  }
  if (ref.samples.rows() != est.samples.rows())  // only now: an error above is the one line on stderr
    std::fprintf(stderr, "specinv compare: note: %s has %ld samples, %s %ld; compared the first %ld\n",
                 o.reference.c_str(), long(ref.samples.rows()), o.estimate.c_str(), long(est.samples.rows()), long(n));
  if (o.json) {
    const nlohmann::json j = {{"reference", o.reference},
                              {"estimate", o.estimate},
                              {"sample_rate", ref.sample_rate},
                              {"channels", channels},
                              {"samples", n},
                              {"n_fft", stft.n_fft},
                              {"hop_length", hop_of(stft)},
                              {"spectral_convergence_db", sc},
                              {"ser_db", ser},
                              {"snr_db", snr},
                              {"plot", o.plot}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s against %s: %s, %ld channel%s, %d Hz, n_fft %d, hop %d\n", o.estimate.c_str(), o.reference.c_str(),
                seconds_string(double(n) / ref.sample_rate).c_str(), long(channels), channels == 1 ? "" : "s",
                ref.sample_rate, stft.n_fft, hop_of(stft));
    std::printf("spectral convergence %8.2f dB  (lower is better)\n", sc);
    std::printf("SER                  %8.2f dB  (higher is better)\n", ser);
    std::printf("SNR                  %8.2f dB  (higher is better)\n", snr);
    if (!o.plot.empty()) std::printf("plot: %s\n", o.plot.c_str());
  }
  return 0;
}

}  // namespace cli
