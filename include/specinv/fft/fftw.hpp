// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `fft::fftw<T>`: the FFTW3 backend (fast; GPL, see the README's licence section).
///
/// Four plans per object, all made at construction: r2c and c2r for one frame and for a batch of
/// `max_batch` frames (FFTW's advanced interface, one call over the whole block). Plans are made
/// on the object's own aligned buffers and executed with the new-array calls on those buffers
/// only, so alignment always matches the plan, and execution needs no lock. Creating and
/// destroying plans takes the process-wide planner lock, so objects may be created on many
/// threads at once. FFTW keeps what it measured ("wisdom") for the life of the process: the first
/// plan of a size costs a measurement (~0.1 s at n = 1024), every later one tens of microseconds.

#include <algorithm>
#include <initializer_list>
#include <mutex>
#include <utility>

#include "buffers.hpp"
#include "../core/error.hpp"
#include "../detail/fftw_api.hpp"

/// FFTW planner rigour for every specinv plan. FFTW_MEASURE times a few algorithms once per size;
/// define it as FFTW_ESTIMATE before including specinv to plan instantly with slower transforms,
/// or FFTW_PATIENT to plan longer for faster ones.
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
  SPECINV_REQUIRE_REAL_SCALAR(T);

  /// \brief Allocates the buffers and makes the plans.
  /// \param[in] n transform length (>= 1)
  /// \param[in] max_batch most frames per call (>= 1)
  /// \throws specinv::invalid_argument on bad sizes, specinv::runtime_error if FFTW fails to plan
  fftw(Index n, Index max_batch) : FrameBuffers<T>(n, max_batch) {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    try {
      m_r2c_one = plan_r2c(1);
      m_c2r_one = plan_c2r(1);
      m_r2c_batch = max_batch > 1 ? plan_r2c(int(max_batch)) : nullptr;
      m_c2r_batch = max_batch > 1 ? plan_c2r(int(max_batch)) : nullptr;
    } catch (...) {
      destroy_plans();
      throw;
    }
    // Planning with FFTW_MEASURE scribbles on the buffers; callers expect them zeroed.
    for (Index f = 0; f < max_batch; ++f) {
      std::fill_n(this->time_frame(f), this->time_stride(), T(0));
      std::fill_n(this->freq_frame(f), this->freq_stride(), std::complex<T>(0));
    }
  }

  fftw(const fftw&) = delete;
  fftw& operator=(const fftw&) = delete;
  fftw(fftw&& other) noexcept
      : FrameBuffers<T>(std::move(other)),
        m_r2c_one(std::exchange(other.m_r2c_one, nullptr)),
        m_c2r_one(std::exchange(other.m_c2r_one, nullptr)),
        m_r2c_batch(std::exchange(other.m_r2c_batch, nullptr)),
        m_c2r_batch(std::exchange(other.m_c2r_batch, nullptr)) {}
  fftw& operator=(fftw&&) = delete;

  ~fftw() {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    destroy_plans();
  }

  /// \brief Unscaled r2c of time frames [0, batch) into spectra [0, batch). Allocation-free.
  /// \pre 0 <= batch <= max_batch()
  void forward(Index batch) noexcept {
    SPECINV_ASSERT(batch >= 0 && batch <= this->max_batch());
    if (batch == this->max_batch() && m_r2c_batch) {
      Api::execute(m_r2c_batch, this->time_frame(0), this->freq_frame(0));
      return;
    }
    for (Index f = 0; f < batch; ++f) Api::execute(m_r2c_one, this->time_frame(f), this->freq_frame(f));
  }

  /// \brief Unscaled c2r of spectra [0, batch) into time frames [0, batch); the spectra are
  /// overwritten (FFTW's c2r destroys its input). The imaginary parts of the DC and Nyquist bins
  /// are ignored, as by torch's irfft. Allocation-free.
  /// \pre 0 <= batch <= max_batch()
  void inverse(Index batch) noexcept {
    SPECINV_ASSERT(batch >= 0 && batch <= this->max_batch());
    if (batch == this->max_batch() && m_c2r_batch) {
      Api::execute(m_c2r_batch, this->freq_frame(0), this->time_frame(0));
      return;
    }
    for (Index f = 0; f < batch; ++f) Api::execute(m_c2r_one, this->freq_frame(f), this->time_frame(f));
  }

 private:
  Plan plan_r2c(int howmany) {
    Plan p = Api::r2c(int(this->size()), howmany, this->time_frame(0), int(this->time_stride()),
                      this->freq_frame(0), int(this->freq_stride()), SPECINV_FFTW_PLANNER_FLAGS);
    if (!p) SPECINV_THROW(specinv::runtime_error("fft::fftw: FFTW could not plan an r2c transform"));
    return p;
  }
  Plan plan_c2r(int howmany) {
    Plan p = Api::c2r(int(this->size()), howmany, this->freq_frame(0), int(this->freq_stride()),
                      this->time_frame(0), int(this->time_stride()), SPECINV_FFTW_PLANNER_FLAGS);
    if (!p) SPECINV_THROW(specinv::runtime_error("fft::fftw: FFTW could not plan a c2r transform"));
    return p;
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
