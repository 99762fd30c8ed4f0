// SPDX-License-Identifier: MIT
#pragma once

// The only include of Catch2 in the test suite (a move to Catch2 v3 touches this file alone), plus
// the helpers every test uses: per-type tolerances, relative errors, the backend/scalar lists,
// and the paths of the shared reference data.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <tuple>

#include <specinv/fft.hpp>

namespace test {

/// Relative tolerance of a one-shot transform against float64 reference data.
template <class T>
constexpr double tol() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-10;
}

/// Frobenius-norm relative error ||a - b|| / ||b|| (0 when both are empty), computed in double.
template <class A, class B>
double rel_error(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  const auto bd = b.template cast<std::complex<double>>();
  const double diff = (a.template cast<std::complex<double>>() - bd).norm();
  const double denom = bd.norm();
  return denom > 0 ? diff / denom : diff;
}

/// Matches an exception whose what() contains `text`: CHECK_THROWS_MATCHES(expr, Type, Mentions("n_fft = 0")).
class Mentions : public Catch::MatcherBase<std::exception> {
 public:
  explicit Mentions(std::string text) : m_text(std::move(text)) {}
  bool match(const std::exception& e) const override { return std::string(e.what()).find(m_text) != std::string::npos; }
  std::string describe() const override { return "has a message containing \"" + m_text + "\""; }

 private:
  std::string m_text;
};

/// One scalar type with one FFT backend: what backend-parametrised tests iterate over.
template <class T, template <class> class B>
struct Config {
  using scalar = T;
  using backend = B<T>;
  static std::string name() {
    return std::string(std::is_same_v<T, float> ? "float" : "double") + "/" +
           (std::is_same_v<B<T>, specinv::fft::kiss<T>> ? "kiss" : "fftw");
  }
};

using KissFloat = Config<float, specinv::fft::kiss>;
using KissDouble = Config<double, specinv::fft::kiss>;
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
using FftwFloat = Config<float, specinv::fft::fftw>;
using FftwDouble = Config<double, specinv::fft::fftw>;
#endif

/// ../shared/golden, passed in by CMake.
inline std::string golden(const std::string& relative) { return std::string(SPECINV_GOLDEN_DIR) + "/" + relative; }
/// ../shared/data/corpus, passed in by CMake.
inline std::string corpus(const std::string& relative) { return std::string(SPECINV_CORPUS_DIR) + "/" + relative; }

}  // namespace test

/// Every (scalar, backend) pair this build supports, for TEMPLATE_TEST_CASE: both backends pass
/// the same tests.
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
#define SPECINV_TEST_CONFIGS test::KissFloat, test::KissDouble, test::FftwFloat, test::FftwDouble
#else
#define SPECINV_TEST_CONFIGS test::KissFloat, test::KissDouble
#endif
