// SPDX-License-Identifier: MIT
// `specinv invert --algo`: the algorithm table and the dispatch to the library (all but lbfgs).

#include "algorithms.hpp"

#include <specinv/phase/admm.hpp>
#include <specinv/phase/griffin_lim.hpp>
#include <specinv/phase/legla.hpp>
#include <specinv/phase/pghi.hpp>
#include <specinv/phase/rtisi_la.hpp>
#include <specinv/phase/rtpghi.hpp>

#include "cli.hpp"

namespace cli {

const std::vector<AlgorithmInfo>& algorithms() {
  //                      name        description                                       iters init   mom    la     rho    tol
  static const std::vector<AlgorithmInfo> table = {
      {"gla", "Griffin-Lim (torchaudio griffinlim, momentum 0)", 32, true, false, false, false, true},
      {"fgla", "Fast Griffin-Lim (torchaudio's momentum rule)", 32, true, true, false, false, true},
      {"admm", "ADMM phase recovery (Masuyama et al.)", 1000, true, false, false, true, true},
      {"rtisi-la", "RTISI with look-ahead (Zhu et al.); --iters per frame", 25, false, true, true, false, false},
      {"lbfgs", "L-BFGS on the signal (fits the mel directly for a power mel/bark input)", 1000, true, false, false,
       false, true},
      {"pghi", "phase gradient heap integration (Prusa et al.), no iterations", 0, false, false, false, false, false},
      {"legla", "Fast Le Roux Griffin-Lim (FleGLA), in-place updates", 100, true, true, false, false, true},
      {"rtpghi", "real-time PGHI (Prusa & Sondergaard), frame by frame", 0, false, false, true, false, false},
  };
  return table;
}

const AlgorithmInfo& algorithm(const std::string& name) {
  for (const AlgorithmInfo& a : algorithms())
    if (name == a.name) return a;
  std::string known;
  for (const AlgorithmInfo& a : algorithms()) known += std::string(known.empty() ? "" : ", ") + a.name;
  throw UsageError("unknown algorithm '" + name + "' for --algo: expected " + known + " or all");
}

int progress_units(const RunSettings& s, Eigen::Index frames) {
  const AlgorithmInfo& a = algorithm(s.algo);
  if (a.default_iters == 0) return 0;
  if (s.algo == "rtisi-la") return int(frames);
  return s.iters > 0 ? s.iters : a.default_iters;
}

specinv::Init parse_init(const std::string& name) {
  if (name == "zero") return specinv::Init::zero_phase;
  if (name == "random") return specinv::Init::random;
  if (name == "phase-init") return specinv::Init::phase_init;
  if (name == "pghi") return specinv::Init::pghi;
  throw UsageError("unknown --init '" + name + "': expected zero, random, phase-init or pghi");
}

namespace {

/// The shared options of the iterative algorithms.
template <class Params>
Params iterative(const RunSettings& s, const AlgorithmInfo& a) {
  Params p;
  p.max_iter = s.iters > 0 ? s.iters : a.default_iters;
  p.init = parse_init(s.init);
  p.seed = s.seed;
  p.tol = s.tol;
  p.length = s.length;
  if (s.progress) p.callback = s.progress;
  return p;
}

}  // namespace

specinv::Reconstruction<float> reconstruct(const RunSettings& s, const Eigen::MatrixXf& magnitude,
                                           const specinv::StftParams& stft) {
  const AlgorithmInfo& a = algorithm(s.algo);
  if (s.algo == "gla" || s.algo == "fgla") {
    auto p = iterative<specinv::GriffinLimParams>(s, a);
    p.momentum = s.algo == "gla" ? 0.0 : s.momentum;
    return specinv::griffin_lim<float>(magnitude, stft, p);
  }
  if (s.algo == "admm") {
    auto p = iterative<specinv::AdmmParams>(s, a);
    p.rho = s.rho;
    return specinv::admm<float>(magnitude, stft, p);
  }
  if (s.algo == "legla") {
    auto p = iterative<specinv::LeglaParams>(s, a);
    p.momentum = s.momentum;
    return specinv::legla<float>(magnitude, stft, p);
  }
  if (s.algo == "rtisi-la") {
    specinv::RtisiLaParams p;
    p.iters_per_frame = s.iters > 0 ? s.iters : a.default_iters;
    p.look_ahead = s.look_ahead;
    p.momentum = s.momentum;
    p.length = s.length;
    if (s.progress) p.callback = s.progress;
    return specinv::rtisi_la<float>(magnitude, stft, p);
  }
  if (s.algo == "pghi") {
    specinv::PghiParams p;
    p.seed = s.seed;
    p.length = s.length;
    return specinv::pghi<float>(magnitude, stft, p);
  }
  if (s.algo == "rtpghi") {
    specinv::RtpghiParams p;
    p.seed = s.seed;
    p.length = s.length;
    if (s.look_ahead >= 0) p.look_ahead = s.look_ahead;
    return specinv::rtpghi<float>(magnitude, stft, p);
  }
  return reconstruct_lbfgs(s, magnitude, stft);
}

}  // namespace cli
