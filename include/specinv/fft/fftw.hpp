// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `fft::fftw<T>`: the FFTW3 backend (fast; GPL, see the README's licence section).
///
/// Four plans per object, all made at construction: r2c and c2r for one frame and for a batch of
/// `max_batch` frames (FFTW's advanced interface, one call over the whole block). Plans are made
/// on the object's own aligned buffers and executed with the new-array calls on those buffers
/// only, so alignment always matches the plan, and execution needs no lock. FFTW keeps what it
/// measured ("wisdom") for the life of the process: the first plan of a size costs a measurement
/// (~0.1 s at n = 1024), every later one tens of microseconds.
///
/// Allocation: execution allocates nothing when FFTW can plan the size without its buffered
/// algorithms, which specinv asks for first (FFTW_NO_BUFFERING). In practice that holds for every
/// even n whose prime factors are at most 13 (256, 400, 512, 882, 1000, 1024, 1200, 2048...:
/// checked for all such n up to 2100). Odd sizes need buffering, and sizes with a larger prime
/// factor may get Rader or Bluestein plans; FFTW may then allocate scratch inside each execution.
/// Real-time code with such a size uses `fft::kiss`, which never allocates after construction.
///
/// Reproducibility: FFTW_MEASURE picks algorithms by timing them, so two processes (or the batched
/// and the single-frame plan of one object) may round differently, at the level of 1 ulp. Results
/// are the same from run to run when every plan comes from the same wisdom, or with FFTW_ESTIMATE.
///
/// Thread safety: creating and destroying plans takes specinv's planner lock
/// (`detail::fftw_planner_mutex()`), so specinv objects may be created on many threads at once.
/// That lock is shared by all code in one binary (executable or shared library) that includes
/// specinv. Other FFTW users in the same process (another library, Eigen's FFTW backend, a second
/// plugin with hidden symbols) plan without it; such a process should call FFTW's own
/// `fftw_make_planner_thread_safe()` and `fftwf_make_planner_thread_safe()` (libfftw3_threads)
/// once at start-up.

#include <algorithm>
#include <initializer_list>
#include <mutex>
#include <string>
#include <utility>

#include "buffers.hpp"
#include "../core/error.hpp"
#include "../detail/fftw_api.hpp"

/// FFTW planner rigour for every specinv plan. FFTW_MEASURE times a few algorithms once per size;
/// FFTW_ESTIMATE plans instantly with slower transforms, FFTW_PATIENT plans longer for faster ones.
/// It is a build-wide setting: define it the same way for every translation unit (on the compiler
/// command line), as any configuration macro of a header-only library.
#ifndef SPECINV_FFTW_PLANNER_FLAGS
#define SPECINV_FFTW_PLANNER_FLAGS FFTW_MEASURE
#endif

namespace specinv::fft {

/// \brief FFTW3 backend: unscaled batched real FFTs of length n on `FrameBuffers`.
/// \tparam T float (libfftw3f) or double (libfftw3)
template <class T>
class fftw : public FrameBuffers<T> {
  using Api = detail::FftwApi<T>;
  using Plan = typename Api::plan;

 public:
  static_assert(detail::is_real_scalar_v<T>, "specinv: T must be float or double");

  /// \brief Allocates the buffers and makes the plans.
  /// \param[in] n transform length (>= 1)
  /// \param[in] max_batch most frames per call (>= 1)
  /// \throws specinv::invalid_argument on bad sizes, specinv::runtime_error if FFTW fails to plan
  fftw(Index n, Index max_batch) : FrameBuffers<T>(n, max_batch) {
    bool planned = false;
    {
      std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
      m_r2c_one = plan_r2c(1);
      m_c2r_one = plan_c2r(1);
      if (max_batch > 1) {
        m_r2c_batch = plan_r2c(int(max_batch));
        m_c2r_batch = plan_c2r(int(max_batch));
      }
      planned = m_r2c_one && m_c2r_one && (max_batch == 1 || (m_r2c_batch && m_c2r_batch));
      if (!planned) destroy_plans();
    }
    if (!planned) {
      SPECINV_THROW(specinv::runtime_error("fft::fftw: FFTW could not plan a transform of length " +
                                           std::to_string(n)));
    }
    // Planning with FFTW_MEASURE scribbles on the buffers; callers expect them zeroed.
    for (Index f = 0; f < max_batch; ++f) {
      std::fill_n(this->time_frame(f), this->time_stride(), T(0));
      std::fill_n(this->freq_frame(f), this->freq_stride(), std::complex<T>(0));
    }
  }

