// SPDX-License-Identifier: MIT
#pragma once

// Access to ../shared/golden/cases.json and translation of its torch calls into StftParams.

#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <specinv/stft.hpp>

#include "catch.hpp"
#include "npy.hpp"

namespace test {

inline const nlohmann::json& golden_cases() {
  static const nlohmann::json cases = [] {
    std::ifstream in(golden("cases.json"));
    if (!in) throw std::runtime_error("cannot open " + golden("cases.json"));
    return nlohmann::json::parse(in);
  }();
  return cases;
}

/// A window named as in the golden file names and torch calls.
struct WindowSpec {
  specinv::WindowKind kind;
  Eigen::Index length;
  bool periodic;
  double beta;
};

/// Window kind from torch's function prefix ("hann" for torch.hann_window) or a golden file
/// name prefix ("rect" for rect_256.npy).
inline specinv::WindowKind parse_window_kind(const std::string& k) {
  if (k == "hann") return specinv::WindowKind::hann;
  if (k == "hamming") return specinv::WindowKind::hamming;
  if (k == "blackman") return specinv::WindowKind::blackman;
  if (k == "bartlett") return specinv::WindowKind::bartlett;
  if (k == "kaiser") return specinv::WindowKind::kaiser;
  if (k == "rect" || k == "ones") return specinv::WindowKind::rectangular;
  throw std::runtime_error("unknown window kind " + k);
}

/// Parses "torch.<kind>_window(<n>[, periodic=<True|False>][, beta=<b>], ...)".
inline WindowSpec parse_window_call(const std::string& call) {
  const auto open = call.find("_window(");
  const auto start = open == std::string::npos ? open : call.rfind("torch.", open);
  if (start == std::string::npos) throw std::runtime_error("unparsed window call: " + call);
  const auto close = call.find(')', open);
  const std::string args = call.substr(open + 8, close - open - 8);
  WindowSpec w{parse_window_kind(call.substr(start + 6, open - start - 6)), std::stoll(args), true, 12.0};
  w.periodic = args.find("periodic=False") == std::string::npos;
  const auto beta = args.find("beta=");
  if (beta != std::string::npos) w.beta = std::stod(args.substr(beta + 5));
  return w;
}

inline specinv::PadMode parse_pad_mode(const std::string& s) {
  if (s == "reflect") return specinv::PadMode::reflect;
  if (s == "constant") return specinv::PadMode::constant;
  if (s == "replicate") return specinv::PadMode::replicate;
  if (s == "circular") return specinv::PadMode::circular;
  throw std::runtime_error("unknown pad_mode " + s);
}

/// One STFT/iSTFT golden case (sections "stft" = torchaudio, "stft_torch" = torch.stft).
struct StftCase {
  std::string id;
  specinv::StftParams params;
  std::string signal, stft, istft_nolen, istft_len;  // golden-relative paths ("" when absent)
  std::string window_file;                            // "" for torch.stft's window=None
};

/// The StftParams equal to a case's torch / torchaudio call.
inline StftCase parse_stft_case(const nlohmann::json& c, bool torchaudio) {
  StftCase sc;
  sc.id = c.at("id");
  sc.signal = c.at("signal");
  sc.stft = c.at("stft");
  sc.istft_nolen = c.value("istft_nolen", nlohmann::json()).is_string() ? c["istft_nolen"].get<std::string>() : "";
  sc.istft_len = c.value("istft_len", nlohmann::json()).is_string() ? c["istft_len"].get<std::string>() : "";
  sc.window_file = c.at("window").is_string() ? c["window"].get<std::string>() : "";
  const std::string call = c.at("stft_call");
  const nlohmann::json& kw = torchaudio ? c : c.at("torch_kwargs");
  specinv::StftParams& p = sc.params;
  p.n_fft = kw.at("n_fft");
  p.hop_length = kw.value("hop_length", 0);  // torch.stft default: n_fft / 4
  p.win_length = kw.value("win_length", 0);
  p.center = kw.value("center", true);
  p.pad_mode = parse_pad_mode(kw.value("pad_mode", std::string("reflect")));
  p.onesided = kw.value("onesided", true);
  const nlohmann::json norm = kw.value("normalized", nlohmann::json(false));
  if (norm.is_string()) {
    p.normalized = norm == "window" ? specinv::Normalization::window : specinv::Normalization::frame_length;
  } else if (norm.get<bool>()) {
    // torchaudio's normalized=True scales by the window; torch.stft's by the frame length.
    p.normalized = torchaudio ? specinv::Normalization::window : specinv::Normalization::frame_length;
  }
  if (call.find("window=None") != std::string::npos || call.find("window=torch.ones") != std::string::npos) {
    p.window = specinv::WindowKind::rectangular;  // torch.stft without a window, or all ones
  } else {
    const WindowSpec w = parse_window_call(call);
    p.window = w.kind;
    p.kaiser_beta = w.beta;
  }
  return sc;
}

}  // namespace test
