// SPDX-License-Identifier: MIT
// InverseFilterbank: the lstsq golden data, exact NNLS (KKT conditions) on real mel spectrograms
// of the corpus, the iterative methods against NNLS, torchaudio's SGD transcribed literally,
// round trips, batches, and every refusal.

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <specinv/filterbank.hpp>

#include "../support/catch.hpp"
#include "../support/npy.hpp"
#include "../support/warnings.hpp"
#include "common/audio.hpp"

using namespace specinv;

namespace {

/// Relative residual ||fb^T x - y|| / ||y||, computed independently of the library.
template <class T>
double residual(const Magnitude<T>& fb, const Magnitude<T>& x, const Magnitude<T>& y) {
  const Eigen::MatrixXd r = fb.template cast<double>().transpose() * x.template cast<double>() - y.template cast<double>();
  return r.norm() / y.template cast<double>().norm();
}

/// Power mel spectrogram (80 mels, n_fft 1024, hop 256, 22050 Hz) of `seconds` of a corpus clip,
/// starting at `offset` seconds, and the filterbank that made it.
template <class T>
std::pair<Magnitude<T>, Magnitude<T>> corpus_mel(const std::string& clip, double offset, double seconds) {
  int rate = 0;
  const Eigen::VectorXd audio = examples::read_mono(test::corpus(clip), &rate);
  REQUIRE(rate == 22050);
  const Index start = Index(offset * rate), count = std::min<Index>(Index(seconds * rate), audio.size() - start);
  StftParams stft;
  stft.n_fft = 1024;
  stft.hop_length = 256;
  MelParams mel;
  mel.sample_rate = rate;
  mel.n_mels = 80;
  const Signal<T> x = audio.segment(start, count).cast<T>();
  return {mel_spectrogram<T>(x, stft, mel), mel_filterbank<T>(513, 0.0, rate / 2.0, 80, rate)};
}

/// Largest violation of the NNLS optimality (KKT) conditions, relative to max |fb y| per frame:
/// x >= 0, gradient g = fb (fb^T x - y) >= 0 where x = 0, and g = 0 where x > 0.
template <class T>
double kkt_violation(const Magnitude<T>& fb, const Magnitude<T>& x, const Magnitude<T>& y) {
  const Eigen::MatrixXd f = fb.template cast<double>();
  const Eigen::MatrixXd xd = x.template cast<double>(), yd = y.template cast<double>();
  const Eigen::MatrixXd g = f * (f.transpose() * xd - yd);
  double worst = 0.0;
  for (Index j = 0; j < x.cols(); ++j) {
    const double scale = (f * yd.col(j)).cwiseAbs().maxCoeff();
    if (scale == 0.0) continue;
    for (Index i = 0; i < x.rows(); ++i) {
      const double violation = xd(i, j) > 0.0 ? std::abs(g(i, j)) : std::max(0.0, -g(i, j));
      worst = std::max({worst, violation / scale, std::max(0.0, -xd(i, j))});
    }
  }
  return worst;
}

InverseParams with(InverseMethod method) {
  InverseParams p;
  p.method = method;
  return p;
}

}  // namespace

TEMPLATE_TEST_CASE("least_squares matches torchaudio's lstsq InverseMelScale (golden invmel)", "[inverse][golden]",
                   float, double) {
  using T = TestType;
  const Magnitude<T> fb = test::load_real(test::golden("invmel/fb.npy")).cast<T>();
  const Magnitude<T> mel = test::load_real(test::golden("invmel/melspec.npy")).cast<T>();
  const Eigen::MatrixXd expected = test::load_real(test::golden("invmel/lstsq_relu.npy"));
  const Eigen::MatrixXd unclamped = test::load_real(test::golden("invmel/lstsq_solution_unclamped.npy"));

  InverseReport report;
  const Magnitude<T> x = InverseFilterbank<T>(fb, with(InverseMethod::least_squares))(mel, report);
  CHECK(test::rel_error(x, expected) <= test::tol<T>());
  CHECK(x.minCoeff() >= T(0));
  // The golden residual (0.0855) is that of the clamped solution; the report agrees with it.
  CHECK(report.residual == Approx(0.08545654766853472).epsilon(1e-6));
  CHECK(report.residual == Approx(residual<T>(fb, x, mel)).epsilon(1e-9));
  CHECK(report.iterations == 1);
  CHECK(report.converged);
  // Before the clamp it is the minimum-norm least-squares solution itself.
  CHECK((unclamped.array() < 0.0).any());
}

