// SPDX-License-Identifier: MIT
// Bark filterbanks and the Bark spectrogram: every golden barkscale_fbanks case (bark/) with its
// filter edges (*_fpts.npy), the Traunmüller if/elif quirk (top edge above f_max, b07's other
// branch), the empty filter report, and bark_spectrogram against fb^T |S|^2 by hand.

#include <algorithm>
#include <string>
#include <vector>

#include <specinv/filterbank/bark.hpp>
#include <specinv/stft.hpp>

#include "../support/catch.hpp"
#include "../support/golden.hpp"
#include "../support/warnings.hpp"

using namespace specinv;

namespace {

BarkScale parse_bark_scale(const std::string& s) {
  if (s == "schroeder") return BarkScale::schroeder;
  if (s == "wang") return BarkScale::wang;
  return BarkScale::traunmuller;
}

const nlohmann::json& bark_case(const std::string& id) {
  for (const auto& c : test::golden_cases()["sections"]["bark"])
    if (c.at("id") == id) return c;
  throw std::runtime_error("no bark case " + id);
}

}  // namespace

TEMPLATE_TEST_CASE("bark_filterbank equals the prototype barkscale_fbanks (golden bark/)", "[bark][golden]", float,
                   double) {
  const auto& cases = test::golden_cases()["sections"]["bark"];
  REQUIRE(cases.size() == 8);
  double worst = 0, worst_edges = 0;
  for (const auto& c : cases) {
    const std::string id = c.at("id");
    INFO(id << " " << c.at("call").get<std::string>());
    const Eigen::MatrixXd expected = test::load_real(test::golden(c.at("file")));
    const Eigen::VectorXd expected_edges = test::load_vector(test::golden(c.at("f_pts_file")));
    const int n_barks = c.at("n_barks");
    const BarkScale scale = parse_bark_scale(c.at("bark_scale"));
    test::CaptureWarnings capture;
    const Magnitude<TestType> fb =
        bark_filterbank<TestType>(c.at("n_freqs"), c.at("f_min"), c.at("f_max"), n_barks, c.at("sample_rate"), scale);
    REQUIRE(fb.rows() == expected.rows());
    REQUIRE(fb.cols() == expected.cols());
    const double err = test::rel_error(fb, expected);
    worst = std::max(worst, err);
    CHECK(err <= test::tol<TestType>());
    CHECK(fb.minCoeff() >= TestType(0));

    // The filter edges (computed in double whatever T is).
    const Eigen::VectorXd edges = detail::bark_points(c.at("f_min"), c.at("f_max"), n_barks, scale);
    REQUIRE(edges.size() == n_barks + 2);
    const double edge_err = test::rel_error(edges, expected_edges);
    worst_edges = std::max(worst_edges, edge_err);
    CHECK(edge_err <= 1e-13);
    CHECK(edges[n_barks + 1] == Approx(c.at("top_edge_hz").get<double>()).epsilon(1e-12));

    const int empty = c.at("all_zero_filters");
    const FilterbankInfo info = inspect_filterbank(fb);
    CHECK(info.empty_filters.size() == std::size_t(empty));
    for (Index j : info.empty_filters) CHECK(expected.col(j).isZero(0));
    if (empty == 0) {
      CHECK(capture.messages().empty());
    } else {
      REQUIRE(capture.messages().size() == 1);
      CHECK(capture.messages()[0] ==
            "At least one bark filterbank has all zero values. The value for `n_barks` (" + std::to_string(n_barks) +
                ") may be set too high. Or, the value for `n_freqs` (" +
                std::to_string(c.at("n_freqs").get<int>()) + ") may be set too low.");
    }
  }
  WARN((std::is_same_v<TestType, float> ? "float" : "double")
       << ": worst relative error over 8 golden bark filterbanks = " << worst << ", filter edges " << worst_edges);
}

