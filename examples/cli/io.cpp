// SPDX-License-Identifier: MIT
// The CLI's shared helpers: option conversion, audio input, atomic output files, log scaling.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <specinv/filterbank/bark.hpp>
#include <specinv/filterbank/mel.hpp>

#include "cli.hpp"
#include "common/audio.hpp"

namespace cli {

specinv::StftParams StftOptions::params() const {
  specinv::StftParams p;
  p.n_fft = n_fft;
  p.hop_length = hop;
  p.win_length = win_length;
  p.kaiser_beta = kaiser_beta;
  p.center = !no_center;
  const std::pair<const char*, specinv::WindowKind> windows[] = {
      {"hann", specinv::WindowKind::hann},         {"hamming", specinv::WindowKind::hamming},
      {"blackman", specinv::WindowKind::blackman}, {"bartlett", specinv::WindowKind::bartlett},
      {"rectangular", specinv::WindowKind::rectangular}, {"kaiser", specinv::WindowKind::kaiser}};
  const auto w = std::find_if(std::begin(windows), std::end(windows), [&](const auto& e) { return window == e.first; });
  if (w == std::end(windows))
    throw UsageError("unknown --window '" + window + "': expected hann, hamming, blackman, bartlett, rectangular or kaiser");
  p.window = w->second;
  const std::pair<const char*, specinv::PadMode> pads[] = {{"reflect", specinv::PadMode::reflect},
                                                           {"constant", specinv::PadMode::constant},
                                                           {"replicate", specinv::PadMode::replicate},
                                                           {"circular", specinv::PadMode::circular}};
  const auto m = std::find_if(std::begin(pads), std::end(pads), [&](const auto& e) { return pad_mode == e.first; });
  if (m == std::end(pads))
    throw UsageError("unknown --pad-mode '" + pad_mode + "': expected reflect, constant, replicate or circular");
  p.pad_mode = m->second;
  p.validate();  // names the field: n_fft, hop_length, win_length, kaiser_beta
  return p;
}

void FilterOptions::validate() const {
  if (mel > 0 && bark > 0) throw UsageError("--mel and --bark exclude each other");
  if (mel < 0) throw UsageError("--mel " + std::to_string(mel) + ": expected a number of filters >= 1");
  if (bark < 0) throw UsageError("--bark " + std::to_string(bark) + ": expected a number of filters >= 1");
  if (!(power >= 0) || !std::isfinite(power))
    throw UsageError("--power " + std::to_string(power) + ": expected a finite exponent > 0");
  if (log != "none" && log != "ln" && log != "log10" && log != "db")
    throw UsageError("unknown --log '" + log + "': expected none, ln, log10 or db");
  if (!(log_floor > 0) || !std::isfinite(log_floor))
    throw UsageError("--log-floor " + std::to_string(log_floor) + ": expected a finite value > 0");
  if (mel_scale != "htk" && mel_scale != "slaney")
    throw UsageError("unknown --mel-scale '" + mel_scale + "': expected htk or slaney");
  if (mel_norm != "none" && mel_norm != "slaney")
    throw UsageError("unknown --mel-norm '" + mel_norm + "': expected none or slaney");
  if (bark_scale != "traunmuller" && bark_scale != "schroeder" && bark_scale != "wang")
    throw UsageError("unknown --bark-scale '" + bark_scale + "': expected traunmuller, schroeder or wang");
}

specinv::MelParams FilterOptions::mel_params(int sample_rate) const {
  specinv::MelParams p;
  p.sample_rate = sample_rate;
  p.n_mels = mel;
  p.f_min = f_min;
  p.f_max = f_max;
  p.norm = mel_norm == "slaney" ? specinv::MelNorm::slaney : specinv::MelNorm::none;
  p.mel_scale = mel_scale == "slaney" ? specinv::MelScale::slaney : specinv::MelScale::htk;
  return p;
}

specinv::BarkParams FilterOptions::bark_params(int sample_rate) const {
  specinv::BarkParams p;
  p.sample_rate = sample_rate;
  p.n_barks = bark;
  p.f_min = f_min;
  p.f_max = f_max;
  p.bark_scale = bark_scale == "schroeder" ? specinv::BarkScale::schroeder
                 : bark_scale == "wang"    ? specinv::BarkScale::wang
                                           : specinv::BarkScale::traunmuller;
  return p;
}

Eigen::MatrixXd FilterOptions::filterbank(int n_freqs, int sample_rate) const {
  const double top = f_max > 0 ? f_max : double(sample_rate / 2);  // torchaudio's f_max=None
  Eigen::MatrixXd fb;
  if (mel > 0) {
    const specinv::MelParams p = mel_params(sample_rate);
    fb = specinv::mel_filterbank<double>(n_freqs, p.f_min, top, p.n_mels, sample_rate, p.norm, p.mel_scale);
  } else {
    const specinv::BarkParams p = bark_params(sample_rate);
    fb = specinv::bark_filterbank<double>(n_freqs, p.f_min, top, p.n_barks, sample_rate, p.bark_scale);
  }
  // torchaudio only warns; inverting through an all-zero filter cannot work, so it is refused.
  const specinv::FilterbankInfo info = specinv::inspect_filterbank(fb);
  if (!info.ok())
    throw UsageError("--" + std::string(kind()) + " " + std::to_string(n_filters()) + " with " +
                     std::to_string(n_freqs) + " frequency bins at " + std::to_string(sample_rate) + " Hz leaves " +
                     std::to_string(info.empty_filters.size()) +
                     " filters all zero: use fewer filters, a larger --n-fft or a wider --f-min/--f-max");
  return fb;
}

void check_stft_options(const StftOptions& stft, const std::set<std::string>& given) {
  if (given.count("kaiser-beta") && stft.window != "kaiser") throw UsageError("--kaiser-beta applies with --window kaiser");
  if (given.count("pad-mode") && stft.no_center) throw UsageError("--pad-mode applies to centred frames, not with --no-center");
}

void check_filter_options(const FilterOptions& filter, const std::set<std::string>& given) {
  auto needs = [&](const char* option, bool present, const char* what) {
    if (given.count(option) && !present) throw UsageError(std::string("--") + option + " applies with " + what);
  };
  for (const char* option : {"f-min", "f-max"}) needs(option, filter.filtered(), "--mel or --bark");
  for (const char* option : {"mel-scale", "mel-norm"}) needs(option, filter.mel > 0, "--mel");
  needs("bark-scale", filter.bark > 0, "--bark");
  needs("log-floor", filter.log != "none", "--log");
  if (filter.f_min < 0) throw UsageError("--f-min " + std::to_string(filter.f_min) + ": expected >= 0 Hz");
  if (filter.f_max < 0) throw UsageError("--f-max " + std::to_string(filter.f_max) + ": expected > 0 Hz, or 0 for sample_rate / 2");
}

Audio read_audio(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw UsageError(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw UsageError(path + ": is a directory, not an audio file");
  try {
    examples::Audio a = examples::read_audio(path);
    if (a.samples.rows() == 0) throw UsageError(path + ": the audio file has no samples");
    return {a.sample_rate, std::move(a.samples)};
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == '.' || what.back() == ' ')) what.pop_back();
    throw UsageError(what + " (expected an audio file libsndfile reads: wav, flac, ogg...)");
  }
}

