// SPDX-License-Identifier: MIT
#pragma once

// Audio file I/O for the examples, benchmarks and CLI, through libsndfile (any format it reads:
// wav, flac, ogg...; from a file or from memory through its virtual I/O; wav written as float32).
// Reading never trusts the header's frame count (tests/fuzz/fuzz_audio.cpp fuzzes it). Not part
// of the library: specinv itself does no I/O.

#include <sndfile.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace examples {

struct Audio {
  int sample_rate = 0;
  Eigen::MatrixXd samples;  // (frames, channels); libsndfile scales integer formats to [-1, 1)
};

namespace detail {

/// Reads every frame of `file` (opened for reading, described by `info`) and closes it. The
/// header's frame count is not trusted (a 44-byte wav can claim billions of frames): frames are
/// read in blocks of at most 64 Ki samples until the decoder has no more, so memory follows the
/// data that is really there. \throws std::runtime_error naming `name` for a sample rate <= 0,
/// channels < 1 or a decoding error
inline Audio read_sndfile(SNDFILE* file, const SF_INFO& info, const std::string& name) {
  struct Closer {
    SNDFILE* file;
    ~Closer() { sf_close(file); }
  } closer{file};
  const std::string quoted = "audio file '" + name + "'";
  if (info.samplerate <= 0)
    throw std::runtime_error(quoted + ": sample rate " + std::to_string(info.samplerate) + " Hz: expected > 0");
  if (info.channels < 1)
    throw std::runtime_error(quoted + ": " + std::to_string(info.channels) + " channels: expected at least 1");
  const std::size_t channels = std::size_t(info.channels);
  const std::size_t block = std::max<std::size_t>(1, (std::size_t(1) << 16) / channels);  // frames per read
  std::vector<double> interleaved;
  std::size_t frames = 0;
  while (true) {
    interleaved.resize((frames + block) * channels);
    const sf_count_t got = sf_readf_double(file, interleaved.data() + frames * channels, sf_count_t(block));
    if (got <= 0) break;
    frames += std::min(std::size_t(got), block);
  }
  if (sf_error(file) != SF_ERR_NO_ERROR)
    throw std::runtime_error("cannot decode " + quoted + ": " + sf_strerror(file));
  Audio out;
  out.sample_rate = info.samplerate;
  out.samples = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      interleaved.data(), Eigen::Index(frames), Eigen::Index(channels));
  return out;
}

/// Bytes in memory that libsndfile reads as a file, through its virtual I/O callbacks.
struct MemoryFile {
  const unsigned char* data;
  sf_count_t size;
  sf_count_t position;  ///< may lie past the end (libsndfile seeks over chunks); reads there get 0 bytes

  static sf_count_t length(void* self) { return static_cast<MemoryFile*>(self)->size; }
  static sf_count_t tell(void* self) { return static_cast<MemoryFile*>(self)->position; }
  static sf_count_t seek(sf_count_t offset, int whence, void* self) {
    MemoryFile& f = *static_cast<MemoryFile*>(self);
    const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f.position : whence == SEEK_END ? f.size : -1;
    // Offsets come from the file's own (untrusted) headers: refuse a target before 0 or past
    // what sf_count_t holds rather than overflowing.
    if (base < 0 || offset < -base || (offset > 0 && base > std::numeric_limits<sf_count_t>::max() - offset)) return -1;
    f.position = base + offset;
    return f.position;
  }
  static sf_count_t read(void* dst, sf_count_t count, void* self) {
    MemoryFile& f = *static_cast<MemoryFile*>(self);
    if (count <= 0 || f.position >= f.size) return 0;
    const sf_count_t n = std::min(count, f.size - f.position);
    std::memcpy(dst, f.data + f.position, std::size_t(n));
    f.position += n;
    return n;
  }
  static sf_count_t write(const void*, sf_count_t, void*) { return 0; }  // read-only
};

}  // namespace detail

/// Reads an audio file in any format libsndfile reads (wav, flac, ogg...).
/// \throws std::runtime_error naming the file: it cannot be opened or decoded, or it has a sample
/// rate <= 0 or no channels
inline Audio read_audio(const std::string& path) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (!file) throw std::runtime_error("cannot read audio file '" + path + "': " + sf_strerror(nullptr));
  return detail::read_sndfile(file, info, path);
}

/// Reads audio from `size` bytes at `data` (any format libsndfile detects: wav, flac, ogg...),
/// through libsndfile's virtual I/O; `name` labels the error messages. The bytes are not copied
/// and need only live for the call.
/// \throws std::runtime_error as read_audio(path)
inline Audio read_audio_memory(const void* data, std::size_t size, const std::string& name) {
  if (size > std::size_t(std::numeric_limits<sf_count_t>::max()))
    throw std::runtime_error("cannot read audio file '" + name + "': too large");
  detail::MemoryFile memory{static_cast<const unsigned char*>(data), sf_count_t(size), 0};
  SF_VIRTUAL_IO io{&detail::MemoryFile::length, &detail::MemoryFile::seek, &detail::MemoryFile::read,
                   &detail::MemoryFile::write, &detail::MemoryFile::tell};
  SF_INFO info{};
  SNDFILE* file = sf_open_virtual(&io, SFM_READ, &info, &memory);
  if (!file) throw std::runtime_error("cannot read audio file '" + name + "': " + sf_strerror(nullptr));
  return detail::read_sndfile(file, info, name);
}

/// The mean of the channels, shape (frames).
inline Eigen::VectorXd mix_to_mono(const Audio& a) { return a.samples.rowwise().mean(); }

/// A file mixed down to mono: the mean of its channels.
inline Eigen::VectorXd read_mono(const std::string& path, int* sample_rate = nullptr) {
  const Audio a = read_audio(path);
  if (sample_rate) *sample_rate = a.sample_rate;
  return mix_to_mono(a);
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
