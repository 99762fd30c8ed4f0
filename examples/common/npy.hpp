// SPDX-License-Identifier: MIT
#pragma once

// NumPy .npy files for the examples, the CLI and the tests: reading format 1.0 to 3.0 (little-endian
// float32, float64, complex64, complex128; C or Fortran order) and writing format 1.0. Anything
// else (another dtype, big-endian data, object arrays, a truncated file) is refused with a
// message that names the file and what was found. Not part of the library: specinv does no I/O.
//
// Layout: a C-order (rows, cols) array has its last index varying fastest, so it is the transpose
// of a column-major Eigen buffer; `matrix()` returns the logical (rows, cols) matrix either way.

#include <complex>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

namespace examples {

/// A .npy array: its dtype, order, shape and raw little-endian payload.
struct NpyArray {
  std::string descr;                  ///< numpy's type string, e.g. "<f4", "<c16"
  bool fortran_order = false;         ///< column-major payload
  std::vector<Eigen::Index> shape;    ///< numpy's shape; empty for a scalar
  std::vector<char> data;             ///< the payload, item_size() * size() bytes

  /// numpy's name of the dtype: "float32", "float64", "complex64" or "complex128".
  std::string dtype() const { return dtype_name(descr); }
  bool is_complex() const { return descr == "<c8" || descr == "<c16"; }
  std::size_t item_size() const { return descr == "<f4" ? 4 : descr == "<f8" || descr == "<c8" ? 8 : 16; }
  Eigen::Index size() const {
    Eigen::Index n = 1;
    for (const Eigen::Index s : shape) n *= s;
    return n;
  }

  /// Element `i` (in payload order) of a real array, as a double.
  double real(Eigen::Index i) const {
    if (descr == "<f4") {
      float v;
      std::memcpy(&v, data.data() + 4 * i, 4);
      return v;
    }
    double v;
    std::memcpy(&v, data.data() + 8 * i, 8);
    return v;
  }
  /// Element `i` (in payload order) of a complex array, as a complex double.
  std::complex<double> complex(Eigen::Index i) const {
    if (descr == "<c8") {
      float v[2];
      std::memcpy(v, data.data() + 8 * i, 8);
      return {v[0], v[1]};
    }
    double v[2];
    std::memcpy(v, data.data() + 16 * i, 16);
    return {v[0], v[1]};
  }

  /// The 2-D slice `index` of the leading axes (flattened in the array's order) as a logical (rows, cols) matrix, where rows and
  /// cols are the last two dimensions (a 1-D array is one column). Scalar: double or
  /// std::complex<double>, matching the array's kind.
  template <class Scalar>
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> matrix(Eigen::Index index = 0) const {
    const Eigen::Index rank = Eigen::Index(shape.size());
    const Eigen::Index rows = rank >= 2 ? shape[rank - 2] : rank == 1 ? shape[0] : 1;
    const Eigen::Index cols = rank >= 2 ? shape[rank - 1] : 1;
    const Eigen::Index lead = rows * cols == 0 ? 0 : size() / (rows * cols);  // slices
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> m(rows, cols);
    for (Eigen::Index c = 0; c < cols; ++c) {
      for (Eigen::Index r = 0; r < rows; ++r) {
        // C order: index varies slowest; Fortran order: it varies fastest.
        const Eigen::Index at = fortran_order ? index + lead * (r + rows * c) : (index * rows + r) * cols + c;
        if constexpr (std::is_same_v<Scalar, double>) {
          m(r, c) = real(at);
        } else {
          m(r, c) = complex(at);
        }
      }
    }
    return m;
  }