TEST_CASE("the Traunmüller if/elif quirk of _bark_to_hz is reproduced", "[bark][golden]") {
  // b01: f_min = 0 Hz puts the low points below 2 Bark, so only that correction is undone and the
  // top edge lands above f_max.
  const auto& b01 = bark_case("b01");
  const Eigen::VectorXd edges = detail::bark_points(0.0, 8000.0, 40, BarkScale::traunmuller);
  CHECK(edges[41] > 8000.0);
  CHECK(edges[41] == Approx(b01.at("top_edge_hz").get<double>()).epsilon(1e-13));
  CHECK(edges[41] == Approx(8390.223).epsilon(1e-6));
  CHECK(edges[0] == Approx(0.0).margin(1e-9));
  // b07: f_min = 300 Hz, nothing below 2 Bark: the elif branch undoes the high-end correction.
  const auto& b07 = bark_case("b07");
  const Eigen::VectorXd edges7 = detail::bark_points(300.0, 8000.0, 64, BarkScale::traunmuller);
  CHECK(hz_to_bark(300.0, BarkScale::traunmuller) >= 2.0);
  CHECK(edges7[65] == Approx(8000.0).epsilon(1e-13));
  CHECK(edges7[65] == Approx(b07.at("top_edge_hz").get<double>()).epsilon(1e-13));
  CHECK(edges7[0] == Approx(300.0).epsilon(1e-13));
  // Schroeder and Wang have exact inverses: the ends are f_min and f_max.
  for (BarkScale scale : {BarkScale::schroeder, BarkScale::wang}) {
    const Eigen::VectorXd e = detail::bark_points(0.0, 11025.0, 80, scale);
    CHECK(e[81] == Approx(11025.0).epsilon(1e-13));
    CHECK(e[0] == Approx(0.0).margin(1e-9));
  }
}

TEST_CASE("hz_to_bark follows the three formulas", "[bark]") {
  CHECK(hz_to_bark(600.0, BarkScale::wang) == Approx(6.0 * std::asinh(1.0)).epsilon(1e-15));
  CHECK(hz_to_bark(650.0, BarkScale::schroeder) == Approx(7.0 * std::asinh(1.0)).epsilon(1e-15));
  const double mid = 26.81 * 1000.0 / (1960.0 + 1000.0) - 0.53;  // 8.5 Bark: no correction
  CHECK(hz_to_bark(1000.0, BarkScale::traunmuller) == Approx(mid).epsilon(1e-15));
  const double low = 26.81 * 100.0 / 2060.0 - 0.53;
  CHECK(hz_to_bark(100.0, BarkScale::traunmuller) == Approx(low + 0.15 * (2 - low)).epsilon(1e-15));
  const double high = 26.81 * 10000.0 / 11960.0 - 0.53;
  CHECK(hz_to_bark(10000.0, BarkScale::traunmuller) == Approx(high + 0.22 * (high - 20.1)).epsilon(1e-15));
  CHECK(std::string(to_string(BarkScale::traunmuller)) == "traunmuller");
}

TEMPLATE_TEST_CASE("bark_spectrogram is fb^T |S|^2, and the object's two forms agree", "[bark]", float, double) {
  using T = TestType;
  const Signal<T> x = test::load_vector(test::golden("signals/twotone_noise.npy")).cast<T>();
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  BarkParams b;
  b.n_barks = 40;
  b.bark_scale = BarkScale::traunmuller;  // f_max = 0: sample_rate // 2 = 8000 Hz
  const Magnitude<T> fb = bark_filterbank<T>(257, 0.0, 8000.0, 40, 16000);
  const Magnitude<T> by_hand = fb.transpose() * stft<T>(x, p).cwiseAbs2();
  const Magnitude<T> got = bark_spectrogram<T>(x, p, b);
  REQUIRE(got.rows() == 40);
  const double err = test::rel_error(got, by_hand);
  CHECK(err <= (std::is_same_v<T, float> ? 1e-5 : 1e-13));

  BarkSpectrogram<T> object(p, b);
  CHECK(object.filterbank() == fb);
  Magnitude<T> out(object.n_barks(), object.n_frames(x.size()));
  object(x, out);
  CHECK(out == got);
  object(x, out);
  CHECK(out == object(x));
  CHECK(object.params().n_barks == 40);
  CHECK(object.power() == 2.0);
}
