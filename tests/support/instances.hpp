// SPDX-License-Identifier: MIT
// Explicit instantiations of the library's class templates, for builds configured with
// SPECINV_SHARED_INSTANCES (CI's Release and sanitizer builds; see the top-level CMakeLists.txt).
//
// This header-only library is slow to compile, instrumented or not: every test, example and the CLI
// instantiates and optimises the same algorithms again. With the switch on, specinv_instances
// instantiates each class below once per (scalar, backend) at the build's optimisation level,
// and every other target of the project is compiled at -O0 with this header force-included.
// There, the declarations below (`extern template class`) tell the compiler that the members are
// defined elsewhere, and at -O0 it instantiates none of them: a test compiles only its own code,
// and runs the library's loops as optimised as the build asks. The code compiled and the results
// are those of any other build; only where each instantiation is compiled changes.
//
// Anything left out of the lists (function templates, member templates, detail classes a test
// uses directly) is instantiated in the test as usual, so the lists can be incomplete, never wrong.
#ifndef SPECINV_TESTS_SUPPORT_INSTANCES_HPP
#define SPECINV_TESTS_SUPPORT_INSTANCES_HPP

#include <specinv/specinv.hpp>

/// The classes templated on a scalar and an FFT backend, for one of each. `X` is `extern` (a
/// declaration) or empty (the definition, in specinv_instances).
#define SPECINV_INSTANCES_OF_BACKEND(X, T, B)               \
  X template class specinv::Stft<T, B>;                     \
  X template class specinv::GriffinLim<T, B>;               \
  X template class specinv::Admm<T, B>;                     \
  X template class specinv::Legla<T, B>;                    \
  X template class specinv::Lbfgs<T, B>;                    \
  X template class specinv::Pghi<T, B>;                     \
  X template class specinv::RtisiLa<T, B>;                  \
  X template class specinv::Rtpghi<T, B>;                   \
  X template class specinv::StreamingReconstructor<T, B>;   \
  X template class specinv::MelSpectrogram<T, B>;           \
  X template class specinv::BarkSpectrogram<T, B>;          \
  X template class B;                                                                            \
  SPECINV_INSTANCES_FUNCTIONS(X, T, B)

/// The free functions that run an algorithm: most of the work is in their own bodies (the
/// iteration driver, the metrics of each evaluated iteration), not in the classes' members.
#define SPECINV_INSTANCES_FUNCTIONS(X, T, B)                                                         \
  SPECINV_INSTANCES_ITERATIVE(X, T, B, griffin_lim, GriffinLimParams)                               \
  SPECINV_INSTANCES_ITERATIVE(X, T, B, admm, AdmmParams)                                            \
  SPECINV_INSTANCES_ITERATIVE(X, T, B, legla, LeglaParams)                                          \
  X template specinv::Reconstruction<T> specinv::rtisi_la<T, B>(const Eigen::Ref<const specinv::Magnitude<T>>&, \
                                                                const specinv::StftParams&,        \
                                                                const specinv::RtisiLaParams&);     \
  X template std::vector<specinv::Reconstruction<T>> specinv::rtisi_la<T, B>(                       \
      const specinv::MagnitudeBatch<T>&, const specinv::StftParams&, const specinv::RtisiLaParams&); \
  X template specinv::Spectrogram<T> specinv::pghi_spectrogram<T, B>(                                \
      const Eigen::Ref<const specinv::Magnitude<T>>&, const specinv::StftParams&, const specinv::PghiParams&); \
  X template specinv::Reconstruction<T> specinv::pghi<T, B>(const Eigen::Ref<const specinv::Magnitude<T>>&,     \
                                                            const specinv::StftParams&,            \
                                                            const specinv::PghiParams&);            \
  X template specinv::Reconstruction<T> specinv::rtpghi<T, B>(const Eigen::Ref<const specinv::Magnitude<T>>&,   \
                                                              const specinv::StftParams&,          \
                                                              const specinv::RtpghiParams&);        \
  X template specinv::Reconstruction<T> specinv::lbfgs<T, B>(const Eigen::Ref<const specinv::Magnitude<T>>&,    \
                                                             const specinv::StftParams&,           \
                                                             const specinv::LbfgsParams&);          \
  X template specinv::Reconstruction<T> specinv::lbfgs<T, B>(const Eigen::Ref<const specinv::Magnitude<T>>&,    \
                                                             const Eigen::Ref<const specinv::Signal<T>>&, \
                                                             const specinv::StftParams&,           \
                                                             const specinv::LbfgsParams&);          \
  X template std::vector<specinv::Reconstruction<T>> specinv::lbfgs<T, B>(                          \
      const specinv::MagnitudeBatch<T>&, const specinv::StftParams&, const specinv::LbfgsParams&);  \
  X template specinv::Magnitude<T> specinv::mel_spectrogram<T, B>(const Eigen::Ref<const specinv::Signal<T>>&,  \
                                                                  const specinv::StftParams&,      \
                                                                  const specinv::MelParams&, double); \
  X template specinv::Magnitude<T> specinv::bark_spectrogram<T, B>(const Eigen::Ref<const specinv::Signal<T>>&, \
                                                                   const specinv::StftParams&,     \
                                                                   const specinv::BarkParams&, double);

