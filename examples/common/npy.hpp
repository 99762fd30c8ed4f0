// SPDX-License-Identifier: MIT
#pragma once

// NumPy .npy files for the examples, the CLI and the tests: reading format 1.0 to 3.0 (little-endian
// float32, float64, complex64, complex128; C or Fortran order) from a file, a std::istream (seekable
// or not) or memory, and writing format 1.0. Anything else (another dtype, big-endian data, object
// arrays, a malformed header, a truncated file) is refused with a std::runtime_error that names the
// input and what was found; lengths and shapes in the header are checked for overflow and against
// the data that follows before anything is allocated (tests/fuzz/fuzz_npy.cpp fuzzes the reader).
// Not part of the library: specinv does no I/O.
//
// Layout: a C-order (rows, cols) array has its last index varying fastest, so it is the transpose
// of a column-major Eigen buffer; `matrix()` returns the logical (rows, cols) matrix either way.

#include <algorithm>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <istream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

namespace examples {

namespace detail {

/// Largest payload, in bytes, a shape may describe: far above any real file, and low enough that
/// every product of dimensions below fits an Eigen::Index.
inline constexpr std::uint64_t npy_max_bytes = std::uint64_t(1) << 62;

/// Bytes of `item_size`-byte elements in an array of `shape`, or npy_max_bytes + 1 if the
/// product of its non-zero dimensions times item_size is larger than npy_max_bytes (or a
/// dimension is negative); then every slice of the array would be too large as well.
inline std::uint64_t npy_payload_bytes(const std::vector<Eigen::Index>& shape, std::uint64_t item_size) {
  std::uint64_t bytes = item_size;
  bool empty = false;
  for (const Eigen::Index s : shape) {
    if (s < 0) return npy_max_bytes + 1;
    if (s == 0) {
      empty = true;  // no data, but the other dimensions are still checked
      continue;
    }
    if (bytes > npy_max_bytes / std::uint64_t(s)) return npy_max_bytes + 1;
    bytes *= std::uint64_t(s);
  }
  return empty ? 0 : bytes;
}

}  // namespace detail

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
  /// Element `i` (in payload order) of a complex array, as a complex double; of a real array,
  /// its value with a zero imaginary part.
  std::complex<double> complex(Eigen::Index i) const {
    if (!is_complex()) return {real(i), 0.0};
    if (descr == "<c8") {
      float v[2];
      std::memcpy(v, data.data() + 8 * i, 8);
      return {v[0], v[1]};
    }
    double v[2];
    std::memcpy(v, data.data() + 16 * i, 16);
    return {v[0], v[1]};
  }

  /// Number of 2-D slices `matrix()` can return: the product of the leading dimensions (all but
  /// the last two), 1 for an array of rank 2 or less.
  Eigen::Index slices() const {
    Eigen::Index n = 1;
    for (std::size_t i = 0; i + 2 < shape.size(); ++i) n *= shape[i];
    return n;
  }

