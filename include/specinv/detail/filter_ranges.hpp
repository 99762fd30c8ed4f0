// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief A filterbank stored as one contiguous support per filter: the forward filtered
/// spectrogram and the per-frame inverse solvers apply it through here.
///
/// Mel and bark filters are triangles: filter m is non-zero on one short run of bins, and only
/// its neighbours overlap it. Keeping each filter's run [lo, hi) makes `A x`, `A^T l` and the
/// normal matrix `A diag(s) A^T` cost O(nnz) as contiguous (vectorised) segment operations,
/// with no index indirection. Any filterbank works: a filter's run spans its first to its last
/// non-zero bin, zeros inside included.

#include <algorithm>

#include <Eigen/Core>

#include "band_cholesky.hpp"

namespace specinv::detail {

/// `A = F^T` for a filterbank F of shape (n_freqs, n_filters), in T.
template <class T>
class FilterRanges {
 public:
  using Index = Eigen::Index;
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  using VectorRef = Eigen::Ref<Vector>;
  using ConstVectorRef = Eigen::Ref<const Vector>;

 private:
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> m_fb;  // (n_freqs, n_filters)
  Eigen::Matrix<Index, Eigen::Dynamic, 1> m_lo, m_hi;
  Index m_bandwidth = 0;

  Index length(Index m) const noexcept { return m_hi[m] - m_lo[m]; }
  Index overlap(Index m, Index k) const noexcept {
    return std::min(m_hi[m], m_hi[k]) - std::max(m_lo[m], m_lo[k]);
  }
  auto column(Index m) const noexcept { return m_fb.col(m).segment(m_lo[m], length(m)); }

 public:
  FilterRanges() = default;

  /// \param fb shape (n_freqs, n_filters); an all-zero filter gets an empty run
  template <class Derived>
  explicit FilterRanges(const Eigen::MatrixBase<Derived>& fb)
      : m_fb(fb.template cast<T>()), m_lo(fb.cols()), m_hi(fb.cols()) {
    for (Index m = 0; m < fb.cols(); ++m) {
      Index lo = 0, hi = fb.rows();
      while (lo < hi && m_fb(lo, m) == T(0)) ++lo;
      while (hi > lo && m_fb(hi - 1, m) == T(0)) --hi;
      m_lo[m] = lo;
      m_hi[m] = hi;
    }
    // Bandwidth of A A^T: how far apart two filters sharing a bin can be.
    for (Index m = 0; m < n_filters(); ++m) {
      for (Index k = m + 1; k < n_filters(); ++k) {
        if (overlap(m, k) > 0) m_bandwidth = std::max(m_bandwidth, k - m);
      }
    }
  }

  Index n_freqs() const noexcept { return m_fb.rows(); }
  Index n_filters() const noexcept { return m_fb.cols(); }
  /// Sub-diagonals of A A^T (1 for triangular filterbanks).
  Index bandwidth() const noexcept { return m_bandwidth; }

  /// ax = A x. \param x (n_freqs) \param[out] ax (n_filters)
  void times(const ConstVectorRef& x, VectorRef ax) const noexcept {
    for (Index m = 0; m < n_filters(); ++m) ax[m] = column(m).dot(x.segment(m_lo[m], length(m)));
  }

  /// z = A^T l. \param l (n_filters) \param[out] z (n_freqs)
  void transpose_times(const ConstVectorRef& l, VectorRef z) const noexcept {
    z.setZero();
    for (Index m = 0; m < n_filters(); ++m) z.segment(m_lo[m], length(m)) += l[m] * column(m);
  }

  /// Adds A diag(s) A^T to the lower band of `h` (bandwidth() sub-diagonals). \param s (n_freqs)
  void add_gram(const ConstVectorRef& s, BandCholesky<T>& h) const noexcept {
    for (Index m = 0; m < n_filters(); ++m) {
      for (Index k = m; k <= std::min(n_filters() - 1, m + m_bandwidth); ++k) {
        const Index lo = std::max(m_lo[m], m_lo[k]), n = overlap(m, k);
        if (n <= 0) continue;
        h.band(k - m, m) += (m_fb.col(m).segment(lo, n).array() * m_fb.col(k).segment(lo, n).array() *
                             s.segment(lo, n).array())
                                .sum();
      }
    }
  }

};

}  // namespace specinv::detail
