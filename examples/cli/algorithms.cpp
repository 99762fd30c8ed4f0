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
  // name, description, default iterations, then which options it takes: init, seed, momentum, look-ahead, rho, tol
  static const std::vector<AlgorithmInfo> table = {
      {"gla", "Griffin-Lim (torchaudio griffinlim, momentum 0)", 32, true, true, false, false, false, true},
      {"fgla", "Fast Griffin-Lim (torchaudio's momentum rule)", 32, true, true, true, false, false, true},
      {"admm", "ADMM phase recovery (Masuyama et al.)", 1000, true, true, false, false, true, true},
      {"rtisi-la", "RTISI with look-ahead (Zhu et al.); --iters per frame", 25, false, false, true, true, false, false},
      {"lbfgs", "L-BFGS on the signal (fits the mel directly for a power mel/bark input)", 1000, true, true, false,
       false, false, true},
      {"pghi", "phase gradient heap integration (Prusa et al.), no iterations", 0, false, true, false, false, false,
       false},
      {"legla", "Fast Le Roux Griffin-Lim (FleGLA), in-place updates", 100, true, true, true, false, false, true},
      {"rtpghi", "real-time PGHI (Prusa & Sondergaard), frame by frame", 0, false, true, false, true, false, false},
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
  p.threads = s.threads;
  if (s.progress) p.callback = s.progress;
  return p;
}

/// Each algorithm's options, from the settings.
specinv::GriffinLimParams griffin_lim_params(const RunSettings& s) {
  auto p = iterative<specinv::GriffinLimParams>(s, algorithm(s.algo));
  p.momentum = s.algo == "gla" ? 0.0 : s.momentum;
  return p;
}

specinv::AdmmParams admm_params(const RunSettings& s) {
  auto p = iterative<specinv::AdmmParams>(s, algorithm(s.algo));
  p.rho = s.rho;
  return p;
}

specinv::LeglaParams legla_params(const RunSettings& s) {
  auto p = iterative<specinv::LeglaParams>(s, algorithm(s.algo));
  p.momentum = s.momentum;
  return p;
}

specinv::RtisiLaParams rtisi_la_params(const RunSettings& s) {
  specinv::RtisiLaParams p;
  p.iters_per_frame = s.iters > 0 ? s.iters : algorithm(s.algo).default_iters;
  p.look_ahead = s.look_ahead;
  p.momentum = s.momentum;
  p.length = s.length;
  if (s.progress) p.callback = s.progress;
  return p;
}

specinv::PghiParams pghi_params(const RunSettings& s) {
  specinv::PghiParams p;
  p.seed = s.seed;
  p.length = s.length;
  return p;
}

specinv::RtpghiParams rtpghi_params(const RunSettings& s) {
  specinv::RtpghiParams p;
  p.seed = s.seed;
  p.length = s.length;
  if (s.look_ahead >= 0) p.look_ahead = s.look_ahead;
  return p;
}

}  // namespace

void validate(const RunSettings& s) {
  if (s.algo == "gla" || s.algo == "fgla") griffin_lim_params(s).validate();
  else if (s.algo == "admm") admm_params(s).validate();
  else if (s.algo == "legla") legla_params(s).validate();
  else if (s.algo == "rtisi-la") rtisi_la_params(s).validate();
  else if (s.algo == "pghi") pghi_params(s).validate();
  else if (s.algo == "rtpghi") rtpghi_params(s).validate();
  else validate_lbfgs(s);
}

specinv::Reconstruction<float> reconstruct(const RunSettings& s, const Eigen::MatrixXf& magnitude,
                                           const specinv::StftParams& stft) {
  if (s.algo == "gla" || s.algo == "fgla") return specinv::griffin_lim<float>(magnitude, stft, griffin_lim_params(s));
  if (s.algo == "admm") return specinv::admm<float>(magnitude, stft, admm_params(s));
  if (s.algo == "legla") return specinv::legla<float>(magnitude, stft, legla_params(s));
  if (s.algo == "rtisi-la") return specinv::rtisi_la<float>(magnitude, stft, rtisi_la_params(s));
  if (s.algo == "pghi") return specinv::pghi<float>(magnitude, stft, pghi_params(s));
  if (s.algo == "rtpghi") return specinv::rtpghi<float>(magnitude, stft, rtpghi_params(s));
  return reconstruct_lbfgs(s, magnitude, stft);
}

}  // namespace cli
