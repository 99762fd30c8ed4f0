// SPDX-License-Identifier: MIT
// legla (LeGLA / FleGLA): the truncated kernel against the exact projection (interior and
// reflected ends), the gain of the iterations, quality on the corpus from Init::pghi against
// FGLA, the loop contract, bad input and allocation-free runs once warm.

#include "../support/allocation_counter.hpp"  // first: it replaces malloc for this binary

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <specinv/phase.hpp>

#include "../support/catch.hpp"
#include "../support/corpus.hpp"
#include "../support/phase.hpp"

using specinv::Init;
using specinv::Legla;
using specinv::LeglaParams;
using specinv::Magnitude;
using specinv::Signal;
using specinv::Spectrogram;
using specinv::StftParams;

namespace {

/// ||a - b|| / ||c|| over frames [edge, frames - edge).
template <class T>
double interior_error(const Spectrogram<T>& a, const Spectrogram<T>& b, const Spectrogram<T>& c, Eigen::Index edge) {
  const Eigen::Index inner = a.cols() - 2 * edge;
  return (a.middleCols(edge, inner) - b.middleCols(edge, inner)).template cast<std::complex<double>>().norm() /
         c.middleCols(edge, inner).template cast<std::complex<double>>().norm();
}

}  // namespace

TEMPLATE_TEST_CASE("the truncated kernel is STFT(iSTFT(.)), at the reflected ends too for consistent input",
                   "[phase][legla]", float, double) {
  using T = TestType;
  const StftParams p = test::peers_stft();
  specinv::Stft<T> stft(p);
  const Signal<T> excerpt = test::corpus_signal<T>("speech_alsa_front", 1.0, 1.0);
  // A whole number of hops: the default output length, (frames - 1) hop, is then the signal's.
  const Signal<T> x = excerpt.head(excerpt.size() / p.hop_length * p.hop_length);
  const Spectrogram<T> consistent = stft.forward(x);
  // An inconsistent spectrogram too: random phases on the same magnitude.
  Spectrogram<T> random(consistent.rows(), consistent.cols());
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> angle(0.0, 2.0 * specinv::detail::pi);
  for (Eigen::Index i = 0; i < random.size(); ++i)
    random.data()[i] = std::abs(consistent.data()[i]) * std::polar(T(1), T(angle(rng)));
  // DC and Nyquist stay real, as for any real signal (the inverse FFT drops their imaginary parts).
  random.row(0) = random.row(0).real().template cast<std::complex<T>>();
  random.row(random.rows() - 1) = random.row(random.rows() - 1).real().template cast<std::complex<T>>();
  for (const double threshold : {1e-2, 1e-3}) {
    LeglaParams lp;
    lp.kernel_threshold = threshold;
    Legla<T> algo(p, lp);
    CHECK(algo.kernel_frames() == (threshold < 5e-3 ? 3 : 2));  // at most (n_fft - 1) / hop each side
    CHECK(algo.kernel_bins() == (threshold < 5e-3 ? 7 : 3));
    CHECK(algo.kernel_taps() == (threshold < 5e-3 ? 87 : 29));
    Spectrogram<T> approx(consistent.rows(), consistent.cols());
    for (const Spectrogram<T>* c : {&consistent, static_cast<const Spectrogram<T>*>(&random)}) {
      const Signal<T> y = stft.inverse(*c);
      const Spectrogram<T> exact = stft.forward(y);
      algo.project(*c, approx);
      const double error = interior_error<T>(approx, exact, *c, 4);
      INFO("threshold " << threshold << ": interior error " << error);
      // Measured: 3.3e-3 and 7.6e-3 at 1e-2, 6.9e-4 and 5.7e-4 at 1e-3 (float and double alike).
      CHECK(error < threshold);
      // Not a tautology: the projection moves the random phases a long way (by 0.84 relative).
      if (c == &random) CHECK(interior_error<T>(approx, *c, *c, 4) > 0.5);
    }
    // The ends of a consistent spectrogram: the frames beyond them are the reflect padding's
    // mirror images (exact at the start, two samples off at the end). With zeros there instead,
    // the last frame was measured 40% off.
    algo.project(consistent, approx);
    for (const Eigen::Index m : {Eigen::Index(0), Eigen::Index(1), approx.cols() - 2, approx.cols() - 1}) {
      const double error = (approx.col(m) - consistent.col(m)).norm() / consistent.col(m).norm();
      INFO("threshold " << threshold << ", frame " << m << ": error " << error);
      // Measured: 2.3e-4 to 8.3e-4 in the first two frames and 1.9e-3 in the last at 1e-3, 9.2e-3
      // in the last at 1e-2 (float and double alike).
      CHECK(error < 3 * threshold);
    }
  }
}