  /// The 2-D slice `index` of the leading axes (flattened in the array's order) as a logical (rows, cols) matrix, where rows and
  /// cols are the last two dimensions (a 1-D array is one column). Scalar: double (for a real
  /// array) or std::complex<double> (for a complex or a real one).
  /// \throws std::runtime_error for an index outside [0, slices()), a complex array read as
  /// double, or a payload smaller than the shape needs (an array not made by read_npy)
  template <class Scalar>
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> matrix(Eigen::Index index = 0) const {
    static_assert(std::is_same_v<Scalar, double> || std::is_same_v<Scalar, std::complex<double>>,
                  "NpyArray::matrix: Scalar must be double or std::complex<double>");
    if (std::is_same_v<Scalar, double> && is_complex())
      throw std::runtime_error("npy: a " + dtype() + " array read as real values");
    const std::uint64_t bytes = detail::npy_payload_bytes(shape, item_size());
    if (bytes > detail::npy_max_bytes || data.size() < bytes)
      throw std::runtime_error("npy: the payload does not hold the shape's " + std::to_string(bytes) + " bytes");
    const Eigen::Index n_slices = slices();
    if (index < 0 || index >= n_slices)
      throw std::runtime_error("npy: slice " + std::to_string(index) + " of an array with " +
                               std::to_string(n_slices) + " slices");
    const Eigen::Index rank = Eigen::Index(shape.size());
    const Eigen::Index rows = rank >= 2 ? shape[rank - 2] : rank == 1 ? shape[0] : 1;
    const Eigen::Index cols = rank >= 2 ? shape[rank - 1] : 1;
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> m(rows, cols);
    if (m.size() == 0) return m;  // (0, 2^40) is a legal empty shape: no loop over its columns
    for (Eigen::Index c = 0; c < cols; ++c) {
      for (Eigen::Index r = 0; r < rows; ++r) {
        // C order: index varies slowest; Fortran order: it varies fastest.
        const Eigen::Index at = fortran_order ? index + n_slices * (r + rows * c) : (index * rows + r) * cols + c;
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
  const std::string quoted = "dtype '" + d + "'";
  // A type string is an order character, a kind character and a byte count: "<f4", ">i2", "|b1".
  if (d.size() < 3 || d.size() > 5 || d.find_first_not_of("0123456789", 2) != std::string::npos) return quoted;
  const char order = d[0], kind = d[1];
  const std::string bits = std::to_string(8 * std::stoi(d.substr(2)));  // at most 3 digits: no overflow
  std::string name = kind == 'f'   ? "float" + bits
                     : kind == 'c' ? "complex" + bits
                     : kind == 'i' ? "int" + bits
                     : kind == 'u' ? "uint" + bits
                     : kind == 'b' ? "bool"
                                   : "";
  if (name.empty()) return quoted;
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

/// Parses numpy's shape tuple "(3, 4)", "(5,)" or "()". Returns false for anything else; a
/// dimension too large for any payload becomes npy_max_bytes + 1 (refused as too large later).
inline bool parse_npy_shape(const std::string& text, std::vector<Eigen::Index>& shape) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return false;
  const std::string inner = text.substr(1, text.size() - 2);
  if (inner.find_first_not_of(' ') == std::string::npos) return true;  // "()": a scalar
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = inner.find(',', pos);
    std::string item = inner.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    item.erase(0, std::min(item.size(), item.find_first_not_of(' ')));
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) {
      // Only a one-element tuple's trailing comma leaves an empty item: "(5,)", "(3, 4,)".
      if (comma != std::string::npos || shape.empty()) return false;
      return true;
    }
    if (item.size() > 1 && item.back() == 'L') item.pop_back();  // Python 2's long integers: "3L"
    if (item.find_first_not_of("0123456789") != std::string::npos) return false;
    std::uint64_t v = 0;
    for (const char c : item) v = v > npy_max_bytes / 10 ? npy_max_bytes + 1 : v * 10 + std::uint64_t(c - '0');
    shape.push_back(Eigen::Index(v));
    if (comma == std::string::npos) return true;
    pos = comma + 1;
  }
}

/// A read-only, seekable std::streambuf over bytes the caller owns (nothing is copied).
class NpyMemoryBuffer : public std::streambuf {
 public:
  NpyMemoryBuffer(const void* data, std::size_t size) {
    // std::streambuf wants char*; the get area is only read (putting back is refused: pbackfail
    // keeps its default, which fails).
    char* begin = const_cast<char*>(static_cast<const char*>(data));
    setg(begin, begin, begin + size);
  }

 protected:
  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override {
    if (!(which & std::ios_base::in)) return pos_type(off_type(-1));
    const off_type size = egptr() - eback();
    const off_type base = dir == std::ios_base::beg ? 0 : dir == std::ios_base::cur ? gptr() - eback() : size;
    if (off < -base || off > size - base) return pos_type(off_type(-1));
    setg(eback(), eback() + (base + off), egptr());
    return pos_type(base + off);
  }
  pos_type seekpos(pos_type pos, std::ios_base::openmode which) override {
    return seekoff(off_type(pos), std::ios_base::beg, which);
  }
};

/// Reads up to `n` bytes into `out`; returns how many were read (fewer at the end of the stream).
inline std::size_t npy_read(std::istream& in, char* out, std::size_t n) {
  in.read(out, std::streamsize(n));
  return std::size_t(in.gcount());
}

/// Reads up to `n` bytes into `out` (resized to what arrived) in blocks that double from 64 KiB,
/// so that a length field claiming more than the stream holds costs no more memory than arrives.
/// Returns true if all `n` bytes were read.
template <class Bytes>
bool npy_read_growing(std::istream& in, Bytes& out, std::uint64_t n) {
  std::size_t got = 0;
  out.clear();
  while (got < n) {
    const std::size_t block = std::size_t(std::min<std::uint64_t>(n - got, std::max<std::size_t>(got, 1 << 16)));
    out.resize(got + block);
    const std::size_t read = npy_read(in, out.data() + got, block);
    got += read;
    if (read != block) {
      out.resize(got);
      return false;
    }
  }
  return true;
}

[[noreturn]] inline void npy_fail(const std::string& name, const std::string& what) {
  throw std::runtime_error(name + ": " + what);
}

}  // namespace detail