void require_extension(const std::string& path, const std::string& extension, const char* what) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
  };
  const std::string p = lower(path);
  if (p.size() <= extension.size() || p.compare(p.size() - extension.size(), extension.size(), extension) != 0)
    throw UsageError(std::string(what) + " '" + path + "' must end in " + extension);
}

OutputFile::OutputFile(std::string path) : m_path(std::move(path)) {
  const std::filesystem::path target(m_path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw UsageError(m_path + ": directory '" + dir.string() + "' does not exist");
  if (std::filesystem::is_directory(target, ec)) throw UsageError(m_path + ": is a directory");
  static int count = 0;  // several outputs of one process
  m_temporary = (dir / (".specinv-" + std::to_string(::getpid()) + "-" + std::to_string(count++) + ".tmp")).string();
  const int fd = ::open(m_temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) throw UsageError("cannot write '" + m_path + "': " + std::strerror(errno));
  ::close(fd);
}

OutputFile::~OutputFile() {
  if (!m_committed) std::remove(m_temporary.c_str());  // nothing left behind by a failed run
}

void OutputFile::commit() {
  std::error_code ec;
  std::filesystem::rename(m_temporary, m_path, ec);
  if (ec) throw UsageError("cannot write '" + m_path + "': " + ec.message());
  m_committed = true;
}

void apply_log(Eigen::MatrixXd& values, const FilterOptions& filter) {
  if (filter.log == "none") return;
  const double floor = filter.log_floor, p = filter.resolved_power();
  const double scale = filter.log == "ln" ? 1.0 : filter.log == "log10" ? 1.0 / std::log(10.0) : 20.0 / (p * std::log(10.0));
  values = values.unaryExpr([&](double v) { return scale * std::log(std::max(v, floor)); });
}

void undo_log(Eigen::MatrixXd& values, const FilterOptions& filter) {
  if (filter.log == "none") return;
  const double p = filter.resolved_power();
  // db: 10 log10 of the power |S|^2, whatever the exponent of the values (torchaudio's
  // AmplitudeToDB: 10 log10 for power, 20 log10 for magnitude).
  const double scale = filter.log == "ln" ? 1.0 : filter.log == "log10" ? std::log(10.0) : p * std::log(10.0) / 20.0;
  values = (values.array() * scale).exp().matrix();
}

std::string seconds_string(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, seconds < 10 ? "%.2f s" : "%.1f s", seconds);
  return text;
}

}  // namespace cli
