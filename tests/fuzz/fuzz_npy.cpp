// SPDX-License-Identifier: MIT
// libFuzzer target: bytes -> examples::read_npy_memory (the .npy reader of the CLI, the examples
// and the tests). Every malformed input must end in a std::runtime_error that starts with the
// name given; never a crash, UB, a hang or an allocation larger than the input calls for. The
// same bytes are also read through a stream that cannot seek (a pipe), which takes the reader's
// other path to the payload, and must give the same array or the same message. An array read is
// then turned into matrices, slice by slice.

#include <algorithm>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <istream>
#include <stdexcept>
#include <streambuf>
#include <string>

#include "common/npy.hpp"

namespace {

[[noreturn]] void violation(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz_npy: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

/// A stream buffer that hands out the bytes a few at a time and cannot seek, like a pipe.
class PipeBuffer : public std::streambuf {
 public:
  PipeBuffer(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}

 protected:
  int_type underflow() override {
    if (m_pos >= m_size) return traits_type::eof();
    const std::size_t n = std::min<std::size_t>(sizeof m_chunk, m_size - m_pos);
    std::memcpy(m_chunk, m_data + m_pos, n);
    m_pos += n;
    setg(m_chunk, m_chunk, m_chunk + n);
    return traits_type::to_int_type(m_chunk[0]);
  }

 private:
  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
  char m_chunk[7];  // odd, so that reads straddle the chunks
};

/// The array, or the error message, of one way of reading.
struct Result {
  bool ok = false;
  examples::NpyArray array;
  std::string error;
};

template <class F>
Result attempt(F&& read) {
  Result r;
  try {
    r.array = read();
    r.ok = true;
  } catch (const std::runtime_error& e) {
    r.error = e.what();
    if (r.error.rfind("fuzz.npy: ", 0) != 0) violation("message does not start with the name", r.error);
  } catch (const std::exception& e) {
    violation("exception other than std::runtime_error", e.what());
  }
  return r;
}

template <class Scalar>
void read_slices(const examples::NpyArray& a) {
  const Eigen::Index slices = a.slices();
  const Eigen::Index rank = Eigen::Index(a.shape.size());
  const Eigen::Index rows = rank >= 2 ? a.shape[rank - 2] : rank == 1 ? a.shape[0] : 1;
  const Eigen::Index cols = rank >= 2 ? a.shape[rank - 1] : 1;
  // Slices of a non-empty array hold its payload, which the reader bounds by the input; an empty
  // one (a zero dimension) may still have a huge count of empty slices: visit a few of them.
  const Eigen::Index visit = rows * cols == 0 ? std::min<Eigen::Index>(slices, 16) : slices;
  for (Eigen::Index i = 0; i < visit; ++i) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> m = a.matrix<Scalar>(i);
    if (m.rows() != rows || m.cols() != cols) violation("matrix() has the wrong shape");
  }
  if (slices > 0) a.matrix<Scalar>(slices - 1);
  for (const Eigen::Index bad : {Eigen::Index(-1), slices}) {
    try {
      a.matrix<Scalar>(bad);
      violation("matrix() accepted a slice index out of range");
    } catch (const std::runtime_error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Result memory = attempt([&] { return examples::read_npy_memory(data, size, "fuzz.npy"); });
  PipeBuffer pipe_buffer(data, size);
  std::istream pipe(&pipe_buffer);
  const Result piped = attempt([&] { return examples::read_npy(pipe, "fuzz.npy"); });
  if (memory.ok != piped.ok || memory.error != piped.error)
    violation("seekable and non-seekable reads differ", memory.error + " | " + piped.error);
  if (!memory.ok) return 0;
  const examples::NpyArray& a = memory.array;
  if (a.data != piped.array.data || a.shape != piped.array.shape || a.descr != piped.array.descr ||
      a.fortran_order != piped.array.fortran_order)
    violation("seekable and non-seekable reads give different arrays");
  if (a.data.size() != std::size_t(a.size()) * a.item_size()) violation("payload size differs from the shape's");
  if (a.data.size() > size) violation("payload larger than the input");

  if (a.is_complex()) {
    read_slices<std::complex<double>>(a);
    try {
      a.matrix<double>();
      violation("a complex array was read as real");
    } catch (const std::runtime_error&) {
    }
  } else {
    read_slices<double>(a);
    read_slices<std::complex<double>>(a);
  }
  return 0;
}
