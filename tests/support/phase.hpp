// SPDX-License-Identifier: MIT
#pragma once

// What the phase-recovery tests share: the golden STFT and input magnitude of golden/INDEX.md
// sections (v) and (vii), and an SC recomputed with the public metric, independent of the
// algorithms' own sums.

#include <specinv/metrics.hpp>
#include <specinv/stft.hpp>

#include "catch.hpp"
#include "npy.hpp"

namespace test {

/// golden/INDEX.md (v), (vii): n_fft 512, hop 128, periodic Hann of 512, center, reflect.
inline specinv::StftParams golden_stft() {
  specinv::StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  p.win_length = 512;
  return p;
}

/// golden/griffinlim/input_magnitude.npy, shape (257, 32), as T.
template <class T>
specinv::Magnitude<T> golden_magnitude() {
  return load_real(golden("griffinlim/input_magnitude.npy")).cast<T>();
}

/// SC of |STFT(y)| against `mag` in dB, with the public metric.
template <class T>
double recomputed_sc(const specinv::Signal<T>& y, const specinv::Magnitude<T>& mag, const specinv::StftParams& stft) {
  const specinv::Magnitude<T> estimate = specinv::Stft<T>(stft).forward(y).cwiseAbs();
  return specinv::spectral_convergence_db(estimate, mag);
}

}  // namespace test