  static std::string dtype_name(const std::string& descr) {
    if (descr == "<f4") return "float32";
    if (descr == "<f8") return "float64";
    if (descr == "<c8") return "complex64";
    if (descr == "<c16") return "complex128";
    return "'" + descr + "'";
  }
};

namespace detail {

/// Names a numpy type string in words, for the error message of an unsupported one.
inline std::string describe_descr(const std::string& d) {
  if (d.size() < 3) return "dtype '" + d + "'";
  const char order = d[0], kind = d[1];
  const std::string bits = std::to_string(8 * std::atoi(d.c_str() + 2));
  std::string name = kind == 'f'   ? "float" + bits
                     : kind == 'c' ? "complex" + bits
                     : kind == 'i' ? "int" + bits
                     : kind == 'u' ? "uint" + bits
                     : kind == 'b' ? "bool"
                                   : "";
  if (name.empty()) return "dtype '" + d + "'";
  if (order == '>') name = "big-endian " + name;
  return "dtype " + name + " ('" + d + "')";
}

/// The value text of `key` in a .npy header dictionary, or "" if absent.
inline std::string header_value(const std::string& header, const std::string& key) {
  const auto k = header.find("'" + key + "'");
  if (k == std::string::npos) return "";
  const auto colon = header.find(':', k);
  if (colon == std::string::npos) return "";
  auto begin = header.find_first_not_of(' ', colon + 1);
  if (begin == std::string::npos) return "";
  std::string::size_type end;
  if (header[begin] == '\'') {
    end = header.find('\'', begin + 1);
    return end == std::string::npos ? "" : header.substr(begin + 1, end - begin - 1);
  }
  if (header[begin] == '(') {
    end = header.find(')', begin);
    return end == std::string::npos ? "" : header.substr(begin, end - begin + 1);
  }
  end = header.find_first_of(",}", begin);
  std::string value = header.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

}  // namespace detail

/// Reads a .npy file. \throws std::runtime_error naming the file and the problem.
inline NpyArray read_npy(const std::string& path) {
  const auto fail = [&](const std::string& what) { throw std::runtime_error(path + ": " + what); };
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open the file");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) fail("not a NumPy .npy file");
  const int major = static_cast<unsigned char>(magic[6]);
  if (major < 1 || major > 3) fail("unsupported .npy format version " + std::to_string(major));
  unsigned char len[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(len), major == 1 ? 2 : 4);
  const std::uint32_t header_len = std::uint32_t(len[0]) | (std::uint32_t(len[1]) << 8) |
                                   (std::uint32_t(len[2]) << 16) | (std::uint32_t(len[3]) << 24);
  if (!in || header_len > (1u << 20)) fail("corrupt .npy header");
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) fail("truncated .npy header");

  NpyArray a;
  a.descr = detail::header_value(header, "descr");
  if (a.descr.empty()) fail("no dtype in the .npy header");
  if (a.descr.size() >= 2 && a.descr[0] == '=') a.descr[0] = '<';  // native order on a little-endian host
  if (a.descr != "<f4" && a.descr != "<f8" && a.descr != "<c8" && a.descr != "<c16")
    fail(detail::describe_descr(a.descr) + ": expected float32 or float64 (little-endian)");
  const std::string order = detail::header_value(header, "fortran_order");
  if (order != "True" && order != "False") fail("no fortran_order in the .npy header");
  a.fortran_order = order == "True";
  const std::string shape = detail::header_value(header, "shape");
  if (shape.size() < 2 || shape.front() != '(') fail("no shape in the .npy header");
  for (std::size_t pos = 1; pos < shape.size() - 1;) {
    const auto comma = shape.find(',', pos);
    const std::string item = shape.substr(pos, (comma == std::string::npos ? shape.size() - 1 : comma) - pos);
    if (item.find_first_not_of(' ') != std::string::npos) {
      char* end = nullptr;
      const long long v = std::strtoll(item.c_str(), &end, 10);
      if (v < 0 || end == item.c_str()) fail("bad shape " + shape + " in the .npy header");
      a.shape.push_back(Eigen::Index(v));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  // The payload size, checked against overflow and against what the file holds before allocating.
  std::uint64_t bytes = a.item_size();
  for (const Eigen::Index s : a.shape) {
    if (s != 0 && bytes > (std::uint64_t(1) << 62) / std::uint64_t(s)) fail("shape " + shape + " is too large");
    bytes *= std::uint64_t(s);
  }
  const std::streamoff start = in.tellg();
  in.seekg(0, std::ios::end);
  const std::uint64_t available = std::uint64_t(in.tellg() - start);
  if (bytes > available)
    fail("truncated: shape " + shape + " needs " + std::to_string(bytes) + " bytes of data, the file has " +
         std::to_string(available));
  in.seekg(start);
  a.data.resize(std::size_t(bytes));
  in.read(a.data.data(), std::streamsize(a.data.size()));
  if (!in) fail("cannot read the data");
  return a;
}

/// The shape as numpy prints it: "(80, 120)", "(5,)".
inline std::string shape_string(const std::vector<Eigen::Index>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// Writes a .npy file (format 1.0, C order) of `shape` from `values` in C order (last index
/// fastest). Scalar: float, double, std::complex<float> or std::complex<double>.
/// \throws std::runtime_error if the file cannot be written
template <class Scalar>
void write_npy(const std::string& path, const std::vector<Eigen::Index>& shape, const Scalar* values) {
  const char* descr = std::is_same_v<Scalar, float>                  ? "<f4"
                      : std::is_same_v<Scalar, double>               ? "<f8"
                      : std::is_same_v<Scalar, std::complex<float>> ? "<c8"
                                                                     : "<c16";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " +
                       shape_string(shape) + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n' padded to a multiple of 64 bytes.
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::size_t count = 1;
  for (const Eigen::Index s : shape) count *= std::size_t(s);
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write '" + path + "'");
  const unsigned char preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<unsigned char>(header.size() & 0xff),
                                      static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<const char*>(preamble), 10);
  out.write(header.data(), std::streamsize(header.size()));
  out.write(reinterpret_cast<const char*>(values), std::streamsize(count * sizeof(Scalar)));
  out.close();
  if (!out) throw std::runtime_error("short write to '" + path + "'");
}

}  // namespace examples
