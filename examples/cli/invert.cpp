// SPDX-License-Identifier: MIT
// `specinv invert IN OUT.wav`: an audio file (analysed, its phase thrown away) or a .npy magnitude /
// mel / bark spectrogram, back to audio. Filtered input goes through the inverse filterbank first,
// then phase recovery; several algorithms can run on the same input (--algo a,b or all).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <specinv/stft/stft.hpp>

#include "algorithms.hpp"
#include "cli.hpp"
#include "common/audio.hpp"
#include "common/npy.hpp"

namespace cli {
namespace {

using Clock = std::chrono::steady_clock;

/// What the phase recovery gets, per channel, and what the results are scored against.
struct Input {
  int sample_rate = 0;
  std::vector<Eigen::MatrixXd> given;      // the representation as given (linear, log undone)
  std::vector<Eigen::MatrixXf> magnitude;  // the linear magnitude the algorithms recover phase for
  std::vector<Eigen::MatrixXf> reference;  // audio input: |STFT(x)| (empty for .npy)
  Eigen::MatrixXd filterbank;              // (n_freqs, n_filters) when filtered
  std::optional<Eigen::Index> length;      // output samples; none: the natural length
  double inverse_seconds = 0;              // time of the inverse filterbank
  std::string description;                 // for the human summary
};

bool is_npy(const std::string& path) {
  try {
    require_extension(path, ".npy", "IN");
    return true;
  } catch (const UsageError&) {
    return false;
  }
}

/// Reads the .npy input: rank 2 (freq, frames) or 3 (channels, freq, frames), float32 / float64.
std::vector<Eigen::MatrixXd> read_spectrograms(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw UsageError(path + ": no such file");
  examples::NpyArray a;
  try {
    a = examples::read_npy(path);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  if (a.is_complex())
    throw UsageError(path + ": dtype " + a.dtype() +
                     ": expected float32 or float64 (a magnitude, mel or bark spectrogram, not a complex STFT)");
  if (a.shape.size() != 2 && a.shape.size() != 3)
    throw UsageError(path + ": shape " + examples::shape_string(a.shape) + " has rank " + std::to_string(a.shape.size()) +
                     ": expected (freq, frames) or (channels, freq, frames)");
  if (a.size() == 0) throw UsageError(path + ": shape " + examples::shape_string(a.shape) + " is empty");
  std::vector<Eigen::MatrixXd> out;
  const Eigen::Index channels = a.shape.size() == 3 ? a.shape[0] : 1;
  for (Eigen::Index c = 0; c < channels; ++c) out.push_back(a.matrix<double>(c));
  return out;
}

/// Checks the values of a linear representation: finite and >= 0.
void check_values(const std::string& path, const Eigen::MatrixXd& m, const FilterOptions& filter) {
  if (!m.allFinite()) {
    throw UsageError(path + ": NaN or infinite values" +
                     (filter.log == "none" ? std::string() : " after undoing --log " + filter.log));
  }
  const double lowest = m.minCoeff();
  if (lowest < 0) {
    throw UsageError(path + ": negative values (" + std::to_string(lowest) +
                     "): a magnitude or power must be >= 0; for a log spectrogram pass --log ln, log10 or db");
  }
}

Input prepare(const InvertOptions& o, const specinv::StftParams& stft) {
  Input in;
  const FilterOptions& f = o.filter;
  const Eigen::Index n_freqs = stft.n_fft / 2 + 1;
  const Eigen::Index rows = f.filtered() ? f.n_filters() : n_freqs;
  if (is_npy(o.input)) {
    if (o.sample_rate <= 0) throw UsageError("--sample-rate is required for a .npy input");
    in.sample_rate = o.sample_rate;
    in.given = read_spectrograms(o.input);
    for (Eigen::MatrixXd& m : in.given) {
      if (m.rows() != rows) {
        throw UsageError(o.input + ": " + std::to_string(m.rows()) + " rows, but " +
                         (f.filtered() ? "--" + std::string(f.kind()) + " " + std::to_string(rows) + " expects " +
                                             std::to_string(rows)
                                       : "--n-fft " + std::to_string(stft.n_fft) + " expects " + std::to_string(rows) +
                                             " (n_fft / 2 + 1; for a mel spectrogram pass --mel N)"));
      }
      undo_log(m, f);
      check_values(o.input, m, f);
    }
    if (o.length > 0) in.length = Eigen::Index(o.length);
    in.description = o.input + ": " + (in.given.size() > 1 ? std::to_string(in.given.size()) + " channels of " : "") +
                     "(" + std::to_string(rows) + ", " + std::to_string(in.given[0].cols()) + ") " + f.kind() +
                     " spectrogram, " + std::to_string(in.sample_rate) + " Hz";
  } else {
    const Audio audio = read_audio(o.input);
    if (o.sample_rate > 0 && o.sample_rate != audio.sample_rate)
      throw UsageError("--sample-rate " + std::to_string(o.sample_rate) + " differs from " + o.input + "'s " +
                       std::to_string(audio.sample_rate) + " Hz (specinv does not resample)");
    if (o.length > 0) throw UsageError("--length applies to a .npy input; an audio input keeps its own length");
    in.sample_rate = audio.sample_rate;
    in.length = audio.samples.rows();
    specinv::Stft<float> analysis(stft);
    for (Eigen::Index c = 0; c < audio.samples.cols(); ++c) {
      const Eigen::VectorXd channel = audio.samples.col(c);
      in.reference.push_back(analysis.forward(channel.cast<float>()).cwiseAbs());
      in.given.push_back(f.filtered() ? Eigen::MatrixXd(analyse(channel, stft, f, in.sample_rate).cast<double>())
                                      : Eigen::MatrixXd(in.reference.back().cast<double>().array().pow(f.resolved_power())));
    }
    in.description = o.input + ": " + seconds_string(double(audio.samples.rows()) / audio.sample_rate) + ", " +
                     std::to_string(audio.samples.cols()) + (audio.samples.cols() == 1 ? " channel" : " channels") +
                     ", " + std::to_string(audio.sample_rate) + " Hz";
  }
  const double inverse_power = 1.0 / f.resolved_power();
  const auto t0 = Clock::now();
  if (f.filtered()) {
    in.filterbank = f.filterbank(int(n_freqs), in.sample_rate);
    for (const Eigen::MatrixXd& g : in.given)
      in.magnitude.push_back(inverse_filterbank(in.filterbank, o.inverse, g).array().pow(inverse_power).matrix().cast<float>());
  } else {
    for (const Eigen::MatrixXd& g : in.given) in.magnitude.push_back(g.array().pow(inverse_power).matrix().cast<float>());
  }
  in.inverse_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  in.description += std::string(", n_fft ") + std::to_string(stft.n_fft) + ", hop " + std::to_string(hop_of(stft));
  return in;
}

/// Squared-error sums of a metric pooled over channels.
struct Pooled {
  double error2 = 0, target2 = 0;
  template <class A, class B>
  void add(const A& estimate, const B& target) {
    error2 += (estimate.template cast<double>() - target.template cast<double>()).squaredNorm();
    target2 += target.template cast<double>().squaredNorm();
  }
  /// In dB; an exact match is -inf, any error against a silent target +inf (0 / 0: -inf).
  double db() const {
    if (error2 == 0) return -std::numeric_limits<double>::infinity();
    if (target2 == 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(error2 / target2);
  }
};

/// The progress bar: on stderr, only when it is a terminal and the run has taken over a second.
class Progress {
 public:
  Progress(std::string label, long long total, int channels)
      : m_label(std::move(label)), m_total(total * channels), m_done(std::size_t(channels), 0),
        m_enabled(total > 0 && ::isatty(2)) {}
  bool update(int channel, int done, double sc_db) {
    if (!m_enabled) return true;
    std::lock_guard<std::mutex> lock(m_mutex);
    m_done[std::size_t(channel)] = done;
    const double elapsed = std::chrono::duration<double>(Clock::now() - m_start).count();
    if (elapsed < 1.0) return true;
    long long sum = 0;
    for (const long long d : m_done) sum += d;
    const double fraction = std::min(1.0, double(sum) / double(m_total));
    const int width = 30, filled = int(fraction * width);
    std::fprintf(stderr, "\r%s [%s%s] %lld/%lld  SC %.2f dB  ETA %.1f s\033[K", m_label.c_str(),
                 std::string(std::size_t(filled), '#').c_str(), std::string(std::size_t(width - filled), '-').c_str(),
                 sum, m_total, sc_db, fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0);
    m_shown = true;
    return true;
  }
  ~Progress() {
    if (m_shown) std::fprintf(stderr, "\r\033[K");
  }

 private:
  std::string m_label;
  long long m_total;
  std::vector<long long> m_done;
  bool m_enabled, m_shown = false;
  std::mutex m_mutex;
  Clock::time_point m_start = Clock::now();
};

/// One algorithm's run over every channel.
struct Outcome {
  std::string algo, output;
  std::vector<specinv::Reconstruction<float>> runs;
  double seconds = 0;
  Pooled sc, filtered_sc, reference_sc;
};

/// lbfgs fits a power mel / bark target directly.
bool lbfgs_filtered(const InvertOptions& o, const std::string& algo) {
  return algo == "lbfgs" && o.filter.filtered() && o.filter.resolved_power() == 2.0;
}

RunSettings settings_for(const InvertOptions& o, const std::string& algo) {
  RunSettings s;
  s.algo = algo;
  s.init = o.init;
  s.iters = o.iters;
  s.seed = o.seed;
  s.momentum = o.momentum;
  s.look_ahead = o.look_ahead;
  s.tol = o.tol;
  s.rho = o.rho;
  return s;
}

Outcome run_algorithm(const InvertOptions& o, const std::string& algo, const Input& in,
                      const specinv::StftParams& stft) {
  Outcome out;
  out.algo = algo;
  const int channels = int(in.magnitude.size());
  RunSettings s = settings_for(o, algo);
  s.length = in.length;
  // Channels run side by side; the threads left over split each channel's frames (gla, fgla, admm).
  s.threads = std::max(1, o.threads / std::max(1, std::min(o.threads, channels)));
  const bool fit_filtered = lbfgs_filtered(o, algo);
  if (fit_filtered) s.filterbank = in.filterbank;
  Progress progress(algo, progress_units(s, in.magnitude[0].cols()), channels);
  out.runs.resize(std::size_t(channels));
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};  // once a channel fails, the others stop at their next report
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto fail = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(failure_mutex);
    if (!failure) failure = e;
    failed = true;
  };
  auto worker = [&] {
    for (int c; !failed && (c = next++) < channels;) {
      try {
        RunSettings mine = s;
        mine.progress = [&progress, &failed, c](int done, double sc) { return progress.update(c, done, sc) && !failed; };
        if (fit_filtered) mine.filtered_target = in.given[std::size_t(c)].cast<float>();
        out.runs[std::size_t(c)] = reconstruct(mine, in.magnitude[std::size_t(c)], stft);
      } catch (...) {
        fail(std::current_exception());
      }
    }
  };
  const auto t0 = Clock::now();
  const int n_threads = std::min(o.threads, channels);
  if (n_threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    try {
      for (int t = 0; t < n_threads; ++t) pool.emplace_back(worker);
    } catch (...) {  // a thread that cannot start: the ones running finish, then the error
      fail(std::current_exception());
    }
    for (std::thread& t : pool) t.join();
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - t0).count() + in.inverse_seconds;
  if (failure) std::rethrow_exception(failure);

  specinv::Stft<float> analysis(stft);
  for (int c = 0; c < channels; ++c) {
    const Eigen::MatrixXf estimate = analysis.forward(out.runs[std::size_t(c)].signal).cwiseAbs();
    out.sc.add(estimate, in.magnitude[std::size_t(c)]);
    if (!in.reference.empty()) out.reference_sc.add(estimate, in.reference[std::size_t(c)]);
    if (o.filter.filtered()) {
      const Eigen::MatrixXd power = estimate.cast<double>().array().pow(o.filter.resolved_power()).matrix();
      out.filtered_sc.add(Eigen::MatrixXd(in.filterbank.transpose() * power), in.given[std::size_t(c)]);
    }
  }
  return out;
}

std::vector<std::string> algorithm_list(const std::string& spec) {
  std::vector<std::string> names;
  if (spec == "all") {
    for (const AlgorithmInfo& a : algorithms()) names.push_back(a.name);
    return names;
  }
  for (std::size_t pos = 0; pos <= spec.size();) {
    const auto comma = std::min(spec.find(',', pos), spec.size());
    const std::string name = spec.substr(pos, comma - pos);
    algorithm(name);  // throws for an unknown name
    if (std::find(names.begin(), names.end(), name) != names.end())
      throw UsageError("--algo " + spec + " names " + name + " twice");
    names.push_back(name);
    pos = comma + 1;
  }
  return names;
}

/// Refuses an option that means nothing here, instead of ignoring it: an algorithm option none of
/// the algorithms asked for takes (with several algorithms, each uses the options it takes), a
/// filterbank option without that filterbank, a .npy option with audio input.
void check_applicable(const InvertOptions& o, const std::vector<std::string>& names) {
  const std::pair<const char*, bool AlgorithmInfo::*> rules[] = {
      {"init", &AlgorithmInfo::init}, {"seed", &AlgorithmInfo::seed}, {"momentum", &AlgorithmInfo::momentum},
      {"look-ahead", &AlgorithmInfo::look_ahead}, {"rho", &AlgorithmInfo::rho}, {"tol", &AlgorithmInfo::tol}};
  auto refuse_unless = [&](const char* option, auto&& applies) {
    if (!o.given.count(option)) return;
    for (const std::string& name : names)
      if (applies(algorithm(name))) return;
    throw UsageError(std::string("--") + option + " does not apply to --algo " + o.algo);
  };
  refuse_unless("iters", [](const AlgorithmInfo& a) { return a.default_iters > 0; });
  for (const auto& [option, field] : rules) refuse_unless(option, [f = field](const AlgorithmInfo& a) { return a.*f; });
  check_stft_options(o.stft, o.given);
  check_filter_options(o.filter, o.given);
  if (o.given.count("inverse") && !o.filter.filtered()) throw UsageError("--inverse applies with --mel or --bark");
  if (!is_npy(o.input)) {
    for (const char* option : {"log", "log-floor", "length"})
      if (o.given.count(option)) throw UsageError(std::string("--") + option + " applies to a .npy IN, not to audio");
  }
}

std::string replace_algo(std::string path, const std::string& algo) {
  const auto at = path.find("{algo}");
  if (at != std::string::npos) path.replace(at, 6, algo);
  return path;
}

nlohmann::json report(const InvertOptions& o, const Outcome& r, const Input& in, const specinv::StftParams& stft) {
  const AlgorithmInfo& a = algorithm(r.algo);
  const double audio_seconds = double(r.runs[0].signal.size()) / in.sample_rate;
  int iterations = 0;
  for (const auto& run : r.runs) iterations = std::max(iterations, run.iterations);
  nlohmann::json p = {{"n_fft", stft.n_fft},
                      {"hop_length", hop_of(stft)},
                      {"win_length", stft.win_length > 0 ? stft.win_length : stft.n_fft},
                      {"window", o.stft.window},
                      {"center", stft.center},
                      {"pad_mode", o.stft.pad_mode},
                      {"sample_rate", in.sample_rate},
                      {"representation", o.filter.kind()},
                      {"power", o.filter.resolved_power()},
                      {"log", o.filter.log},
                      {"threads", o.threads}};
  if (o.stft.window == "kaiser") p["kaiser_beta"] = o.stft.kaiser_beta;
  if (o.filter.filtered()) {
    p["n_filters"] = o.filter.n_filters();
    p["f_min"] = o.filter.f_min;
    p["f_max"] = o.filter.f_max > 0 ? o.filter.f_max : double(in.sample_rate / 2);
    p["inverse"] = o.inverse;
    if (o.filter.mel > 0) {
      p["mel_scale"] = o.filter.mel_scale;
      p["mel_norm"] = o.filter.mel_norm;
    } else {
      p["bark_scale"] = o.filter.bark_scale;
    }
  }
  if (a.default_iters > 0) p[r.algo == "rtisi-la" ? "iters_per_frame" : "max_iter"] = o.iters > 0 ? o.iters : a.default_iters;
  if (a.init) p["init"] = o.init;
  if (a.seed) p["seed"] = o.seed;
  if (o.filter.log != "none") p["log_floor"] = o.filter.log_floor;
  if (a.momentum) p["momentum"] = o.momentum;
  if (a.look_ahead) {  // resolved as the algorithm resolves -1
    const int win = stft.win_length > 0 ? stft.win_length : stft.n_fft;
    p["look_ahead"] = o.look_ahead >= 0 ? o.look_ahead : r.algo == "rtpghi" ? 1 : (win - 1) / hop_of(stft);
  }
  if (a.rho) p["rho"] = o.rho;
  if (a.tol) p["tol"] = o.tol;
  nlohmann::json j = {{"algorithm", r.algo},
                      {"input", o.input},
                      {"output", r.output},
                      {"parameters", p},
                      {"channels", r.runs.size()},
                      {"samples", r.runs[0].signal.size()},
                      {"audio_seconds", audio_seconds},
                      {"iterations", iterations},
                      {"seconds", r.seconds},
                      {"spectral_convergence_db", r.sc.db()},
                      {"real_time_factor", audio_seconds / r.seconds}};
  if (o.filter.filtered()) j[std::string(o.filter.kind()) + "_spectral_convergence_db"] = r.filtered_sc.db();
  if (!in.reference.empty() && o.filter.filtered()) j["reference_spectral_convergence_db"] = r.reference_sc.db();
  return j;
}

}  // namespace

int run_invert(const InvertOptions& o) {
  require_extension(replace_algo(o.output, "x"), ".wav", "OUT");
  o.filter.validate();
  if (o.threads < 1) throw UsageError("--threads " + std::to_string(o.threads) + ": expected at least 1");
  if (o.iters < 0) throw UsageError("--iters " + std::to_string(o.iters) + ": expected 0 (the default) or more");
  if (o.length < 0) throw UsageError("--length " + std::to_string(o.length) + ": expected 0 (natural) or more");
  if (o.sample_rate < 0) throw UsageError("--sample-rate " + std::to_string(o.sample_rate) + ": expected > 0");
  if (o.look_ahead < -1) throw UsageError("--look-ahead " + std::to_string(o.look_ahead) + ": expected -1 or more");
  const std::vector<std::string> names = algorithm_list(o.algo);
  if (names.size() > 1 && o.output.find("{algo}") == std::string::npos)
    throw UsageError("OUT '" + o.output + "' must contain {algo} when several algorithms run");
  check_applicable(o, names);
  parse_init(o.init);
  for (const std::string& name : names) validate(settings_for(o, name));  // before anything runs
  const specinv::StftParams stft = o.stft.params();

  // Every output is written under a temporary name and renamed once every algorithm has run: a
  // failure anywhere leaves no file behind.
  std::vector<std::unique_ptr<OutputFile>> files;
  for (const std::string& name : names) files.push_back(std::make_unique<OutputFile>(replace_algo(o.output, name)));
  const Input in = prepare(o, stft);

  std::vector<std::string> lines;
  for (std::size_t i = 0; i < names.size(); ++i) {
    Outcome r = run_algorithm(o, names[i], in, stft);
    r.output = replace_algo(o.output, names[i]);
    Eigen::MatrixXd samples(r.runs[0].signal.size(), Eigen::Index(r.runs.size()));
    for (std::size_t c = 0; c < r.runs.size(); ++c) samples.col(Eigen::Index(c)) = r.runs[c].signal.cast<double>();
    files[i]->write([&](const std::string& path) { examples::write_wav(path, samples, in.sample_rate); });
    const nlohmann::json j = report(o, r, in, stft);
    if (o.json) {
      lines.push_back(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      char filtered[16] = "";
      if (o.filter.filtered()) std::snprintf(filtered, sizeof filtered, "%13.2f", r.filtered_sc.db());
      char row[512];
      std::snprintf(row, sizeof row, "%-10s %10d %9.2f %s%9.3f %9.1fx  %s", names[i].c_str(), j["iterations"].get<int>(),
                    r.sc.db(), filtered, r.seconds, j["real_time_factor"].get<double>(), r.output.c_str());
      lines.push_back(row);
    }
  }
  for (const auto& file : files) file->commit();
  if (!o.json) {
    const std::string column = o.filter.filtered() ? std::string(o.filter.kind()) + " SC dB" : "";
    std::printf("%s\n%-10s %10s %9s %*s%9s %10s  %s\n", in.description.c_str(), "algorithm", "iterations", "SC dB",
                column.empty() ? 0 : 13, column.c_str(), "seconds", "real-time", "output");
  }
  for (const std::string& line : lines) std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace cli
