// SPDX-License-Identifier: MIT
// detail::project_frame, the projection every Griffin-Lim pass applies to each frame, against
// the exact expression m z / (|z| + 1e-16) evaluated in long double: on every kind of bin its
// float packet path routes differently (ordinary, below the reciprocal square root's range,
// zero, denormal, |z|^2 overflowing, the factor overflowing), at every length up to three packets
// and at n_fft 1024's 513 bins, so that each remainder of the packet width is run. This file is
// compiled twice: with the build's flags (SSE2 packets of 4 floats on x86-64) and, where the
// compiler and the host have them, with -mavx2 -mfma (packets of 8), as the benchmarks' -march=native
// build uses (tests/CMakeLists.txt).

#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include <specinv/specinv.hpp>

namespace {

enum class Kind { ordinary, tiny, zero, denormal, huge_bin, huge_factor, count };

/// One bin of the given kind and its target magnitude.
template <class T>
void make_bin(Kind kind, std::mt19937& rng, std::complex<T>& z, T& m) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 2.0);
  const std::complex<double> unit(normal(rng), normal(rng));
  m = T(uniform(rng));
  switch (kind) {
    case Kind::ordinary: z = std::complex<T>(unit); break;
    case Kind::tiny: z = std::complex<T>(unit * 1e-12); break;  // |z|^2 ~ 1e-24, under 1e-16
    case Kind::zero: z = 0; break;
    case Kind::denormal: z = std::complex<T>(T(unit.real()) * std::numeric_limits<T>::denorm_min(), T(0)); break;
    case Kind::huge_bin:  // float: |z|^2 ~ 1e40 overflows; double: the largest check_magnitude admits
      z = std::complex<T>(unit * (std::is_same_v<T, float> ? 1e20 : 1e100));
      break;
    case Kind::huge_factor:  // a 1e30 target over a bin of 1e-10: the factor is 1e40
      z = std::complex<T>(unit * 1e-10);
      m = T(1e30);
      break;
    case Kind::count: break;
  }
}

}  // namespace

TEMPLATE_TEST_CASE("project_frame puts every bin on its target magnitude with the phase it had",
                   "[phase][projection]", float, double) {
  using T = TestType;
  using Complex = std::complex<T>;
  // float: the packet path's rsqrt with a Newton step is within ~2 ulp (1.2e-7) of the quotient;
  // the exact fallbacks round a few times. double: always the exact expression.
  const double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-14;
  std::mt19937 rng(20261122);
  std::vector<specinv::Index> lengths;
  for (specinv::Index n = 1; n <= 24; ++n) lengths.push_back(n);
  lengths.push_back(513);
  for (const specinv::Index n : lengths) {
    // Each kind alone in a frame of ordinary bins, at every position, and all kinds mixed.
    for (int trial = 0; trial <= int(Kind::count); ++trial) {
      const auto size = static_cast<std::size_t>(n);
      std::vector<Complex> z(size), before;
      std::vector<T> m(size), scratch(size);
      for (specinv::Index i = 0; i < n; ++i) {
        Kind kind = Kind::ordinary;
        if (trial < int(Kind::count) && i % 3 == trial % 3) kind = Kind(trial);
        if (trial == int(Kind::count)) kind = Kind(std::uniform_int_distribution<int>(0, int(Kind::count) - 1)(rng));
        make_bin<T>(kind, rng, z[std::size_t(i)], m[std::size_t(i)]);
      }
      before = z;
      specinv::detail::project_frame<T>(z.data(), m.data(), n, scratch.data());
      for (specinv::Index i = 0; i < n; ++i) {
        const std::size_t k = std::size_t(i);
        INFO("n = " << n << ", trial " << trial << ", bin " << i << ": z = " << before[k] << ", m = " << m[k]);
        const std::complex<long double> b(before[k].real(), before[k].imag());
        const std::complex<long double> expected = b * ((long double)m[k] / (std::abs(b) + 1e-16L));
        REQUIRE(std::isfinite(z[k].real()));
        REQUIRE(std::isfinite(z[k].imag()));
        const long double error = std::abs(std::complex<long double>(z[k].real(), z[k].imag()) - expected);
        CHECK(double(error) <= tolerance * double(m[k]) + 2 * double(std::numeric_limits<T>::denorm_min()));
      }
    }
  }
}
