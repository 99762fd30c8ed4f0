// SPDX-License-Identifier: MIT
#pragma once

// The corpus clips (../shared/data/corpus) and what the peers reached on them
// (../shared/PEERS.md), for quality tests of phase recovery: tests assert against the peers'
// published figures, read from PEERS.md itself rather than copied into the test.

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <specinv/stft.hpp>

#include "../../examples/common/audio.hpp"
#include "catch.hpp"

namespace test {

/// The seven corpus clips, by file stem, in PEERS.md's order.
inline const std::vector<std::string>& corpus_clips() {
  static const std::vector<std::string> clips = {
      "env_opensfx_applause",        "env_opensfx_crossing_till", "music_perc_openmsx_no_work_song_drums",
      "music_tonal_openmsx_moo_piano", "speech_alsa_front",         "speech_klettres_nl_words",
      "synth_speech_espeak_en_us"};
  return clips;
}

/// PEERS.md's setup: n_fft 1024, hop 256, periodic Hann of 1024, center, reflect.
inline specinv::StftParams peers_stft() {
  specinv::StftParams p;
  p.n_fft = 1024;
  p.hop_length = 256;
  p.win_length = 1024;
  return p;
}

/// `seconds` of clip `stem` from `offset` (whole clip when seconds <= 0), mono, as T.
template <class T>
specinv::Signal<T> corpus_signal(const std::string& stem, double offset = 0, double seconds = 0) {
  int rate = 0;
  const Eigen::VectorXd audio = examples::read_mono(corpus(stem + ".wav"), &rate);
  const Eigen::Index start = std::min<Eigen::Index>(audio.size() - 1, Eigen::Index(offset * rate));
  const Eigen::Index count = seconds > 0 ? std::min<Eigen::Index>(audio.size() - start, Eigen::Index(seconds * rate))
                                         : audio.size() - start;
  return audio.segment(start, count).cast<T>();
}

/// |STFT| with peers_stft() of a corpus excerpt (see corpus_signal).
template <class T>
specinv::Magnitude<T> corpus_magnitude(const std::string& stem, double offset = 0, double seconds = 0) {
  const specinv::Signal<T> x = corpus_signal<T>(stem, offset, seconds);
  return specinv::Stft<T>(peers_stft()).forward(x).cwiseAbs();
}

/// The SC dB figure PEERS.md gives for `clip` in `column` (ta_gla, ta_fgla, ts_gla, ts_fgla,
/// ts_admm, ts_rtisi_la, ts_lbfgs); none where the table has "—" (not measured).
inline std::optional<double> peer_sc_db(const std::string& clip, const std::string& column) {
  const std::string path = std::string(SPECINV_GOLDEN_DIR) + "/../PEERS.md";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    std::getline(ss, cell, '|');  // before the first bar
    while (std::getline(ss, cell, '|')) {
      const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    }
    return out;
  };
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.rfind("| clip |", 0) == 0) {
      header = cells(line);
      continue;
    }
    if (header.empty() || line.rfind("| " + clip + " |", 0) != 0) continue;
    const auto row = cells(line);
    const auto col = std::find(header.begin(), header.end(), column);
    if (col == header.end()) throw std::runtime_error("PEERS.md has no column " + column);
    const std::string& cell = row.at(std::size_t(col - header.begin()));
    if (cell.empty() || cell.find("\u2014") != std::string::npos) return std::nullopt;  // "—": not measured
    return std::stod(cell);  // "-26.5 / 5.4 ms": the SC figure
  }
  throw std::runtime_error("PEERS.md has no row for " + clip);
}

}  // namespace test
