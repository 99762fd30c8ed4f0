// SPDX-License-Identifier: MIT
// Metrics against the values golden/INDEX.md lists for torch_specinv.metrics, their limits on
// silence, and their errors.

#include <cmath>
#include <limits>

#include <specinv/metrics.hpp>

#include "../support/catch.hpp"
#include "../support/phase.hpp"
#include "../support/npy.hpp"

using specinv::Signal;

TEMPLATE_TEST_CASE("metrics reproduce torch_specinv's values on the golden reconstruction", "[metrics]", float,
                   double) {
  using T = TestType;
  const Signal<T> estimate = test::load_vector(test::golden("griffinlim/gla_m0.99_it32.npy")).cast<T>();
  const Signal<T> reference = test::load_vector(test::golden("signals/gla_mix.npy")).cast<T>();
  REQUIRE(estimate.size() == reference.size());
  // INDEX.md prints six decimals; float input costs about 1e-5 dB more.
  const double margin = std::is_same_v<T, float> ? 2e-5 : 1e-6;
  CHECK(std::abs(specinv::spectral_convergence_db<T>(estimate, reference, test::golden_stft()) - -21.081109) < margin);
  CHECK(std::abs(specinv::ser_db(estimate, reference) - -3.233506) < margin);
  CHECK(std::abs(specinv::snr_db(estimate, reference) - -3.204598) < margin);
}

TEST_CASE("metrics follow their definitions on small arrays", "[metrics]") {
  Eigen::MatrixXd target(2, 2), estimate(2, 2);
  target << 3, 0, 0, 4;  // ||target|| = 5
  estimate << 3, 0, 0, 1;  // error norm 3, estimate norm sqrt(10)
  CHECK(specinv::spectral_convergence_db(estimate, target) == Approx(20 * std::log10(3.0 / 5.0)));
  CHECK(specinv::snr_db(estimate, target) == Approx(-10 * std::log10(9.0 / 25.0)));
  CHECK(specinv::ser_db(estimate, target) == Approx(10 * std::log10(10.0 / 9.0)));
}

TEST_CASE("metrics on silence are infinite, never NaN", "[metrics]") {
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(8);
  const Eigen::VectorXd one = Eigen::VectorXd::Ones(8);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(specinv::spectral_convergence_db(zero, zero) == -inf);  // silence matched exactly
  CHECK(specinv::spectral_convergence_db(one, zero) == inf);
  CHECK(specinv::spectral_convergence_db(one, one) == -inf);
  CHECK(specinv::snr_db(one, one) == inf);
  CHECK(specinv::ser_db(zero, one) == -inf);
}

TEST_CASE("metrics reject mismatched or non-finite input", "[metrics][errors]") {
  using test::Mentions;
  const Eigen::VectorXd a = Eigen::VectorXd::Ones(8);
  const Eigen::VectorXd b = Eigen::VectorXd::Ones(9);
  Eigen::VectorXd nan = a;
  nan(3) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_MATCHES(specinv::spectral_convergence_db(a, b), specinv::invalid_argument, Mentions("estimate shape = 8 x 1"));
  CHECK_THROWS_MATCHES(specinv::ser_db(nan, a), specinv::invalid_argument,
                       Mentions("ser_db: estimate = values with NaN or Inf"));
  CHECK_THROWS_MATCHES(specinv::snr_db(a, nan), specinv::invalid_argument,
                       Mentions("snr_db: reference = values with NaN or Inf"));
  CHECK_THROWS_MATCHES(specinv::snr_db(Eigen::VectorXd(), Eigen::VectorXd()), specinv::invalid_argument,
                       Mentions("snr_db: estimate.size() = 0"));
}
