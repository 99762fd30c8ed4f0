// SPDX-License-Identifier: MIT
// What compiles LBFGSpp, in one translation unit: `specinv invert --algo lbfgs` and the inverse
// filterbank (whose lbfgsb method, and lbfgs's mel start, instantiate it). It is by far the
// heaviest template to compile; on its own a parallel build compiles it beside the rest.

#include <algorithm>
#include <utility>

#include <specinv/filterbank/inverse.hpp>
#include <specinv/phase/lbfgs.hpp>

#include "algorithms.hpp"
#include "cli.hpp"

namespace cli {

namespace {

specinv::LbfgsParams lbfgs_params(const RunSettings& s) {
  specinv::LbfgsParams p;
  p.max_iter = s.iters > 0 ? s.iters : algorithm("lbfgs").default_iters;
  p.tol = s.tol;
  p.seed = s.seed;
  p.length = s.length;
  p.init = parse_init(s.init);
  if (s.progress) p.callback = s.progress;
  if (s.filterbank.size() > 0) {  // fit F^T |STFT x|^2 to the mel / bark target itself
    p.representation = specinv::Representation::mel;
    p.filterbank = s.filterbank;
  }
  return p;
}

}  // namespace

void validate_lbfgs(const RunSettings& s) { lbfgs_params(s).validate(); }

specinv::Reconstruction<float> reconstruct_lbfgs(const RunSettings& s, const Eigen::MatrixXf& magnitude,
                                                 const specinv::StftParams& stft) {
  const specinv::LbfgsParams p = lbfgs_params(s);
  if (p.representation == specinv::Representation::mel) return specinv::lbfgs<float>(s.filtered_target, stft, p);
  return specinv::lbfgs<float>(magnitude, stft, p);
}

Eigen::MatrixXd inverse_filterbank(const Eigen::MatrixXd& filterbank, const std::string& method,
                                   const Eigen::MatrixXd& filtered) {
  const std::pair<const char*, specinv::InverseMethod> methods[] = {{"nnls", specinv::InverseMethod::nnls},
                                                                    {"least-squares", specinv::InverseMethod::least_squares},
                                                                    {"gradient", specinv::InverseMethod::gradient},
                                                                    {"lbfgsb", specinv::InverseMethod::lbfgsb}};
  const auto m = std::find_if(std::begin(methods), std::end(methods), [&](const auto& e) { return method == e.first; });
  if (m == std::end(methods))
    throw UsageError("unknown --inverse '" + method + "': expected nnls, least-squares, gradient or lbfgsb");
  specinv::InverseParams params;
  params.method = m->second;
  return specinv::InverseFilterbank<double>(filterbank, params)(filtered);
}

}  // namespace cli