TEMPLATE_TEST_CASE("legla's iterations improve on their start, and FleGLA on LeGLA", "[phase][legla]", float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::corpus_magnitude<T>("speech_alsa_front", 1.0, 1.0);
  const StftParams p = test::peers_stft();
  LeglaParams lp;
  lp.max_iter = 0;
  lp.init = Init::phase_init;
  const double start = specinv::legla(mag, p, lp).spectral_convergence_db;
  lp.max_iter = 20;
  lp.momentum = 0.0;
  const specinv::Reconstruction<T> plain = specinv::legla(mag, p, lp);
  lp.momentum = 0.99;
  const specinv::Reconstruction<T> fast = specinv::legla(mag, p, lp);
  CHECK(plain.spectral_convergence_db < start - 10.0);
  CHECK(fast.spectral_convergence_db < plain.spectral_convergence_db);
  // The reported SC is the public metric's, on the returned signal.
  CHECK(fast.spectral_convergence_db == Approx(test::recomputed_sc<T>(fast.signal, mag, p)).margin(1e-3));
  // Plain LeGLA's progress is monotone (each sweep is a descent on the inconsistency).
  REQUIRE(plain.history.size() == 2);
  CHECK(plain.history[1] < plain.history[0]);
  // And it beats Griffin-Lim from the same start at the same count.
  specinv::GriffinLimParams g;
  g.max_iter = 20;
  g.momentum = 0.0;
  g.init = Init::phase_init;
  CHECK(plain.spectral_convergence_db < specinv::griffin_lim(mag, p, g).spectral_convergence_db);
}

TEST_CASE("FleGLA-100 from PGHI on the corpus, against FGLA-100 from the same start (full clip)",
          "[phase][legla][quality]") {
  const StftParams p = test::peers_stft();
  std::cout << "clip | FleGLA-100 from PGHI SC dB | s | FGLA-100 from PGHI SC dB | s\n";
  double sum_legla = 0, sum_fgla = 0;
  for (const std::string& clip : test::corpus_clips()) {
    const Magnitude<float> mag = test::corpus_magnitude<float>(clip);
    LeglaParams lp;
    lp.init = Init::pghi;
    lp.tol = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const double legla = specinv::legla(mag, p, lp).spectral_convergence_db;
    const auto t1 = std::chrono::steady_clock::now();
    specinv::GriffinLimParams g;
    g.max_iter = 100;
    g.init = Init::pghi;
    g.tol = 0;
    const double fgla = specinv::griffin_lim(mag, p, g).spectral_convergence_db;
    const auto t2 = std::chrono::steady_clock::now();
    std::cout << clip << " | " << legla << " | " << std::chrono::duration<double>(t1 - t0).count() << " | " << fgla
              << " | " << std::chrono::duration<double>(t2 - t1).count() << "\n";
    sum_legla += legla;
    sum_fgla += fgla;
    INFO(clip << ": FleGLA " << legla << " dB, FGLA " << fgla << " dB");
    // Measured (float, FFTW): FleGLA ahead on every clip, by 2.9 to 4.1 dB on these four, by 0.1
    // to 0.8 dB on applause, piano and espeak.
    if (clip == "speech_alsa_front" || clip == "speech_klettres_nl_words" || clip == "env_opensfx_crossing_till" ||
        clip == "music_perc_openmsx_no_work_song_drums")
      CHECK(legla < fgla - 1.5);
    else
      CHECK(legla < fgla + 0.5);
  }
  const double n = double(test::corpus_clips().size());
  std::cout << "mean | " << sum_legla / n << " | | " << sum_fgla / n << " |\n";
  // The goal is -35 dB; measured -34.9 dB (FGLA from the same start: -32.7 dB).
  CHECK(sum_legla / n <= -34.0);
  CHECK(sum_legla / n < sum_fgla / n - 1.0);  // measured 2.1 dB ahead
}

