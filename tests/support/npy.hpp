// SPDX-License-Identifier: MIT
#pragma once

// The .npy files of ../shared/golden (float64 and complex128, C or Fortran order) as Eigen
// matrices, through the reader the examples and the CLI use (examples/common/npy.hpp).

#include <complex>
#include <stdexcept>
#include <string>

#include <Eigen/Core>

#include "../../examples/common/npy.hpp"

namespace test {

/// A 1-D or 2-D array as a column-major (rows, cols) matrix; a 1-D array becomes one column.
/// Scalar: double for float arrays, std::complex<double> for complex ones.
template <class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> load_npy(const std::string& path) {
  const examples::NpyArray a = examples::read_npy(path);
  if (a.is_complex() != (sizeof(Scalar) == 16)) throw std::runtime_error("npy: wrong dtype " + a.dtype() + " for " + path);
  if (a.shape.empty() || a.shape.size() > 2) throw std::runtime_error("npy: expected 1-D or 2-D: " + path);
  return a.matrix<Scalar>();
}

inline Eigen::VectorXd load_vector(const std::string& path) { return load_npy<double>(path).col(0); }
inline Eigen::MatrixXd load_real(const std::string& path) { return load_npy<double>(path); }
inline Eigen::MatrixXcd load_complex(const std::string& path) { return load_npy<std::complex<double>>(path); }

}  // namespace test
