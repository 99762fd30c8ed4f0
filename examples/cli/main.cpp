// SPDX-License-Identifier: MIT
// `specinv`: spectrogram inversion from the command line (API.md, "Command-line tool").
//
//   specinv invert  IN.(wav|flac|ogg|npy) OUT.wav --algo fgla|... [options]
//   specinv stft    IN.wav OUT.npy [--magnitude] [--mel N] [options]
//   specinv compare REF.wav EST.wav [--plot out.png]
//
// Exit codes: 0 success, 2 bad command line or input (one line on stderr, no output file left).

#include <cstdio>
#include <exception>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <specinv/core/warning.hpp>
#include <specinv/version.hpp>

#include "algorithms.hpp"
#include "cli.hpp"

namespace {

void add_stft_options(CLI::App& cmd, cli::StftOptions& o) {
  cmd.add_option("--n-fft", o.n_fft, "FFT size; the spectrogram has n_fft / 2 + 1 frequency rows")->group("STFT");
  cmd.add_option("--hop", o.hop, "hop length in samples; 0 means n_fft / 4, as torch.stft")->group("STFT");
  cmd.add_option("--win-length", o.win_length, "window length, <= n_fft (zero-padded, centred); 0 means n_fft")
      ->group("STFT");
  cmd.add_option("--window", o.window, "window: hann, hamming, blackman, bartlett, rectangular or kaiser (periodic)")
      ->group("STFT");
  cmd.add_option("--kaiser-beta", o.kaiser_beta, "shape of the kaiser window")->group("STFT");
  cmd.add_flag("--no-center", o.no_center, "frames start at sample 0 instead of being centred (torch center=False)")
      ->group("STFT");
  cmd.add_option("--pad-mode", o.pad_mode, "padding of the centred frames: reflect, constant, replicate or circular")
      ->group("STFT");
}

void add_filter_options(CLI::App& cmd, cli::FilterOptions& o, const char* verb) {
  cmd.add_option("--mel", o.mel, std::string("number of mel filters: ") + verb + " a mel spectrogram (0: none)")
      ->group("Filterbank");
  cmd.add_option("--bark", o.bark, std::string("number of bark filters: ") + verb + " a bark spectrogram (0: none)")
      ->group("Filterbank");
  cmd.add_option("--mel-scale", o.mel_scale, "mel formula: htk or slaney (torchaudio mel_scale)")->group("Filterbank");
  cmd.add_option("--mel-norm", o.mel_norm, "mel filter normalisation: none or slaney (torchaudio norm)")
      ->group("Filterbank");
  cmd.add_option("--bark-scale", o.bark_scale, "bark formula: traunmuller, schroeder or wang")->group("Filterbank");
  cmd.add_option("--f-min", o.f_min, "lowest filter edge in Hz")->group("Filterbank");
  cmd.add_option("--f-max", o.f_max, "highest filter edge in Hz; 0 means sample_rate / 2")->group("Filterbank");
  cmd.add_option("--power", o.power,
                 "exponent of the magnitude in the values: 1 magnitude, 2 power; 0 means 2 with --mel/--bark "
                 "(torchaudio MelSpectrogram) and 1 without")
      ->group("Scaling");
  cmd.add_option("--log", o.log,
                 "log scale of the values: none, ln, log10, or db (10 log10 of |S|^2, torchaudio AmplitudeToDB)")
      ->group("Scaling");
  cmd.add_option("--log-floor", o.log_floor, "values are floored here before taking the log")->group("Scaling");
}

std::string algorithm_help() {
  std::string text = "phase recovery algorithm, a comma-separated list of them, or all:";
  for (const cli::AlgorithmInfo& a : cli::algorithms()) {
    text += std::string("\n    ") + a.name + ": " + a.description;
    if (a.default_iters > 0) text += " (" + std::to_string(a.default_iters) + " iterations by default)";
  }
  return text;
}

/// The library's warnings (e.g. a mel filter that is all zero), printed only once the command
/// has succeeded: a failing command prints its one error line and nothing else.
std::mutex warnings_mutex;
std::vector<std::string> warnings;

void collect_warning(const char* message) {
  std::lock_guard<std::mutex> lock(warnings_mutex);
  warnings.emplace_back(message);
}

/// The options given on the command line, by long name.
std::set<std::string> given_options(const CLI::App& cmd) {
  std::set<std::string> given;
  for (const CLI::Option* option : cmd.get_options())
    if (option->count() > 0)
      for (const std::string& name : option->get_lnames()) given.insert(name);
  return given;
}

/// One line: CLI11's messages and exceptions may contain newlines.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"specinv " SPECINV_VERSION_STRING ": spectrogram inversion (phase recovery) from the command line", "specinv"};
  app.option_defaults()->always_capture_default();
  app.set_version_flag("--version", SPECINV_VERSION_STRING);
  app.require_subcommand(1);
  app.footer("Run `specinv <command> --help` for a command's options. Exit code 2 means bad input.");