TEMPLATE_TEST_CASE("legla's loop: history, callback, tol, given start, batch and deducing forms", "[phase][legla]",
                   float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::golden_magnitude<T>();
  const StftParams p = test::golden_stft();
  LeglaParams lp;
  lp.max_iter = 12;
  lp.eval_every = 4;
  lp.tol = 0;
  const specinv::Reconstruction<T> r = specinv::legla(mag, p, lp);
  CHECK(r.iterations == 12);
  CHECK(r.history.size() == 3);

  std::vector<int> seen;
  lp.callback = [&](int it, double) {
    seen.push_back(it);
    return it < 8;
  };
  const specinv::Reconstruction<T> stopped = specinv::legla(mag, p, lp);
  CHECK(seen == std::vector<int>{4, 8});
  CHECK(stopped.iterations == 8);
  lp.callback = nullptr;

  lp.tol = 1.0;  // any improvement under 100% stops at the second evaluation
  CHECK(specinv::legla(mag, p, lp).iterations == 8);
  lp.tol = 0;

  // Init::given: from a complex spectrogram, whose modulus is the target.
  const Spectrogram<T> start = specinv::pghi_spectrogram<T>(mag, p);
  lp.max_iter = 0;
  CHECK((specinv::legla(start, p, lp).signal - specinv::Stft<T>(p).inverse(start)).cwiseAbs().maxCoeff() <=
        T(1e-5) * mag.maxCoeff());
  lp.max_iter = 3;
  const specinv::Reconstruction<T> given = specinv::legla(start, p, lp);
  Legla<T> object(p, lp);
  Signal<T> out(object.output_length(mag.cols()));
  object.run(Magnitude<T>(start.cwiseAbs()), start, out);
  CHECK(out == given.signal);
  // The deducing form takes expressions.
  CHECK(specinv::legla(mag * T(1), p, lp).signal == specinv::legla(mag, p, lp).signal);

  // Batches: one object, the same as item by item.
  specinv::MagnitudeBatch<T> batch(mag.rows(), mag.cols(), 2);
  Eigen::Map<Magnitude<T>>(batch.data(), mag.rows(), mag.cols()) = mag;
  Eigen::Map<Magnitude<T>>(batch.data() + mag.size(), mag.rows(), mag.cols()) = mag * T(0.5);
  const std::vector<specinv::Reconstruction<T>> items = specinv::legla(batch, p, lp);
  REQUIRE(items.size() == 2);
  CHECK(items[0].signal == specinv::legla(mag, p, lp).signal);
  CHECK((items[1].signal - specinv::legla(Magnitude<T>(mag * T(0.5)), p, lp).signal).cwiseAbs().maxCoeff() == T(0));

  // `length` is honoured (here one that leaves the end unmirrored: 50 samples past a hop).
  lp.length = (mag.cols() - 1) * p.hop_length + 50;
  lp.max_iter = 10;
  const specinv::Reconstruction<T> sized = specinv::legla(mag, p, lp);
  CHECK(sized.signal.size() == *lp.length);
  CHECK(sized.spectral_convergence_db == Approx(test::recomputed_sc<T>(sized.signal, mag, p)).margin(1e-3));
  lp.max_iter = 0;
  CHECK(sized.spectral_convergence_db < specinv::legla(mag, p, lp).spectral_convergence_db - 3.0);
  lp.length.reset();
  lp.max_iter = 3;

  // Silence in, silence out.
  const specinv::Reconstruction<T> silent = specinv::legla(Magnitude<T>(Magnitude<T>::Zero(257, 10)), p, lp);
  CHECK(silent.signal.allFinite());
  CHECK(silent.signal.cwiseAbs().maxCoeff() == T(0));
}

