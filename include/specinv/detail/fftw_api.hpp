// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The one place `<fftw3.h>` enters specinv: `FftwApi<T>` maps float to `fftwf_*` and
/// double to `fftw_*`, and the process-wide planner lock.

#include <complex>
#include <mutex>

#include <fftw3.h>

namespace specinv::detail {

/// FFTW's planner (and plan destruction) is not thread-safe; execution with the new-array calls is.
/// Every plan specinv creates or destroys holds this lock. Being a function-local static of an
/// inline function, it is one mutex per process however many translation units include it.
inline std::mutex& fftw_planner_mutex() noexcept {
  static std::mutex m;
  return m;
}

template <class T>
struct FftwApi;

/// Batched 1-D real transforms in double precision (libfftw3).
template <>
struct FftwApi<double> {
  using plan = fftw_plan;
  static plan r2c(int n, int howmany, double* in, int idist, std::complex<double>* out, int odist,
                  unsigned flags) {
    return fftw_plan_many_dft_r2c(1, &n, howmany, in, nullptr, 1, idist,
                                  reinterpret_cast<fftw_complex*>(out), nullptr, 1, odist, flags);
  }
  static plan c2r(int n, int howmany, std::complex<double>* in, int idist, double* out, int odist,
                  unsigned flags) {
    return fftw_plan_many_dft_c2r(1, &n, howmany, reinterpret_cast<fftw_complex*>(in), nullptr, 1,
                                  idist, out, nullptr, 1, odist, flags);
  }
  static void execute(plan p, double* in, std::complex<double>* out) noexcept {
    fftw_execute_dft_r2c(p, in, reinterpret_cast<fftw_complex*>(out));
  }
  static void execute(plan p, std::complex<double>* in, double* out) noexcept {
    fftw_execute_dft_c2r(p, reinterpret_cast<fftw_complex*>(in), out);
  }
  static void destroy(plan p) noexcept { fftw_destroy_plan(p); }
};

/// Batched 1-D real transforms in single precision (libfftw3f).
template <>
struct FftwApi<float> {
  using plan = fftwf_plan;
  static plan r2c(int n, int howmany, float* in, int idist, std::complex<float>* out, int odist,
                  unsigned flags) {
    return fftwf_plan_many_dft_r2c(1, &n, howmany, in, nullptr, 1, idist,
                                   reinterpret_cast<fftwf_complex*>(out), nullptr, 1, odist, flags);
  }
  static plan c2r(int n, int howmany, std::complex<float>* in, int idist, float* out, int odist,
                  unsigned flags) {
    return fftwf_plan_many_dft_c2r(1, &n, howmany, reinterpret_cast<fftwf_complex*>(in), nullptr, 1,
                                   idist, out, nullptr, 1, odist, flags);
  }
  static void execute(plan p, float* in, std::complex<float>* out) noexcept {
    fftwf_execute_dft_r2c(p, in, reinterpret_cast<fftwf_complex*>(out));
  }
  static void execute(plan p, std::complex<float>* in, float* out) noexcept {
    fftwf_execute_dft_c2r(p, reinterpret_cast<fftwf_complex*>(in), out);
  }
  static void destroy(plan p) noexcept { fftwf_destroy_plan(p); }
};

}  // namespace specinv::detail
