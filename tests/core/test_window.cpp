// SPDX-License-Identifier: MIT
// Windows: every golden torch window, the periodic/symmetric relation, edge lengths, bad input.

#include <filesystem>
#include <sstream>
#include <vector>

#include <specinv/core/window.hpp>

#include "../support/catch.hpp"
#include "../support/golden.hpp"

using namespace specinv;

TEMPLATE_TEST_CASE("windows equal torch.*_window (golden windows/)", "[window][golden]", float, double) {
  const auto& cases = test::golden_cases()["sections"]["windows"];
  REQUIRE(cases.size() >= 27);
  for (const auto& c : cases) {
    const std::string call = c.at("call");
    const test::WindowSpec w = test::parse_window_call(call);
    const Eigen::VectorXd expected = test::load_vector(test::golden(c.at("file")));
    const Signal<TestType> got = window::make<TestType>(w.kind, w.length, w.periodic, w.beta);
    INFO(call);
    REQUIRE(got.size() == expected.size());
    CHECK(test::rel_error(got, expected) <= test::tol<TestType>());
    CHECK((got.template cast<double>() - expected).cwiseAbs().maxCoeff() <= 10 * test::tol<TestType>());
  }
}

TEST_CASE("every window file used by the STFT cases is reproduced", "[window][golden]") {
  // windows/ also holds the windows of the STFT cases (hann_1024_periodic, rect_256, ...), named
  // <kind>_<n>_periodic.npy; kaiser_320_periodic is the t05 window (beta 12).
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::golden("windows"))) {
    // <kind>_<n>[_periodic|_symmetric][_beta<b>]
    std::vector<std::string> parts;
    std::stringstream name_stream(entry.path().stem().string());
    for (std::string part; std::getline(name_stream, part, '_');) parts.push_back(part);
    const std::string name = entry.path().stem().string();
    REQUIRE(parts.size() >= 2);
    const Eigen::Index n = std::stoll(parts[1]);
    const bool periodic = parts.size() < 3 || parts[2] != "symmetric";
    const double beta = parts.size() >= 4 ? std::stod(parts[3].substr(4)) : 12.0;
    const Signal<double> got = window::make<double>(test::parse_window_kind(parts[0]), n, periodic, beta);
    INFO(name);
    CHECK(test::rel_error(got, test::load_vector(entry.path().string())) <= 1e-12);
    ++checked;
  }
  CHECK(checked >= 30);
}

TEMPLATE_TEST_CASE("a periodic window is the symmetric window one longer, truncated", "[window]", float, double) {
  for (Index n : {2, 3, 16, 255, 400}) {
    for (WindowKind kind : {WindowKind::hann, WindowKind::hamming, WindowKind::blackman, WindowKind::bartlett,
                            WindowKind::kaiser}) {
      const Signal<TestType> periodic = window::make<TestType>(kind, n, true, 8.0);
      const Signal<TestType> symmetric = window::make<TestType>(kind, n + 1, false, 8.0);
      INFO(to_string(kind) << " n=" << n);
      CHECK(test::rel_error(periodic, symmetric.head(n).eval()) <= 1e-15);
      // Symmetric windows are symmetric.
      CHECK(test::rel_error(symmetric, symmetric.reverse().eval()) <= (std::is_same_v<TestType, float> ? 1e-7 : 1e-14));
    }
  }
}

TEST_CASE("windows of length 0 and 1 are empty and {1}, as in torch", "[window]") {
  for (WindowKind kind : {WindowKind::hann, WindowKind::hamming, WindowKind::blackman, WindowKind::bartlett,
                          WindowKind::rectangular, WindowKind::kaiser}) {
    for (bool periodic : {true, false}) {
      CHECK(window::make<double>(kind, 0, periodic).size() == 0);
      const Signal<double> one = window::make<double>(kind, 1, periodic);
      REQUIRE(one.size() == 1);
      CHECK(one[0] == 1.0);
    }
  }
}

TEST_CASE("kaiser with beta 0 is rectangular, and I0 matches known values", "[window]") {
  CHECK(window::kaiser<double>(64, 0.0).isOnes(0.0));
  // I0(1) = 1.2660658777520082, I0(10) = 2815.716628466254 (Abramowitz & Stegun, table 9.8).
  CHECK(detail::bessel_i0(1.0) == Approx(1.2660658777520082).epsilon(1e-15));
  CHECK(detail::bessel_i0(10.0) == Approx(2815.716628466254).epsilon(1e-14));
}

TEST_CASE("bad window arguments throw, naming the parameter", "[window][errors]") {
  CHECK_THROWS_MATCHES(window::hann<double>(-1), specinv::invalid_argument,
                       test::Mentions("window::hann: n = -1"));
  CHECK_THROWS_MATCHES(window::kaiser<float>(16, -1.0), specinv::invalid_argument,
                       test::Mentions("beta = -1"));
  CHECK_THROWS_MATCHES(window::kaiser<float>(16, 800.0), specinv::invalid_argument,
                       test::Mentions("beta = 800"));
  CHECK_THROWS_MATCHES(window::make<double>(static_cast<WindowKind>(42), 8), specinv::invalid_argument,
                       test::Mentions("kind = 42"));
}