TEST_CASE("legla rejects bad input naming the parameter", "[phase][legla][errors]") {
  using test::Mentions;
  const StftParams stft = test::golden_stft();
  const Magnitude<double> good = Magnitude<double>::Ones(257, 8);
  auto with = [&](auto change) {
    LeglaParams p;
    p.max_iter = 1;
    change(p);
    return specinv::legla(good, stft, p);
  };
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.max_iter = -1; }), specinv::invalid_argument,
                       Mentions("max_iter = -1"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.momentum = 1; }), specinv::invalid_argument, Mentions("momentum = 1"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.momentum = -0.5; }), specinv::invalid_argument,
                       Mentions("momentum = -0.5"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.kernel_threshold = 0; }), specinv::invalid_argument,
                       Mentions("kernel_threshold = 0"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.kernel_threshold = 1; }), specinv::invalid_argument,
                       Mentions("kernel_threshold = 1"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.eval_every = 0; }), specinv::invalid_argument,
                       Mentions("eval_every = 0"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.tol = -1; }), specinv::invalid_argument, Mentions("tol = -1"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.kernel_threshold = std::nan(""); }), specinv::invalid_argument,
                       Mentions("kernel_threshold"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.length = 0; }), specinv::invalid_argument, Mentions("length = 0"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.length = 5000; }), specinv::invalid_argument,
                       Mentions("length = 5000"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.metric = specinv::Metric(7); }), specinv::invalid_argument,
                       Mentions("metric = 7"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.init = Init(9); }), specinv::invalid_argument, Mentions("init = 9"));
  CHECK_THROWS_MATCHES(with([](LeglaParams& p) { p.init = Init::given; }), specinv::invalid_argument,
                       Mentions("init"));
  Magnitude<double> bad = good;
  bad(3, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_MATCHES(specinv::legla(bad, stft), specinv::invalid_argument, Mentions("magnitude = values with NaN"));
  bad(3, 2) = -1;
  CHECK_THROWS_MATCHES(specinv::legla(bad, stft), specinv::invalid_argument, Mentions("magnitude = negative"));
  StftParams wide = stft;
  wide.hop_length = 600;
  CHECK_THROWS_MATCHES(Legla<double>(wide), specinv::invalid_argument, Mentions("hop_length = 600"));
  StftParams silent_window = stft;
  silent_window.custom_window = Signal<double>::Zero(512);
  CHECK_THROWS_MATCHES(Legla<double>(silent_window), specinv::invalid_argument,
                       Mentions("legla: window = all zeros"));
  Legla<double> algo(stft);
  Signal<double> wrong(10);
  CHECK_THROWS_MATCHES(algo.run(good, wrong), specinv::invalid_argument, Mentions("out.size()"));
}

TEMPLATE_TEST_CASE("a warm Legla allocates nothing", "[phase][legla][allocations]", float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::golden_magnitude<T>();
  LeglaParams lp;
  lp.max_iter = 6;
  lp.eval_every = 2;
  lp.tol = 0;
  Legla<T> algo(test::golden_stft(), lp);
  Signal<T> out(algo.output_length(mag.cols()));
  algo.run(mag, out);
  const long before = test::allocations();
  Eigen::internal::set_is_malloc_allowed(false);
  const specinv::IterationReport report = algo.run(mag, out);
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(test::allocations() - before == 0);
  CHECK(report.iterations == 6);
}
