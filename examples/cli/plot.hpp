// SPDX-License-Identifier: MIT
#pragma once

// `specinv ... --plot`: a side-by-side picture of a reference spectrogram, its estimate and their
// difference, drawn by hand (heat maps, colour bars, a bitmap font) and written with libpng.

#include <string>

#include <Eigen/Core>

namespace cli {

/// \brief Writes a PNG with three panels side by side: the reference spectrogram in dB, the estimate
/// in dB (the same colour scale: the top is the larger of the two maxima, the range 80 dB below it),
/// and their difference estimate - reference in dB (a diverging scale, +-20 dB, saturating), each
/// with a colour bar, a title, a time axis in seconds and a frequency axis in Hz or kHz.
///
/// The panels have a fixed size whatever the input: each pixel shows the mean power of the cells it
/// covers, low frequencies at the bottom. Values more than 200 dB below the peak (or all of them,
/// for silent input) are floored, so the picture never holds NaN.
/// \param[in] path        the file to write (overwritten).
/// \param[in] reference   magnitudes |STFT|, shape (n_fft/2 + 1, frames), >= 0, finite.
/// \param[in] estimate    magnitudes of the same shape.
/// \param[in] sample_rate in Hz, > 0.
/// \param[in] hop         in samples, > 0: frame k is at k * hop / sample_rate seconds.
/// \throws std::invalid_argument if the shapes differ or are empty, or sample_rate or hop is not positive.
/// \throws std::runtime_error with a message naming `path` if the file cannot be written.
void write_comparison_png(const std::string& path, const Eigen::MatrixXd& reference,
                          const Eigen::MatrixXd& estimate, int sample_rate, int hop);

}  // namespace cli
