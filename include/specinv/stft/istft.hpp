// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `istft()` free functions (torch.istft / torchaudio.functional.inverse_spectrogram) and
/// the batched `stft()` / `istft()` overloads. The work is done by `Stft<T, Backend>`.

#include <optional>

#include "stft.hpp"

namespace specinv {

/// \brief Inverse STFT of a spectrogram (torch.istft, or torchaudio's inverse_spectrogram when
/// `params.normalized` or `params.pad` is set). Plans are made per call; keep an `Stft` object
/// to reuse them.
/// \tparam T float or double
/// \tparam Backend the FFT backend (fft::default_backend<T> unless given)
/// \param[in] s spectrogram, shape (n_fft / 2 + 1 or n_fft, frames)
/// \param[in] length exact output length, or none for torch's default (istft_length())
/// \returns shape (istft_length(frames, params, length))
/// \throws specinv::invalid_argument for invalid parameters, shape, values, or NOLA failure
template <class T, class Backend = fft::default_backend<T>>
Signal<T> istft(const Eigen::Ref<const Spectrogram<T>>& s, const StftParams& params,
                std::optional<Index> length = std::nullopt) {
  return Stft<T, Backend>(params).inverse(s, length);
}

/// \brief Inverse STFT of any Eigen complex matrix expression; the scalar type is deduced.
/// \tparam Derived an Eigen dense matrix type of std::complex<float> or std::complex<double>
/// \returns shape (istft_length(frames, params, length)) \throws specinv::invalid_argument as above
template <class Derived, std::enable_if_t<detail::is_dense_v<Derived>, int> = 0>
Signal<typename Derived::Scalar::value_type> istft(const Eigen::MatrixBase<Derived>& s, const StftParams& params,
                                                   std::optional<Index> length = std::nullopt) {
  using T = typename Derived::Scalar::value_type;
  return istft<T>(Eigen::Ref<const Spectrogram<T>>(s.derived()), params, length);
}

/// \brief Batched STFT. \tparam T float or double \tparam Backend the FFT backend
/// \param[in] x signals, shape (samples, batch)
/// \returns shape (n_freqs, frames, batch)
template <class T, class Backend = fft::default_backend<T>>
SpectrogramBatch<T> stft(const SignalBatch<T>& x, const StftParams& params) {
  return Stft<T, Backend>(params).forward(x);
}

/// \brief Batched inverse STFT. \tparam T float or double \tparam Backend the FFT backend
/// \param[in] s spectrograms, shape (n_freqs, frames, batch)
/// \returns shape (istft_length(frames, params, length), batch)
template <class T, class Backend = fft::default_backend<T>>
SignalBatch<T> istft(const SpectrogramBatch<T>& s, const StftParams& params,
                     std::optional<Index> length = std::nullopt) {
  return Stft<T, Backend>(params).inverse(s, length);
}

}  // namespace specinv
