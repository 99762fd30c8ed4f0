// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief Cholesky factorisation of a symmetric positive definite band matrix, in place.
///
/// The normal matrices of a filterbank are banded: triangular mel and bark filters overlap only
/// their neighbours, so `A A^T` is tridiagonal. Eigen has band storage but no band solver; this
/// one costs O(n p^2) to factorise and O(n p) to solve for n unknowns and p sub-diagonals.

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

namespace specinv::detail {

/// \brief Lower band of an SPD matrix, factorised in place as L L^T.
///
/// Storage is LAPACK's lower band layout: `band(k, j)` holds entry (j + k, j) for k in [0, p].
template <class T>
class BandCholesky {
 public:
  using Index = Eigen::Index;

  /// Sizes the storage for n unknowns and p sub-diagonals (allocates; everything after does not).
  void resize(Index n, Index p) {
    m_band.resize(p + 1, n);
    m_band.setZero();
  }
  /// Zeroes the matrix, keeping its size (no allocation).
  void clear() noexcept { m_band.setZero(); }
  Index size() const noexcept { return m_band.cols(); }
  Index bandwidth() const noexcept { return m_band.rows() - 1; }

  /// Entry (j + k, j) of the matrix before `factorize()`, of L after.
  T& band(Index k, Index j) noexcept { return m_band(k, j); }

  /// Factorises in place. Returns false when a pivot is not positive (not SPD to working precision).
  bool factorize() noexcept {
    const Index n = size(), p = bandwidth();
    for (Index j = 0; j < n; ++j) {
      T d = m_band(0, j);
      for (Index k = std::max<Index>(0, j - p); k < j; ++k) d -= m_band(j - k, k) * m_band(j - k, k);
      if (!(d > T(0))) return false;
      const T ljj = std::sqrt(d);
      m_band(0, j) = ljj;
      for (Index i = j + 1; i <= std::min(n - 1, j + p); ++i) {
        T s = m_band(i - j, j);
        for (Index k = std::max<Index>(0, i - p); k < j; ++k) s -= m_band(i - k, k) * m_band(j - k, k);
        m_band(i - j, j) = s / ljj;
      }
    }
    return true;
  }

  /// Solves (L L^T) x = b in place.
  template <class Derived>
  void solve_in_place(Eigen::MatrixBase<Derived>& x) const noexcept {
    const Index n = size(), p = bandwidth();
    for (Index j = 0; j < n; ++j) {  // L y = b
      T s = x[j];
      for (Index k = std::max<Index>(0, j - p); k < j; ++k) s -= m_band(j - k, k) * x[k];
      x[j] = s / m_band(0, j);
    }
    for (Index j = n - 1; j >= 0; --j) {  // L^T x = y
      T s = x[j];
      for (Index i = j + 1; i <= std::min(n - 1, j + p); ++i) s -= m_band(i - j, j) * x[i];
      x[j] = s / m_band(0, j);
    }
  }

 private:
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m_band;
};

}  // namespace specinv::detail
