// SPDX-License-Identifier: MIT
// phase_init against torch_specinv's output (golden specinv_py/phase_init.npy), the Init
// starting points, and bad input.

#include <cmath>
#include <limits>

#include <specinv/phase/init.hpp>

#include "../support/catch.hpp"
#include "../support/phase.hpp"
#include "../support/npy.hpp"

using specinv::Magnitude;
using specinv::Spectrogram;

TEMPLATE_TEST_CASE("phase_init reproduces torch_specinv.phase_init", "[phase][init]", float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::load_real(test::golden("griffinlim/input_magnitude.npy")).cast<T>();
  const Eigen::MatrixXcd expected = test::load_complex(test::golden("specinv_py/phase_init.npy"));
  const Spectrogram<T> got = specinv::phase_init(mag, test::golden_stft());
  REQUIRE(got.rows() == expected.rows());
  REQUIRE(got.cols() == expected.cols());
  // The phase is a running sum over 32 frames of increments up to ~pi, so float loses a few ulps
  // of 32 * pi per frame.
  CHECK(test::rel_error(got, expected) < (std::is_same_v<T, float> ? 2e-5 : 1e-12));
  CHECK(test::rel_error(Magnitude<T>(got.cwiseAbs()), mag) < test::tol<T>());
}

TEST_CASE("phase_init puts each peak's interpolated frequency on the peak and its neighbours", "[phase][init]") {
  // One frame pair of a stationary peak at bin 10 + 0.25: the phase advances by 2 pi (k + p) h / N.
  specinv::StftParams p = test::golden_stft();
  Magnitude<double> mag = Magnitude<double>::Zero(257, 2);
  mag.col(0).segment(9, 3) << 1.0, 2.0, 1.5;
  mag.col(1) = mag.col(0);
  const Spectrogram<double> s = specinv::phase_init(mag, p);
  const double offset = 0.5 * (1.0 - 1.5) / (1.0 - 4.0 + 1.5);
  const double omega = 2 * M_PI * (10 + offset) / 512 * 128;
  for (int k : {9, 10, 11}) {
    INFO("bin " << k);
    CHECK(std::arg(s(k, 1) / s(k, 0)) == Approx(std::remainder(omega, 2 * M_PI)).margin(1e-12));
  }
  CHECK(s(12, 1).imag() == 0.0);  // a silent bin keeps phase 0 and magnitude 0
}

TEST_CASE("phase_init rejects bad magnitudes naming the parameter", "[phase][init][errors]") {
  using test::Mentions;
  const specinv::StftParams p = test::golden_stft();
  Magnitude<double> mag = Magnitude<double>::Ones(257, 4);
  CHECK_THROWS_MATCHES(specinv::phase_init(Magnitude<double>(Magnitude<double>::Ones(256, 4)), p),
                       specinv::invalid_argument, Mentions("magnitude rows = 256"));
  CHECK_THROWS_MATCHES(specinv::phase_init(Magnitude<double>(Magnitude<double>::Ones(257, 0)), p),
                       specinv::invalid_argument, Mentions("magnitude frames = 0"));
  mag(3, 2) = -1;
  CHECK_THROWS_MATCHES(specinv::phase_init(mag, p), specinv::invalid_argument, Mentions("magnitude = negative"));
  mag(3, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_MATCHES(specinv::phase_init(mag, p), specinv::invalid_argument, Mentions("magnitude = values with NaN"));
  specinv::StftParams two_sided = p;
  two_sided.onesided = false;
  CHECK_THROWS_MATCHES(specinv::phase_init(Magnitude<double>(Magnitude<double>::Ones(257, 4)), two_sided),
                       specinv::invalid_argument, Mentions("onesided"));
  Spectrogram<double> wrong(257, 3);
  CHECK_THROWS_MATCHES(specinv::phase_init<double>(Magnitude<double>::Ones(257, 4), p, wrong),
                       specinv::invalid_argument, Mentions("phase_init: out.size() = 771"));
}

TEST_CASE("phase_init of silence is silence", "[phase][init]") {
  const Spectrogram<float> s = specinv::phase_init(Magnitude<float>(Magnitude<float>::Zero(257, 5)), test::golden_stft());
  CHECK(s.cwiseAbs().maxCoeff() == 0.0f);
  CHECK(s.allFinite());
}
