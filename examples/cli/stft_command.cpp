// SPDX-License-Identifier: MIT
// `specinv stft IN OUT.npy`: an audio file's STFT (complex), magnitude, or mel / bark spectrogram as
// .npy, (freq, frames) for mono and (channels, freq, frames) otherwise, C order, as torch.stft /
// torchaudio's Spectrogram and MelSpectrogram compute them.

#include <complex>
#include <cstdio>
#include <type_traits>

#include <specinv/filterbank/bark.hpp>
#include <specinv/filterbank/mel.hpp>
#include <specinv/stft/stft.hpp>

#include "cli.hpp"
#include "common/npy.hpp"

namespace cli {
namespace {

/// |STFT|^power, or the mel / bark spectrogram, of one channel in precision T.
template <class T>
specinv::Magnitude<T> represent(const Eigen::VectorXd& channel, const specinv::StftParams& stft,
                                const FilterOptions& filter, int sample_rate) {
  const specinv::Signal<T> x = channel.cast<T>();
  const double power = filter.resolved_power();
  if (filter.mel > 0) return specinv::MelSpectrogram<T>(stft, filter.mel_params(sample_rate), power)(x);
  if (filter.bark > 0) return specinv::BarkSpectrogram<T>(stft, filter.bark_params(sample_rate), power)(x);
  const specinv::Magnitude<T> magnitude = specinv::Stft<T>(stft).forward(x).cwiseAbs();
  if (power == 1.0) return magnitude;
  return magnitude.array().pow(T(power)).matrix();
}

/// Appends matrix `m` to `out` in C order (row by row).
template <class Scalar, class Matrix>
void append_c_order(std::vector<Scalar>& out, const Matrix& m) {
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) out.push_back(Scalar(m(r, c)));
}

template <class T>
std::vector<Eigen::Index> write(const StftCommandOptions& o, const Audio& audio, const specinv::StftParams& stft,
                                const std::string& path) {
  const bool real = o.magnitude || o.filter.filtered();
  std::vector<Eigen::Index> shape;
  std::vector<T> values;
  std::vector<std::complex<T>> complex_values;
  for (Eigen::Index ch = 0; ch < audio.samples.cols(); ++ch) {
    const Eigen::VectorXd channel = audio.samples.col(ch);
    if (real) {
      Eigen::MatrixXd m = represent<T>(channel, stft, o.filter, audio.sample_rate).template cast<double>();
      apply_log(m, o.filter);
      append_c_order(values, m);
      shape = {m.rows(), m.cols()};
    } else {
      const specinv::Spectrogram<T> s = specinv::Stft<T>(stft).forward(channel.cast<T>());
      append_c_order(complex_values, s);
      shape = {s.rows(), s.cols()};
    }
  }
  if (audio.samples.cols() > 1) shape.insert(shape.begin(), audio.samples.cols());
  if (real) {
    examples::write_npy<T>(path, shape, values.data());
  } else {
    examples::write_npy<std::complex<T>>(path, shape, complex_values.data());
  }
  return shape;
}

}  // namespace

Eigen::MatrixXf analyse(const Eigen::VectorXd& channel, const specinv::StftParams& stft, const FilterOptions& filter,
                        int sample_rate) {
  return represent<float>(channel, stft, filter, sample_rate);
}

int run_stft(const StftCommandOptions& o) {
  require_extension(o.output, ".npy", "OUT");
  o.filter.validate();
  check_stft_options(o.stft, o.given);
  check_filter_options(o.filter, o.given);
  const bool real = o.magnitude || o.filter.filtered();
  if (!real && (o.filter.power > 0 || o.filter.log != "none"))
    throw UsageError("--power and --log apply to a magnitude: add --magnitude, --mel or --bark");
  if (o.dtype != "float32" && o.dtype != "float64")
    throw UsageError("unknown --dtype '" + o.dtype + "': expected float32 or float64");
  const specinv::StftParams stft = o.stft.params();
  const Audio audio = read_audio(o.input);
  OutputFile out(o.output);
  std::vector<Eigen::Index> shape;
  out.write([&](const std::string& path) {
    shape = o.dtype == "float32" ? write<float>(o, audio, stft, path) : write<double>(o, audio, stft, path);
  });
  out.commit();
  const std::string what = !real ? "complex STFT"
                           : o.filter.filtered()
                               ? std::string(o.filter.kind()) + " spectrogram (power " +
                                     std::to_string(o.filter.resolved_power()).substr(0, 4) + ")"
                               : "magnitude (power " + std::to_string(o.filter.resolved_power()).substr(0, 4) + ")";
  std::printf("%s: %s %s %s%s, %d Hz, n_fft %d, hop %d\n", o.output.c_str(),
              real ? o.dtype.c_str() : (o.dtype == "float32" ? "complex64" : "complex128"),
              examples::shape_string(shape).c_str(), what.c_str(),
              o.filter.log == "none" ? "" : (", log " + o.filter.log).c_str(), audio.sample_rate, stft.n_fft,
              hop_of(stft));
  return 0;
}

}  // namespace cli
