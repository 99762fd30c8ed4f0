// SPDX-License-Identifier: MIT
#pragma once

// The phase-recovery algorithms `specinv invert --algo` knows: a table of what each accepts, and
// one call that runs any of them on a float magnitude. lbfgs lives in its own translation unit
// (lbfgs.cpp): it is by far the heaviest template to compile.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <specinv/phase/common.hpp>

namespace cli {

/// One algorithm and the options that mean something to it.
struct AlgorithmInfo {
  const char* name;         ///< --algo spelling
  const char* description;  ///< for --help
  int default_iters;        ///< 0: not iterative (--iters refused)
  bool init;                ///< takes --init
  bool seed;                ///< takes --seed (random starts, or PGHI's random phases below its tolerance)
  bool momentum;            ///< takes --momentum
  bool look_ahead;          ///< takes --look-ahead
  bool rho;                 ///< takes --rho
  bool tol;                 ///< takes --tol
};

/// Every algorithm, in the order `--algo all` runs them.
const std::vector<AlgorithmInfo>& algorithms();
/// The entry of `name`; throws UsageError listing the known names.
const AlgorithmInfo& algorithm(const std::string& name);

/// The library's Init for an --init spelling; throws UsageError for an unknown one.
specinv::Init parse_init(const std::string& name);

/// What one run is asked to do.
struct RunSettings {
  std::string algo;
  std::string init = "zero";  // zero | random | phase-init | pghi
  int iters = 0;              // 0: default
  std::uint64_t seed = 0;
  double momentum = 0.99;
  int look_ahead = -1;        // -1: default
  double tol = 1e-6;
  double rho = 0.1;
  std::optional<Eigen::Index> length;
  int threads = 1;  // threads of one channel's run (gla, fgla, admm split its frames)
  /// Progress: called with the units done (iterations, or frames for rtisi-la) and the current
  /// SC in dB; return false to stop. May be empty.
  std::function<bool(int done, double sc_db)> progress;
  /// For lbfgs on a mel / bark target: the (n_freqs, n_filters) filterbank and the power-2 filtered
  /// target it is fitted to directly (empty otherwise: lbfgs fits the magnitude).
  Eigen::MatrixXd filterbank;
  Eigen::MatrixXf filtered_target;
};

/// Units of work of a run (for the progress bar): iterations, or frames for rtisi-la; 0 if the
/// algorithm reports no progress.
int progress_units(const RunSettings& settings, Eigen::Index frames);

/// Checks the options settings.algo would get, as the library does, before anything runs;
/// throws specinv::invalid_argument naming the field.
void validate(const RunSettings& settings);
void validate_lbfgs(const RunSettings& settings);  // lbfgs.cpp

/// Runs settings.algo on `magnitude` (n_fft / 2 + 1, frames).
specinv::Reconstruction<float> reconstruct(const RunSettings& settings, const Eigen::MatrixXf& magnitude,
                                           const specinv::StftParams& stft);
/// lbfgs (lbfgs.cpp).
specinv::Reconstruction<float> reconstruct_lbfgs(const RunSettings& settings, const Eigen::MatrixXf& magnitude,
                                                 const specinv::StftParams& stft);

/// The inverse filterbank (lbfgs.cpp): the non-negative linear magnitude^power, (n_freqs, frames),
/// whose filtering by `filterbank` (n_freqs, n_filters) best matches `filtered` (n_filters, frames).
/// method: nnls, least-squares, gradient or lbfgsb; throws UsageError for another.
Eigen::MatrixXd inverse_filterbank(const Eigen::MatrixXd& filterbank, const std::string& method,
                                   const Eigen::MatrixXd& filtered);

}  // namespace cli