TEMPLATE_TEST_CASE("nnls is the exact non-negative least-squares solution on corpus mel spectrograms",
                   "[inverse][nnls][corpus]", float, double) {
  using T = TestType;
  const double kkt_tol = std::is_same_v<T, float> ? 1e-5 : 1e-8;
  for (const char* clip : {"speech_alsa_front.wav", "music_tonal_openmsx_moo_piano.wav", "env_opensfx_applause.wav"}) {
    INFO(clip);
    const auto [mel, fb] = corpus_mel<T>(clip, 0.0, 3.0);
    InverseReport nnls_report, ls_report;
    const Magnitude<T> x = InverseFilterbank<T>(fb, with(InverseMethod::nnls))(mel, nnls_report);
    const Magnitude<T> ls = InverseFilterbank<T>(fb, with(InverseMethod::least_squares))(mel, ls_report);
    CHECK(nnls_report.converged);
    CHECK(nnls_report.iterations >= 1);
    CHECK(x.allFinite());
    CHECK(x.minCoeff() >= T(0));
    CHECK(kkt_violation<T>(fb, x, mel) <= kkt_tol);
    // A mel spectrogram of a real spectrogram is reproducible exactly (y = fb^T |S|^2, |S|^2 >= 0),
    // which least squares then clamp misses by several percent.
    CHECK(nnls_report.residual <= (std::is_same_v<T, float> ? 1e-6 : 1e-9));
    CHECK(nnls_report.residual <= ls_report.residual);
    CHECK(ls_report.residual > 0.01);
    CHECK(nnls_report.residual == Approx(residual<T>(fb, x, mel)).margin(1e-9));
  }
}

TEMPLATE_TEST_CASE("nnls stays exact when no spectrogram reproduces the input (a model's noisy mel)",
                   "[inverse][nnls][corpus]", float, double) {
  using T = TestType;
  auto [mel, fb] = corpus_mel<T>("synth_speech_espeak_en_us.wav", 1.0, 2.0);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 0.3);
  for (Index k = 0; k < mel.size(); ++k) mel.data()[k] *= T(std::max(0.0, 1.0 + noise(rng)));
  InverseReport nnls_report, ls_report;
  const Magnitude<T> x = InverseFilterbank<T>(fb, with(InverseMethod::nnls))(mel, nnls_report);
  InverseFilterbank<T>(fb, with(InverseMethod::least_squares))(mel, ls_report);
  CHECK(nnls_report.converged);
  CHECK(kkt_violation<T>(fb, x, mel) <= (std::is_same_v<T, float> ? 1e-5 : 1e-8));
  CHECK(nnls_report.residual > 1e-3);  // inconsistent input: the optimum has a residual
  CHECK(nnls_report.residual <= ls_report.residual);
}

TEMPLATE_TEST_CASE("nnls is the minimum-norm solution: it equals least_squares when no clamp is needed",
                   "[inverse][nnls]", float, double) {
  using T = TestType;
  const Magnitude<T> fb = mel_filterbank<T>(257, 0.0, 8000.0, 40, 16000, MelNorm::slaney, MelScale::slaney);
  // x = fb v with v >= 0 is non-negative and lies in the row space of fb^T: the minimum-norm
  // solution of fb^T x = fb^T fb v is x itself.
  const Magnitude<T> v = Magnitude<T>::Random(40, 6).cwiseAbs();
  const Magnitude<T> truth = fb * v;
  const Magnitude<T> mel = fb.transpose() * truth;
  const Magnitude<T> nnls = InverseFilterbank<T>(fb, with(InverseMethod::nnls))(mel);
  const Magnitude<T> ls = InverseFilterbank<T>(fb, with(InverseMethod::least_squares))(mel);
  const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-8;
  CHECK(test::rel_error(ls, truth) <= tol);
  CHECK(test::rel_error(nnls, truth) <= tol);
}

