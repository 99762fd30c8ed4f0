// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The vocabulary types: signals, magnitudes and complex spectrograms, single and batched.
///
/// Spectrograms are column-major `(freq, frames)`: one column is one frame, contiguous in memory,
/// which is torch's order and FFTW's r2c output order. Batches are rank-3 `(freq, frames, batch)`
/// tensors, i.e. a run of contiguous spectrograms; a batch of signals is a rank-2
/// `(samples, batch)` tensor, one signal after the other.

#include <complex>
#include <type_traits>

#include <Eigen/Core>
#include <unsupported/Eigen/CXX11/Tensor>

namespace specinv {

/// A mono time signal, shape `(samples)`.
template <class T>
using Signal = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// A real spectrogram (magnitude, power, mel...), shape `(freq, frames)`.
template <class T>
using Magnitude = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

/// A complex spectrogram, shape `(freq, frames)`.
template <class T>
using Spectrogram = Eigen::Matrix<std::complex<T>, Eigen::Dynamic, Eigen::Dynamic>;

/// A batch of equally long signals, shape `(samples, batch)`.
template <class T>
using SignalBatch = Eigen::Tensor<T, 2>;

/// A batch of real spectrograms, shape `(freq, frames, batch)`.
template <class T>
using MagnitudeBatch = Eigen::Tensor<T, 3>;

/// A batch of complex spectrograms, shape `(freq, frames, batch)`.
template <class T>
using SpectrogramBatch = Eigen::Tensor<std::complex<T>, 3>;

/// `Eigen::Index`, the type of every size and index in the public API.
using Index = Eigen::Index;

namespace detail {
/// True for the two scalar types every public template supports.
template <class T>
inline constexpr bool is_real_scalar_v = std::is_same_v<T, float> || std::is_same_v<T, double>;
}  // namespace detail

}  // namespace specinv
