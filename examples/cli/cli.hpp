// SPDX-License-Identifier: MIT
#pragma once

// The `specinv` command-line tool: what its translation units share. main.cpp parses the command
// line (CLI11) into the option structs below and calls run_invert / run_stft / run_compare; each
// of those lives in its own file. Errors: a problem with the user's input throws (UsageError, or
// whatever the library or the file readers throw) and main prints one line and exits with 2.

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <specinv/core.hpp>
#include <specinv/stft/params.hpp>

namespace specinv {
struct MelParams;   // filterbank/mel.hpp
struct BarkParams;  // filterbank/bark.hpp
}  // namespace specinv

namespace cli {

/// A problem with the command line or the input files: one line on stderr, exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The STFT options every subcommand takes.
struct StftOptions {
  int n_fft = 1024;
  int hop = 0;         // 0: n_fft / 4
  int win_length = 0;  // 0: n_fft
  std::string window = "hann";
  double kaiser_beta = 12.0;
  bool no_center = false;
  std::string pad_mode = "reflect";

  /// The library's StftParams; throws UsageError for an unknown window or pad mode.
  specinv::StftParams params() const;
};

/// The filterbank and scaling options of `invert` and `stft` (--mel / --bark, --power, --log).
struct FilterOptions {
  int mel = 0;   // number of mel filters, 0: none
  int bark = 0;  // number of bark filters, 0: none
  std::string mel_scale = "htk";
  std::string mel_norm = "none";
  std::string bark_scale = "traunmuller";
  double f_min = 0;
  double f_max = 0;   // 0: sample_rate / 2
  double power = 0;   // 0: 2 with a filterbank (torchaudio's MelSpectrogram), 1 without (magnitude)
  std::string log = "none";  // none | ln | log10 | db
  double log_floor = 1e-10;  // values are floored here before the log

  bool filtered() const { return mel > 0 || bark > 0; }
  int n_filters() const { return mel > 0 ? mel : bark; }
  const char* kind() const { return mel > 0 ? "mel" : bark > 0 ? "bark" : "linear"; }
  double resolved_power() const { return power > 0 ? power : filtered() ? 2.0 : 1.0; }
  /// Checks the combination (--mel with --bark, a bad --log...); throws UsageError.
  void validate() const;
  /// The library's options for --mel / --bark at this sample rate.
  specinv::MelParams mel_params(int sample_rate) const;
  specinv::BarkParams bark_params(int sample_rate) const;
  /// The (n_freqs, n_filters) filterbank for this sample rate; throws UsageError if a filter is
  /// all zero.
  Eigen::MatrixXd filterbank(int n_freqs, int sample_rate) const;
};

/// `specinv invert IN OUT`.
struct InvertOptions {
  std::string input, output;
  std::string algo = "fgla";  // one name, a comma-separated list, or "all"
  std::string init = "zero";
  int iters = 0;  // 0: the algorithm's default
  std::uint64_t seed = 0;
  double momentum = 0.99;
  int look_ahead = -1;  // -1: the algorithm's default
  double tol = 1e-6;
  double rho = 0.1;
  std::string inverse = "nnls";
  int sample_rate = 0;
  long long length = 0;  // 0: natural
  int threads = 1;
  bool json = false;
  bool quiet = false;
  StftOptions stft;
  FilterOptions filter;
  std::set<std::string> given;  // the options the user gave explicitly, by long name
};

/// `specinv stft IN OUT`.
struct StftCommandOptions {
  std::string input, output;
  bool magnitude = false;
  std::string dtype = "float32";
  StftOptions stft;
  FilterOptions filter;
  std::set<std::string> given;
};

/// `specinv compare REF EST`.
struct CompareOptions {
  std::string reference, estimate;
  std::string plot;
  bool json = false;
  StftOptions stft;
  std::set<std::string> given;
};

/// Refuse options given (by long name in `given`) that mean nothing with the others: --kaiser-beta
/// without --window kaiser; filterbank options without their --mel / --bark.
void check_stft_options(const StftOptions& stft, const std::set<std::string>& given);
void check_filter_options(const FilterOptions& filter, const std::set<std::string>& given);

int run_invert(const InvertOptions& options);
int run_stft(const StftCommandOptions& options);
int run_compare(const CompareOptions& options);

// ---- shared helpers (io.cpp) ----

/// An audio file as (samples, channels) and its rate; throws UsageError naming the file.
struct Audio {
  int sample_rate = 0;
  Eigen::MatrixXd samples;
};
Audio read_audio(const std::string& path);

/// Throws UsageError unless `path` ends with `extension` (case-insensitive), e.g. ".wav".
void require_extension(const std::string& path, const std::string& extension, const char* what);

/// A file written under a temporary name beside its target and renamed over it by commit(), so
/// that a failed run leaves nothing behind (and an existing file untouched). The constructor
/// creates the (empty) temporary file: an unwritable place is refused before any work.
class OutputFile {
 public:
  /// \throws UsageError naming `path` if its directory is missing or not writable
  explicit OutputFile(std::string path);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();
  /// Calls write(temporary name); an exception it throws becomes a UsageError naming the target.
  template <class Write>
  void write(Write&& write) {
    try {
      write(m_temporary);
    } catch (const std::exception& e) {
      throw UsageError("cannot write '" + m_path + "': " + e.what());
    }
  }
  /// Renames the temporary file to the target. \throws UsageError if that fails
  void commit();

 private:
  std::string m_path, m_temporary;
  bool m_committed = false;
};

/// The input representation (|STFT|^power, or its mel / bark filtering) of one channel, computed
/// in float with the library's Stft / MelSpectrogram / BarkSpectrogram; no log applied.
Eigen::MatrixXf analyse(const Eigen::VectorXd& channel, const specinv::StftParams& stft, const FilterOptions& filter,
                        int sample_rate);

/// The log scaling of --log (in place) and its inverse.
void apply_log(Eigen::MatrixXd& values, const FilterOptions& filter);
void undo_log(Eigen::MatrixXd& values, const FilterOptions& filter);

/// The hop in samples (hop_length, or n_fft / 4 when 0, as torch).
inline int hop_of(const specinv::StftParams& p) { return p.hop_length > 0 ? p.hop_length : p.n_fft / 4; }

/// Seconds and Hz of a duration for messages: "4.44 s".
std::string seconds_string(double seconds);

}  // namespace cli