TEMPLATE_TEST_CASE("gradient and lbfgsb converge to within 1e-3 relative residual of nnls", "[inverse][corpus]",
                   float, double) {
  using T = TestType;
  const auto [mel, fb] = corpus_mel<T>("speech_alsa_front.wav", 1.0, 0.5);
  InverseReport nnls;
  InverseFilterbank<T>(fb, with(InverseMethod::nnls))(mel, nnls);

  InverseParams sgd = with(InverseMethod::gradient);  // torchaudio's lr 0.1 and momentum 0.9
  sgd.max_iter = 3000;
  sgd.tolerance_loss = 0.0;
  sgd.tolerance_change = 0.0;
  InverseReport gradient;
  const Magnitude<T> xg = InverseFilterbank<T>(fb, sgd)(mel, gradient);
  CHECK(gradient.iterations == 3000);
  CHECK_FALSE(gradient.converged);
  CHECK(gradient.residual <= nnls.residual + 1e-3);
  CHECK(xg.minCoeff() >= T(0));

  InverseReport lbfgsb;
  const Magnitude<T> xl = InverseFilterbank<T>(fb, with(InverseMethod::lbfgsb))(mel, lbfgsb);
  CHECK(lbfgsb.residual <= nnls.residual + 1e-3);
  CHECK(lbfgsb.iterations >= 1);
  CHECK(xl.minCoeff() >= T(0));
  CHECK(lbfgsb.residual == Approx(residual<T>(fb, xl, mel)).margin(1e-9));
}

TEST_CASE("gradient is torchaudio 0.13's InverseMelScale loop, from zero instead of torch.rand", "[inverse][gradient]") {
  // A literal transcription of torchaudio's loop (dense, one frame at a time where torch batches):
  //   diff = melspec - specgram @ fb; loss = diff.pow(2).sum(-1).mean(); loss.backward();
  //   SGD(lr, momentum).step(); specgram.clamp_(min=0)
  //   stop if loss < tolerance_loss or |previous loss - loss| < tolerance_change
  const Eigen::MatrixXd fb = mel_filterbank<double>(65, 0.0, 4000.0, 12, 8000);
  Eigen::MatrixXd truth = Eigen::MatrixXd::Random(65, 5).cwiseAbs();
  const Eigen::MatrixXd mel = fb.transpose() * truth;
  for (const auto& [loss_tol, change] : {std::pair(0.0, 0.0), std::pair(0.0, 1e-3), std::pair(1e-2, 0.0)}) {
    InverseParams p = with(InverseMethod::gradient);
    p.max_iter = 200;
    p.tolerance_loss = loss_tol;
    p.tolerance_change = change;
    p.learning_rate = 0.05;
    p.momentum = 0.8;
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(65, 5), buffer = x;
    double previous = std::numeric_limits<double>::infinity();
    int steps = 0;
    for (int it = 0; it < p.max_iter; ++it) {
      const Eigen::MatrixXd diff = mel - fb.transpose() * x;
      const double loss = diff.colwise().squaredNorm().mean();
      const Eigen::MatrixXd grad = -2.0 / 5.0 * (fb * diff);
      buffer = it == 0 ? grad : Eigen::MatrixXd(p.momentum * buffer + grad);
      x = (x - p.learning_rate * buffer).cwiseMax(0.0);
      ++steps;
      if (loss < p.tolerance_loss || std::abs(previous - loss) < p.tolerance_change) break;
      previous = loss;
    }
    INFO("tolerance_loss " << loss_tol << ", tolerance_change " << change);
    InverseReport report;
    const Eigen::MatrixXd ours = InverseFilterbank<double>(fb, p)(mel, report);
    CHECK(report.iterations == steps);
    CHECK(test::rel_error(ours, x) <= 1e-12);
    CHECK(report.converged == (steps < p.max_iter));
    if (loss_tol > 0.0 || change > 0.0) CHECK(steps < p.max_iter);
  }
}