/// Reads a .npy array from `in`, from its current position; `name` (a path, or any label) starts
/// every error message. The stream need not be seekable (a pipe): then the payload is read in
/// growing blocks, so a header that claims more data than follows allocates no more than arrives.
/// \throws std::runtime_error naming `name` and the problem, for any malformed or unsupported input
inline NpyArray read_npy(std::istream& in, const std::string& name) {
  // Short reads are detected by count below: a caller's exception mask is set aside meanwhile,
  // so that every failure is one of the messages here.
  struct ExceptionMask {
    std::istream& in;
    std::ios_base::iostate saved;
    ~ExceptionMask() {
      try {
        in.exceptions(saved);  // restored even when it throws at once (a failed stream, failbit in the mask)
      } catch (...) {
      }
    }
  } mask{in, in.exceptions()};
  in.exceptions(std::ios_base::goodbit);
  char magic[8];
  if (detail::npy_read(in, magic, 8) != 8 || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    detail::npy_fail(name, "not a NumPy .npy file");
  const int major = static_cast<unsigned char>(magic[6]);
  if (major < 1 || major > 3) detail::npy_fail(name, "unsupported .npy format version " + std::to_string(major));
  unsigned char len[4] = {0, 0, 0, 0};
  const std::size_t len_size = major == 1 ? 2 : 4;
  if (detail::npy_read(in, reinterpret_cast<char*>(len), len_size) != len_size)
    detail::npy_fail(name, "truncated .npy header");
  const std::uint32_t header_len = std::uint32_t(len[0]) | (std::uint32_t(len[1]) << 8) |
                                   (std::uint32_t(len[2]) << 16) | (std::uint32_t(len[3]) << 24);
  if (header_len > (1u << 20)) detail::npy_fail(name, "corrupt .npy header");
  std::string header;
  if (!detail::npy_read_growing(in, header, header_len)) detail::npy_fail(name, "truncated .npy header");

  NpyArray a;
  a.descr = detail::header_value(header, "descr");
  if (a.descr.empty()) detail::npy_fail(name, "no dtype in the .npy header");
  if (a.descr.size() >= 2 && a.descr[0] == '=') a.descr[0] = '<';  // native order on a little-endian host
  if (a.descr != "<f4" && a.descr != "<f8" && a.descr != "<c8" && a.descr != "<c16")
    detail::npy_fail(name, detail::describe_descr(a.descr) + ": expected float32 or float64 (little-endian)");
  const std::string order = detail::header_value(header, "fortran_order");
  if (order != "True" && order != "False") detail::npy_fail(name, "no fortran_order in the .npy header");
  a.fortran_order = order == "True";
  const std::string shape = detail::header_value(header, "shape");
  if (shape.empty()) detail::npy_fail(name, "no shape in the .npy header");
  if (!detail::parse_npy_shape(shape, a.shape)) detail::npy_fail(name, "bad shape " + shape + " in the .npy header");
  // The payload size, checked against overflow and against what the stream holds before allocating.
  const std::uint64_t bytes = detail::npy_payload_bytes(a.shape, a.item_size());
  if (bytes > detail::npy_max_bytes) detail::npy_fail(name, "shape " + shape + " is too large");
  const auto truncated = [&](std::uint64_t available) {
    detail::npy_fail(name, "truncated: shape " + shape + " needs " + std::to_string(bytes) +
                               " bytes of data, the file has " + std::to_string(available));
  };
  // A seekable stream says how much follows; a pipe does not (tellg() is -1), nor does a stream
  // whose end cannot be found: those are read block by block below.
  bool sized = false;
  const std::streampos start = in.tellg();
  if (start != std::streampos(-1)) {
    in.seekg(0, std::ios::end);
    const std::streampos stop = in.tellg();
    sized = bool(in) && stop != std::streampos(-1) && stop >= start;
    if (sized && bytes > std::uint64_t(stop - start)) truncated(std::uint64_t(stop - start));
    in.clear();
    in.seekg(start);
    if (!in) detail::npy_fail(name, "cannot seek back to the data");
  }
  if (sized) {
    a.data.resize(std::size_t(bytes));
    const std::size_t got = detail::npy_read(in, a.data.data(), a.data.size());
    if (got != a.data.size()) truncated(got);
    return a;
  }
  if (!detail::npy_read_growing(in, a.data, bytes)) truncated(a.data.size());
  return a;
}

/// Reads a .npy array from `size` bytes at `data` (not copied while parsing); `name` starts
/// every error message. \throws std::runtime_error as read_npy(std::istream&, name)
inline NpyArray read_npy_memory(const void* data, std::size_t size, const std::string& name) {
  detail::NpyMemoryBuffer buffer(data, size);
  std::istream in(&buffer);
  return read_npy(in, name);
}

/// Reads a .npy file. \throws std::runtime_error naming the file and the problem.
inline NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::npy_fail(path, "cannot open the file");
  return read_npy(in, path);
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
