// SPDX-License-Identifier: MIT
// Every audio file of a folder through magnitude -> phase recovery -> wav, with the batched API.
//
//   batch_folder in_dir out_dir [--n-fft N] [--hop H] [--iters K] [--seconds S] [--max-sc DB]
//
// Reads every .wav, .flac and .ogg file of in_dir (sorted by name, mixed to mono), rebuilds it
// from its magnitude with fast Griffin-Lim from a PGHI start (defaults: n_fft 1024, hop 256,
// 100 iterations), writes out_dir/<name>.wav (out_dir is created if missing) and prints a table
// of file, seconds and spectral convergence (SC, lower is better). With --max-sc it exits with 1
// if any clip's SC is worse than DB.
//
// The batch overload of griffin_lim takes a rank-3 (freq, frames, batch) MagnitudeBatch and one
// GriffinLimParams, whose `length` is the exact output length, so the items of a batch must be
// equally long. Clips are grouped by length in samples, one batch per group (one GriffinLim
// object inside: plans and buffers reused). --seconds S cuts every clip to its first S seconds,
// as a pipeline of fixed-length training segments would, so that they share one batch.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <specinv/phase/griffin_lim.hpp>

#include "common/audio.hpp"

namespace fs = std::filesystem;

namespace {

struct Clip {
  fs::path path;
  int rate = 0;
  specinv::Signal<float> samples, rebuilt;
  double sc_db = 0;
};

bool is_audio(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".wav" || ext == ".flac" || ext == ".ogg";
}

}  // namespace

int main(int argc, char** argv) {
  specinv::StftParams stft;
  stft.n_fft = 1024;
  stft.hop_length = 256;
  specinv::GriffinLimParams fgla;  // momentum 0.99: fast Griffin-Lim
  fgla.max_iter = 100;
  fgla.init = specinv::Init::pghi;
  double max_seconds = 0, max_sc = 0;  // 0: whole clips; no quality check
  std::vector<std::string> dirs;
  auto usage = [&] {
    std::fprintf(stderr, "usage: %s in_dir out_dir [--n-fft N] [--hop H] [--iters K] [--seconds S]"
                         " [--max-sc DB]\n", argv[0]);
    return 2;
  };
  for (int i = 1; i < argc; ++i) {
    const bool v = i + 1 < argc;
    if (!std::strcmp(argv[i], "--n-fft") && v) stft.n_fft = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--hop") && v) stft.hop_length = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--iters") && v) fgla.max_iter = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seconds") && v) max_seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--max-sc") && v) max_sc = std::atof(argv[++i]);
    else if (argv[i][0] != '-') dirs.push_back(argv[i]);
    else return usage();
  }
  if (dirs.size() != 2) return usage();

  try {
    // 1. Read the folder, sorted by name.
    std::vector<fs::path> paths;
    for (const fs::directory_entry& e : fs::directory_iterator(dirs[0]))
      if (e.is_regular_file() && is_audio(e.path())) paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    if (paths.empty()) throw std::runtime_error("no .wav, .flac or .ogg file in '" + dirs[0] + "'");
    std::vector<Clip> clips;
    std::map<Eigen::Index, std::vector<std::size_t>> by_length;  // samples -> clips
    for (const fs::path& p : paths) {
      Clip c;
      c.path = p;
      c.samples = examples::read_mono(p.string(), &c.rate).cast<float>();
      if (max_seconds > 0) c.samples.conservativeResize(std::min(c.samples.size(), Eigen::Index(max_seconds * c.rate)));
      by_length[c.samples.size()].push_back(clips.size());
      clips.push_back(std::move(c));
    }
    fs::create_directories(dirs[1]);
    specinv::Stft<float> analysis(stft);
    std::printf("%zu files in %zu batch(es) of equal length; FGLA from PGHI, %d iterations, n_fft %d, hop %ld\n\n",
                clips.size(), by_length.size(), fgla.max_iter, stft.n_fft, long(analysis.hop_length()));

    // 2. One batch per length: magnitudes side by side in a (freq, frames, batch) tensor.
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& [length, members] : by_length) {
      const Eigen::Index bins = analysis.n_freqs(), frames = analysis.n_frames(length);
      specinv::MagnitudeBatch<float> batch(bins, frames, Eigen::Index(members.size()));
      for (std::size_t b = 0; b < members.size(); ++b) {
        Eigen::Map<specinv::Magnitude<float>> item(batch.data() + Eigen::Index(b) * bins * frames, bins, frames);
        item = analysis.forward(clips[members[b]].samples).cwiseAbs();
      }
      fgla.length = length;  // every item of the batch comes back with exactly this many samples
      std::vector<specinv::Reconstruction<float>> r = specinv::griffin_lim<float>(batch, stft, fgla);
      for (std::size_t b = 0; b < members.size(); ++b) {
        clips[members[b]].sc_db = r[b].spectral_convergence_db;
        clips[members[b]].rebuilt = std::move(r[b].signal);
      }
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // 3. Write and report, in name order.
    std::printf("%-44s %8s %8s\n", "file", "seconds", "SC dB");
    double total = 0;
    bool good = true;
    for (const Clip& c : clips) {
      const fs::path out = fs::path(dirs[1]) / c.path.stem().concat(".wav");
      examples::write_wav(out.string(), c.rebuilt.cast<double>(), c.rate);
      const double seconds = double(c.samples.size()) / c.rate;
      total += seconds;
      std::printf("%-44s %8.2f %8.2f\n", c.path.filename().string().c_str(), seconds, c.sc_db);
      good = good && (max_sc == 0 || c.sc_db <= max_sc);
    }
    std::printf("\n%.1f s of audio in %.2f s (%.0fx real time); wrote %s\n", total, elapsed, total / elapsed,
                dirs[1].c_str());
    if (!good) {
      std::fprintf(stderr, "batch_folder: a spectral convergence is worse than --max-sc %.2f dB\n", max_sc);
      return 1;
    }
  } catch (const std::exception& e) {  // unreadable folder or file, or a specinv::invalid_argument
    std::fprintf(stderr, "batch_folder: %s\n", e.what());
    return 2;
  }
  return 0;
}