  cli::InvertOptions inv;
  CLI::App* invert = app.add_subcommand(
      "invert",
      "Reconstruct audio from a magnitude. An audio IN is analysed with the STFT (and filterbank) given, its phase "
      "thrown away and recovered: the round trip. A .npy IN is a (freq, frames) or (channels, freq, frames) "
      "float32/float64 magnitude, or with --mel/--bark a mel/bark spectrogram, as vocoders and TTS models write them; "
      "it goes through the inverse filterbank, then phase recovery.");
  invert->add_option("IN", inv.input, "audio file (wav, flac, ogg; every channel is processed) or .npy spectrogram")
      ->required();
  invert->add_option("OUT", inv.output, "output .wav (float32); with several algorithms it must contain {algo}")
      ->required();
  invert->add_option("--algo", inv.algo, algorithm_help())->group("Algorithm");
  invert->add_option("--init", inv.init, "start of the iterative algorithms: zero, random, phase-init or pghi")
      ->group("Algorithm");
  invert->add_option("--iters", inv.iters, "iterations (rtisi-la: per frame); 0 means the algorithm's default")
      ->group("Algorithm");
  invert->add_option("--seed", inv.seed, "seed of --init random")->group("Algorithm");
  invert->add_option("--momentum", inv.momentum, "momentum of fgla, legla and rtisi-la, in [0, 1)")->group("Algorithm");
  invert->add_option("--look-ahead", inv.look_ahead,
                     "look-ahead frames of rtisi-la (-1: (win_length - 1) / hop) and rtpghi (0 or 1; -1: 1)")
      ->group("Algorithm");
  invert->add_option("--tol", inv.tol, "early-stop tolerance on the relative loss improvement; 0 never stops early")
      ->group("Algorithm");
  invert->add_option("--rho", inv.rho, "ADMM penalty parameter")->group("Algorithm");
  invert->add_option("--threads", inv.threads,
                     "threads: channels run side by side, and the threads left over split each channel's frames "
                     "(gla, fgla, admm); results do not depend on the value (beyond FFTW's run-to-run plan choice)")->group("Algorithm");
  invert->add_option("--sample-rate", inv.sample_rate,
                     "sample rate in Hz: required for a .npy IN; for audio, if given, must match the file")
      ->group("Input");
  invert->add_option("--length", inv.length, "output samples for a .npy IN; 0 means (frames - 1) * hop")
      ->group("Input");
  invert->add_option("--inverse", inv.inverse,
                     "inverse filterbank of --mel/--bark: nnls (exact), least-squares, gradient or lbfgsb")
      ->group("Filterbank");
  add_stft_options(*invert, inv.stft);
  add_filter_options(*invert, inv.filter, "IN is (or is analysed into)");
  invert->add_flag("--json", inv.json, "print one JSON object per algorithm instead of the table")->group("Output");
  invert->footer(
      "Examples:\n  specinv invert speech.wav out.wav --algo fgla --init pghi --iters 100\n"
      "  specinv invert mel.npy out.wav --mel 80 --sample-rate 22050 --n-fft 1024 --hop 256\n"
      "  specinv invert speech.wav 'out/{algo}.wav' --algo all --json");

  cli::StftCommandOptions st;
  CLI::App* stft = app.add_subcommand(
      "stft", "Write an audio file's STFT as .npy: complex (complex64/complex128), or with --magnitude, --mel or "
              "--bark real; shape (freq, frames), or (channels, freq, frames) for several channels; C order.");
  stft->add_option("IN", st.input, "audio file (wav, flac, ogg...)")->required();
  stft->add_option("OUT", st.output, "output .npy")->required();
  stft->add_flag("--magnitude", st.magnitude, "write |STFT|^power instead of the complex STFT")->group("Output");
  stft->add_option("--dtype", st.dtype, "float32 or float64 (complex64 or complex128 for the complex STFT)")
      ->group("Output");
  add_stft_options(*stft, st.stft);
  add_filter_options(*stft, st.filter, "write");

  cli::CompareOptions cmp;
  CLI::App* compare = app.add_subcommand(
      "compare", "Spectral convergence, SER and SNR of EST's magnitude spectrogram against REF's "
                 "(torch_specinv.metrics; channels pooled; the shorter length is compared).");
  compare->add_option("REF", cmp.reference, "reference audio file")->required();
  compare->add_option("EST", cmp.estimate, "estimated audio file, same sample rate and channels")->required();
  compare->add_option("--plot", cmp.plot, "write a PNG: both spectrograms in dB and their difference")
      ->group("Output");
  compare->add_flag("--json", cmp.json, "print one JSON object")->group("Output");
  add_stft_options(*compare, cmp.stft);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "specinv: error: %s (see specinv --help)\n", one_line(e.what()).c_str());
    return 2;
  }
  specinv::set_warning_handler(collect_warning);
  int status = 0;
  try {
    if (invert->parsed()) {
      inv.given = given_options(*invert);
      status = cli::run_invert(inv);
    } else if (stft->parsed()) {
      st.given = given_options(*stft);
      status = cli::run_stft(st);
    } else {
      cmp.given = given_options(*compare);
      status = cli::run_compare(cmp);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "specinv: error: %s\n", one_line(e.what()).c_str());
    return 2;
  }
  std::lock_guard<std::mutex> lock(warnings_mutex);
  for (const std::string& w : warnings) std::fprintf(stderr, "specinv: warning: %s\n", w.c_str());
  return status;
}