TEMPLATE_TEST_CASE("round trip: the filterbank of the inverse reproduces the filtered spectrogram",
                   "[inverse][corpus]", float, double) {
  using T = TestType;
  const auto [mel, fb] = corpus_mel<T>("music_perc_openmsx_no_work_song_drums.wav", 2.0, 1.0);
  for (const auto method : {InverseMethod::least_squares, InverseMethod::nnls, InverseMethod::lbfgsb}) {
    INFO(to_string(method));
    const Magnitude<T> x = InverseFilterbank<T>(fb, with(method))(mel);
    const Magnitude<T> again = fb.transpose() * x;
    const double bound = method == InverseMethod::least_squares ? 0.2 : method == InverseMethod::nnls ? 1e-6 : 2e-3;
    CHECK(test::rel_error(again, mel) <= bound);
    // Idempotent: inverting the reproduced spectrogram gives the same reproduction.
    const Magnitude<T> twice = fb.transpose() * InverseFilterbank<T>(fb, with(method))(again);
    CHECK(test::rel_error(twice, again) <= std::max(bound, 1e-5));
  }
}

TEMPLATE_TEST_CASE("bark filterbanks invert the same way", "[inverse][bark]", float, double) {
  using T = TestType;
  const Magnitude<T> fb = bark_filterbank<T>(257, 0.0, 8000.0, 40, 16000, BarkScale::wang);
  const Magnitude<T> truth = Magnitude<T>::Random(257, 7).cwiseAbs2();
  const Magnitude<T> bark = fb.transpose() * truth;
  InverseReport report;
  const Magnitude<T> x = InverseFilterbank<T>(fb)(bark, report);
  CHECK(report.method == InverseMethod::nnls);
  CHECK(report.residual <= (std::is_same_v<T, float> ? 1e-5 : 1e-9));
  CHECK(kkt_violation<T>(fb, x, bark) <= (std::is_same_v<T, float> ? 1e-5 : 1e-8));
}

TEMPLATE_TEST_CASE("batched input is solved as one run of frames", "[inverse][batch]", float, double) {
  using T = TestType;
  const Magnitude<T> fb = mel_filterbank<T>(129, 0.0, 4000.0, 24, 8000);
  const Magnitude<T> truth = Magnitude<T>::Random(129, 12).cwiseAbs();
  const Magnitude<T> mel = fb.transpose() * truth;
  MagnitudeBatch<T> batch(24, 4, 3);
  std::copy(mel.data(), mel.data() + mel.size(), batch.data());
  for (const auto method : {InverseMethod::least_squares, InverseMethod::nnls, InverseMethod::gradient}) {
    INFO(to_string(method));
    const InverseFilterbank<T> inverse(fb, with(method));
    const MagnitudeBatch<T> out = inverse(batch);
    REQUIRE(out.dimension(0) == 129);
    REQUIRE(out.dimension(1) == 4);
    REQUIRE(out.dimension(2) == 3);
    const Magnitude<T> flat = inverse(mel);
    CHECK(Eigen::Map<const Magnitude<T>>(out.data(), 129, 12) == flat);
  }
}

TEMPLATE_TEST_CASE("silent frames and empty input", "[inverse]", float, double) {
  using T = TestType;
  const Magnitude<T> fb = mel_filterbank<T>(129, 0.0, 4000.0, 24, 8000);
  Magnitude<T> mel = fb.transpose() * Magnitude<T>::Random(129, 5).cwiseAbs();
  mel.col(0).setZero();
  mel.col(3).setZero();
  for (const auto method :
       {InverseMethod::least_squares, InverseMethod::nnls, InverseMethod::gradient, InverseMethod::lbfgsb}) {
    INFO(to_string(method));
    const InverseFilterbank<T> inverse(fb, with(method));
    const Magnitude<T> x = inverse(mel);
    CHECK(x.allFinite());
    CHECK(x.minCoeff() >= T(0));
    if (method != InverseMethod::gradient) {  // the SGD steps move every frame together
      CHECK(x.col(0).isZero());
      CHECK(x.col(3).isZero());
    }
    InverseReport report;
    CHECK(inverse(Magnitude<T>::Zero(24, 3), report).isZero());
    CHECK(report.residual == 0.0);
    CHECK(inverse(Magnitude<T>(24, 0)).cols() == 0);
  }
}

