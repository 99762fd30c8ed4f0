// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The vectorised inner loops of the STFT: windowed frame copy and windowed overlap-add.
///
/// Both are single Eigen array expressions over contiguous memory, so Eigen emits packet (SIMD)
/// code with no per-sample branch; callers clip ranges per frame, never per sample.

#include <Eigen/Core>

namespace specinv::detail {

template <class T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

/// dst[k] = src[k] * window[k], k in [0, count).
template <class T>
void window_copy(T* dst, const T* src, const T* window, Eigen::Index count) noexcept {
  ArrayMap<T>(dst, count) = ConstArrayMap<T>(src, count) * ConstArrayMap<T>(window, count);
}

/// dst[k] += frame[k] * window[k], k in [0, count).
template <class T>
void window_add(T* dst, const T* frame, const T* window, Eigen::Index count) noexcept {
  ArrayMap<T>(dst, count) += ConstArrayMap<T>(frame, count) * ConstArrayMap<T>(window, count);
}

}  // namespace specinv::detail
