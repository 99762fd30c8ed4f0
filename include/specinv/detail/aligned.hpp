// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `AlignedArray`: a fixed-size, zero-initialised, cache-line aligned buffer.

#include <cstddef>
#include <memory>
#include <new>

#include <Eigen/Core>

namespace specinv::detail {

/// Alignment of every workspace buffer: one cache line, and enough for any SIMD width, so that a
/// frame starting at a multiple of it has the same alignment as the buffer FFTW planned on.
inline constexpr std::size_t buffer_alignment = 64;

/// \brief An owning array of `n` values of `U`, aligned to `buffer_alignment`, zero-initialised.
/// Move-only; its size never changes, so a workspace built from these never reallocates.
template <class U>
class AlignedArray {
 public:
  AlignedArray() = default;
  explicit AlignedArray(Eigen::Index n)
      : m_data(n > 0 ? allocate(std::size_t(n)) : nullptr), m_size(n > 0 ? n : 0) {}

  U* data() noexcept { return m_data.get(); }
  const U* data() const noexcept { return m_data.get(); }
  Eigen::Index size() const noexcept { return m_size; }
  U& operator[](Eigen::Index i) noexcept { return m_data[std::size_t(i)]; }
  const U& operator[](Eigen::Index i) const noexcept { return m_data[std::size_t(i)]; }

 private:
  struct Free {
    void operator()(U* p) const noexcept {
      ::operator delete[](static_cast<void*>(p), std::align_val_t(buffer_alignment));
    }
  };
  static U* allocate(std::size_t n) {
    void* raw = ::operator new[](n * sizeof(U), std::align_val_t(buffer_alignment));
    U* p = static_cast<U*>(raw);
    std::uninitialized_value_construct_n(p, n);
    return p;
  }

  std::unique_ptr<U[], Free> m_data;
  Eigen::Index m_size = 0;
};

}  // namespace specinv::detail