/// An iterative algorithm's three entry points: from a magnitude, from a start, a batch.
#define SPECINV_INSTANCES_ITERATIVE(X, T, B, name, Params)                                           \
  X template specinv::Reconstruction<T> specinv::name<T, B>(const Eigen::Ref<const specinv::Magnitude<T>>&,     \
                                                            const specinv::StftParams&,            \
                                                            const specinv::Params&);                \
  X template specinv::Reconstruction<T> specinv::name<T, B>(const Eigen::Ref<const specinv::Spectrogram<T>>&,   \
                                                            const specinv::StftParams&,            \
                                                            const specinv::Params&);                \
  X template std::vector<specinv::Reconstruction<T>> specinv::name<T, B>(                           \
      const specinv::MagnitudeBatch<T>&, const specinv::StftParams&, const specinv::Params&);

/// The classes templated on the scalar alone.
#define SPECINV_INSTANCES_OF_SCALAR(X, T)                   \
  X template class specinv::InverseFilterbank<T>;           \
  X template class specinv::detail::WindowEnvelope<T>;                                            \
  X template void specinv::phase_init<T>(const Eigen::Ref<const specinv::Magnitude<T>>&,            \
                                         const specinv::StftParams&, Eigen::Ref<specinv::Spectrogram<T>>); \
  X template specinv::Spectrogram<T> specinv::phase_init<T>(const Eigen::Ref<const specinv::Magnitude<T>>&, \
                                                            const specinv::StftParams&);            \
  X template double specinv::spectral_convergence_db<T>(const Eigen::Ref<const specinv::Signal<T>>&, \
                                                        const Eigen::Ref<const specinv::Signal<T>>&, \
                                                        const specinv::StftParams&);        \
  SPECINV_INSTANCES_METRIC(X, T, spectral_convergence_db)                                         \
  SPECINV_INSTANCES_METRIC(X, T, ser_db)                                                          \
  SPECINV_INSTANCES_METRIC(X, T, snr_db)

/// A metric of two matrices (magnitudes), as the tests and the CLI call it.
#define SPECINV_INSTANCES_METRIC(X, T, name)                                                       \
  X template double specinv::name<specinv::Magnitude<T>, specinv::Magnitude<T>>(                   \
      const Eigen::MatrixBase<specinv::Magnitude<T>>&, const Eigen::MatrixBase<specinv::Magnitude<T>>&);

#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
#define SPECINV_INSTANCES_FFTW(X, T) SPECINV_INSTANCES_OF_BACKEND(X, T, specinv::fft::fftw<T>)
#else
#define SPECINV_INSTANCES_FFTW(X, T)
#endif

#ifndef SPECINV_INSTANCES_DEFINE  // defined by specinv_instances' own translation units
SPECINV_INSTANCES_OF_SCALAR(extern, float)
SPECINV_INSTANCES_OF_SCALAR(extern, double)
SPECINV_INSTANCES_OF_BACKEND(extern, float, specinv::fft::kiss<float>)
SPECINV_INSTANCES_OF_BACKEND(extern, double, specinv::fft::kiss<double>)
SPECINV_INSTANCES_FFTW(extern, float)
SPECINV_INSTANCES_FFTW(extern, double)
#endif

#endif  // SPECINV_TESTS_SUPPORT_INSTANCES_HPP
