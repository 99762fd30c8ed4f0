// SPDX-License-Identifier: MIT
#pragma once

// Reader for the NumPy .npy files of ../shared/golden (format 1.0-3.0, little-endian float64 and
// complex128, C or Fortran order). C-order 2-D arrays are (rows, cols) with the column index
// varying fastest, so they are read as the transpose of the buffer into column-major Eigen.

#include <complex>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace test {

struct NpyArray {
  std::string descr;                 // e.g. "<f8", "<c16"
  bool fortran_order = false;
  std::vector<Eigen::Index> shape;
  std::vector<char> data;            // raw little-endian payload
};

inline NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("npy: cannot open " + path);
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error("npy: not an .npy file: " + path);
  std::uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = std::uint32_t(b[0]) | (std::uint32_t(b[1]) << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = std::uint32_t(b[0]) | (std::uint32_t(b[1]) << 8) | (std::uint32_t(b[2]) << 16) |
                 (std::uint32_t(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);

  NpyArray a;
  auto value_of = [&](const std::string& key) {
    const auto k = header.find("'" + key + "'");
    if (k == std::string::npos) throw std::runtime_error("npy: no " + key + " in " + path);
    return header.find(':', k) + 1;
  };
  auto d = header.find('\'', value_of("descr"));
  a.descr = header.substr(d + 1, header.find('\'', d + 1) - d - 1);
  a.fortran_order = header.compare(header.find_first_not_of(' ', value_of("fortran_order")), 4, "True") == 0;
  const auto open = header.find('(', value_of("shape"));
  const auto close = header.find(')', open);
  std::string dims = header.substr(open + 1, close - open - 1);
  for (std::size_t pos = 0; pos < dims.size();) {
    const auto comma = dims.find(',', pos);
    const std::string item = dims.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (item.find_first_not_of(' ') != std::string::npos) a.shape.push_back(std::stoll(item));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  Eigen::Index count = 1;
  for (auto s : a.shape) count *= s;
  const std::size_t item = a.descr == "<c16" ? 16 : a.descr == "<f8" ? 8 : 0;
  if (item == 0) throw std::runtime_error("npy: unsupported dtype " + a.descr + " in " + path);
  a.data.resize(std::size_t(count) * item);
  in.read(a.data.data(), std::streamsize(a.data.size()));
  if (!in) throw std::runtime_error("npy: truncated " + path);
  return a;
}

/// (rows, cols) array as column-major Eigen; a 1-D array becomes one column.
template <class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> load_npy(const std::string& path) {
  const NpyArray a = read_npy(path);
  const bool complex_file = a.descr == "<c16";
  if (complex_file != (sizeof(Scalar) == 16)) throw std::runtime_error("npy: wrong dtype " + a.descr + " for " + path);
  if (a.shape.empty() || a.shape.size() > 2) throw std::runtime_error("npy: expected 1-D or 2-D: " + path);
  const Eigen::Index rows = a.shape[0], cols = a.shape.size() == 2 ? a.shape[1] : 1;
  using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto* raw = reinterpret_cast<const Scalar*>(a.data.data());
  if (a.fortran_order || cols == 1) return Eigen::Map<const Mat>(raw, rows, cols);
  return Eigen::Map<const RowMat>(raw, rows, cols);
}

inline Eigen::VectorXd load_vector(const std::string& path) { return load_npy<double>(path).col(0); }
inline Eigen::MatrixXd load_real(const std::string& path) { return load_npy<double>(path); }
inline Eigen::MatrixXcd load_complex(const std::string& path) { return load_npy<std::complex<double>>(path); }

}  // namespace test