TEST_CASE("InverseFilterbank refuses what it cannot invert, naming the parameter", "[inverse][errors]") {
  using test::Mentions;
  const Magnitude<double> fb = mel_filterbank<double>(129, 0.0, 4000.0, 24, 8000);
  const InverseFilterbank<double> inverse(fb);
  const Magnitude<double> good = Magnitude<double>::Ones(24, 3);

  SECTION("input shape") {
    CHECK_THROWS_MATCHES(inverse(Magnitude<double>::Ones(23, 3)), invalid_argument, Mentions("filtered.rows() = 23"));
    InverseWorkspace<double> ws;
    Magnitude<double> out(128, 3);
    CHECK_THROWS_MATCHES(inverse.solve(good, out, ws), invalid_argument, Mentions("out.rows() = 128"));
    MagnitudeBatch<double> batch(23, 2, 2);
    batch.setConstant(1.0);
    CHECK_THROWS_MATCHES(inverse(batch), invalid_argument, Mentions("filtered.dimension(0) = 23"));
    MagnitudeBatch<double> filtered(24, 2, 2), wrong(128, 2, 2);
    filtered.setConstant(1.0);
    const Eigen::TensorMap<const MagnitudeBatch<double>> in_map(filtered.data(), filtered.dimensions());
    const Eigen::TensorMap<MagnitudeBatch<double>> out_map(wrong.data(), wrong.dimensions());
    CHECK_THROWS_MATCHES(inverse.solve(in_map, out_map, ws), invalid_argument,
                         Mentions("InverseFilterbank: out.dimension(0) = 128"));
  }
  SECTION("input values") {
    Magnitude<double> bad = good;
    bad(4, 1) = -1e-3;
    CHECK_THROWS_MATCHES(inverse(bad), invalid_argument, Mentions("filtered = -0.001"));
    bad(4, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_MATCHES(inverse(bad), invalid_argument, Mentions("filtered"));
    bad(4, 1) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_MATCHES(inverse(bad), invalid_argument, Mentions("finite"));
  }
  SECTION("filterbank") {
    // Golden m13: 128 mels over 201 bins leaves 4 filters empty. Every method refuses it and says which.
    test::CaptureWarnings quiet;  // its warning is tested in test_mel
    const Magnitude<double> m13 = mel_filterbank<double>(201, 0.0, 8000.0, 128, 16000);
    REQUIRE(inspect_filterbank(m13).empty_filters.size() == 4);
    for (const auto method :
         {InverseMethod::least_squares, InverseMethod::nnls, InverseMethod::gradient, InverseMethod::lbfgsb}) {
      CHECK_THROWS_MATCHES(InverseFilterbank<double>(m13, with(method)), invalid_argument,
                           Mentions("filterbank") && Mentions("are all zero"));
    }
    Magnitude<double> broken = fb;
    broken(10, 2) = -0.5;
    CHECK_THROWS_MATCHES(InverseFilterbank<double>(broken), invalid_argument,
                         Mentions("InverseFilterbank: filterbank = ") && Mentions("non-negative"));
    broken(10, 2) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_MATCHES(InverseFilterbank<double>(broken), invalid_argument,
                         Mentions("InverseFilterbank: filterbank = ") && Mentions("finite"));
    CHECK_THROWS_MATCHES(InverseFilterbank<double>(Magnitude<double>(0, 4)), invalid_argument,
                         Mentions("InverseFilterbank: filterbank.rows() * filterbank.cols() = 0"));
  }
  SECTION("params") {
    const auto refused = [&](InverseParams p, const char* field) {
      INFO(field);
      CHECK_THROWS_MATCHES(InverseFilterbank<double>(fb, p), invalid_argument,
                           Mentions(std::string("InverseParams: ") + field));
    };
    InverseParams p;
    p.max_iter = 0;
    refused(p, "max_iter");
    p = {};
    p.tolerance_loss = -1.0;
    refused(p, "tolerance_loss");
    p = {};
    p.tolerance_change = std::numeric_limits<double>::quiet_NaN();
    refused(p, "tolerance_change");
    p = {};
    p.learning_rate = 0.0;
    refused(p, "learning_rate");
    p = {};
    p.momentum = 1.0;
    refused(p, "momentum");
    p = {};
    p.momentum = -0.1;
    refused(p, "momentum");
  }
  SECTION("a learning rate that overflows is named, not returned as Inf or NaN") {
    InverseParams p = with(InverseMethod::gradient);
    p.learning_rate = 1e200;
    const Magnitude<double> mel = fb.transpose() * Magnitude<double>::Ones(129, 1);
    CHECK_THROWS_MATCHES(InverseFilterbank<double>(fb, p)(mel), invalid_argument, Mentions("learning_rate = ") && Mentions("diverged"));
    p.learning_rate = 1e3;  // far too large, but the clamp keeps it bounded: finite, non-negative
    const Magnitude<double> x = InverseFilterbank<double>(fb, p)(mel);
    CHECK(x.allFinite());
    CHECK(x.minCoeff() >= 0.0);
    // One step that overflows: no loss follows it, the check after the last step names it.
    p.max_iter = 1;
    p.learning_rate = 1e308;
    CHECK_THROWS_MATCHES(InverseFilterbank<double>(fb, p)(mel), invalid_argument,
                         Mentions("InverseFilterbank: learning_rate = ") && Mentions("diverged"));
  }
}

TEST_CASE("nnls on any filterbank: wide overlaps, gaps inside filters, a workspace shared between banks",
          "[inverse][nnls]") {
  // Every filter overlaps the next 7 (band Hessian of bandwidth 7) and has zeros inside its run.
  Magnitude<double> dense = Magnitude<double>::Random(201, 8).cwiseAbs();
  for (Index i = 0; i < 201; i += 5) dense(i, 3) = 0.0;
  const Magnitude<double> mel = mel_filterbank<double>(201, 0.0, 8000.0, 8, 16000);
  const Magnitude<double> y = Magnitude<double>::Random(8, 20).cwiseAbs();
  InverseWorkspace<double> shared;
  const std::vector<const Magnitude<double>*> banks = {&mel, &dense, &mel};
  for (const Magnitude<double>* fb : banks) {
    const InverseFilterbank<double> inverse(*fb);
    Magnitude<double> x(201, 20);
    const InverseReport report = inverse.solve(y, x, shared);
    CHECK(report.converged);
    CHECK(kkt_violation<double>(*fb, x, y) <= 1e-8);
  }
}

TEST_CASE("nnls and the residual are scale-free, from 1e-160 to 1e160", "[inverse][nnls]") {
  const Magnitude<double> fb = mel_filterbank<double>(201, 0.0, 8000.0, 40, 16000);
  const Magnitude<double> y = Magnitude<double>::Random(40, 20).cwiseAbs();  // inconsistent: residual > 0
  const InverseFilterbank<double> inverse(fb);
  InverseReport reference;
  const Magnitude<double> x = inverse(y, reference);
  REQUIRE(reference.residual > 1e-3);
  for (const double scale : {1e-160, 1e-100, 1e100, 1e160}) {
    INFO("scale " << scale);
    InverseReport report;
    const Magnitude<double> scaled = inverse(y * scale, report);
    CHECK(report.converged);
    CHECK(report.residual == Approx(reference.residual).epsilon(1e-9));
    // y * scale rounds (scale is no power of two); the solution of an inconsistent problem
    // moves by about 1e-8 for such a perturbation.
    CHECK(test::rel_error((scaled / scale).eval(), x) <= 1e-6);
    CHECK(kkt_violation<double>(fb, scaled, (y * scale).eval()) <= 1e-8);
  }
}

TEST_CASE("lbfgsb reports convergence reached exactly at max_iter", "[inverse][lbfgsb]") {
  InverseParams p = with(InverseMethod::lbfgsb);
  p.max_iter = 1;
  InverseReport report;
  const Magnitude<double> x =
      InverseFilterbank<double>(Magnitude<double>::Constant(1, 1, 0.5), p)(Magnitude<double>::Constant(1, 2, 2.0), report);
  CHECK(x(0, 0) == Approx(4.0));
  CHECK(report.residual <= 1e-12);
  CHECK(report.converged);
}
