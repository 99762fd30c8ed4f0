// SPDX-License-Identifier: MIT
#pragma once

// Audio file I/O for the examples, benchmarks and CLI, through libsndfile (any format it reads:
// wav, flac, ogg...; wav written as float32). Not part of the library: specinv itself does no I/O.

#include <sndfile.h>

#include <stdexcept>
#include <string>

#include <Eigen/Core>

namespace examples {

struct Audio {
  int sample_rate = 0;
  Eigen::MatrixXd samples;  // (frames, channels), values in [-1, 1]
};

inline Audio read_audio(const std::string& path) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (!file) throw std::runtime_error("cannot read audio file '" + path + "': " + sf_strerror(nullptr));
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> interleaved(info.frames, info.channels);
  const sf_count_t got = sf_readf_double(file, interleaved.data(), info.frames);
  sf_close(file);
  if (got != info.frames) throw std::runtime_error("short read from '" + path + "'");
  return {info.samplerate, interleaved};
}

/// A file mixed down to mono: the mean of its channels.
inline Eigen::VectorXd read_mono(const std::string& path, int* sample_rate = nullptr) {
  const Audio a = read_audio(path);
  if (sample_rate) *sample_rate = a.sample_rate;
  return a.samples.rowwise().mean();
}

/// Writes (frames, channels) samples as a 32-bit float wav.
inline void write_wav(const std::string& path, const Eigen::MatrixXd& samples, int sample_rate) {
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = int(samples.cols());
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!file) throw std::runtime_error("cannot write '" + path + "': " + sf_strerror(nullptr));
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> interleaved = samples;
  const sf_count_t put = sf_writef_double(file, interleaved.data(), interleaved.rows());
  const int closed = sf_close(file);  // writes the header's final sizes
  if (put != interleaved.rows() || closed != 0) throw std::runtime_error("short write to '" + path + "'");
}

}  // namespace examples