  fftw(const fftw&) = delete;
  fftw& operator=(const fftw&) = delete;
  /// Moves the plans and buffers; the moved-from object may only be destroyed or assigned to.
  fftw(fftw&& other) noexcept
      : FrameBuffers<T>(std::move(other)),
        m_r2c_one(std::exchange(other.m_r2c_one, nullptr)),
        m_c2r_one(std::exchange(other.m_c2r_one, nullptr)),
        m_r2c_batch(std::exchange(other.m_r2c_batch, nullptr)),
        m_c2r_batch(std::exchange(other.m_c2r_batch, nullptr)) {}
  fftw& operator=(fftw&& other) noexcept {
    FrameBuffers<T>::operator=(std::move(other));
    std::swap(m_r2c_one, other.m_r2c_one);
    std::swap(m_c2r_one, other.m_c2r_one);
    std::swap(m_r2c_batch, other.m_r2c_batch);
    std::swap(m_c2r_batch, other.m_c2r_batch);
    return *this;
  }

  ~fftw() {
    if (!m_r2c_one && !m_c2r_one) return;  // moved from: nothing to destroy, no lock needed
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    destroy_plans();
  }

  /// \brief Unscaled r2c of time frames [0, batch) (n samples each) into spectra [0, batch)
  /// (n / 2 + 1 bins each). Allocation-free.
  /// \pre 0 <= batch <= max_batch()
  void forward(Index batch) noexcept {
    SPECINV_ASSERT(batch >= 0 && batch <= this->max_batch() && m_r2c_one);
    if (batch == this->max_batch() && m_r2c_batch) {
      Api::execute(m_r2c_batch, this->time_frame(0), this->freq_frame(0));
      return;
    }
    for (Index f = 0; f < batch; ++f) Api::execute(m_r2c_one, this->time_frame(f), this->freq_frame(f));
  }

  /// \brief Unscaled c2r of spectra [0, batch) (n / 2 + 1 bins) into time frames [0, batch)
  /// (n samples); the spectra are
  /// overwritten (FFTW's c2r destroys its input). The imaginary parts of the DC and Nyquist bins
  /// are ignored, as by torch's irfft. Allocation-free.
  /// \pre 0 <= batch <= max_batch()
  void inverse(Index batch) noexcept {
    SPECINV_ASSERT(batch >= 0 && batch <= this->max_batch() && m_c2r_one);
    if (batch == this->max_batch() && m_c2r_batch) {
      Api::execute(m_c2r_batch, this->freq_frame(0), this->time_frame(0));
      return;
    }
    for (Index f = 0; f < batch; ++f) Api::execute(m_c2r_one, this->freq_frame(f), this->time_frame(f));
  }

 private:
  // Without FFTW's buffered algorithms when possible (they allocate on every execution), else
  // with them. Null when FFTW cannot plan at all; the constructor checks. Caller holds the lock.
  template <class Make>
  static Plan plan_unbuffered_first(Make make) {
    Plan p = make(SPECINV_FFTW_PLANNER_FLAGS | FFTW_NO_BUFFERING);
    return p ? p : make(SPECINV_FFTW_PLANNER_FLAGS);
  }
  Plan plan_r2c(int howmany) {
    return plan_unbuffered_first([&](unsigned flags) {
      return Api::r2c(int(this->size()), howmany, this->time_frame(0), int(this->time_stride()),
                      this->freq_frame(0), int(this->freq_stride()), flags);
    });
  }
  Plan plan_c2r(int howmany) {
    return plan_unbuffered_first([&](unsigned flags) {
      return Api::c2r(int(this->size()), howmany, this->freq_frame(0), int(this->freq_stride()),
                      this->time_frame(0), int(this->time_stride()), flags);
    });
  }
  void destroy_plans() noexcept {
    for (Plan* p : {&m_r2c_one, &m_c2r_one, &m_r2c_batch, &m_c2r_batch}) {
      if (*p) Api::destroy(*p);
      *p = nullptr;
    }
  }

  Plan m_r2c_one = nullptr;
  Plan m_c2r_one = nullptr;
  Plan m_r2c_batch = nullptr;
  Plan m_c2r_batch = nullptr;
};

}  // namespace specinv::fft
