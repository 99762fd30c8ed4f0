// SPDX-License-Identifier: MIT
// admm: torch_specinv 0.2.1 ADMM golden (golden/INDEX.md (vii)), quality on the corpus clips
// against PEERS.md, the loop contract, bad input, and allocation-free runs once warm.

#include "../support/allocation_counter.hpp"  // first: replaces malloc for the whole binary

#include <algorithm>
#include <chrono>
#include <iostream>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <specinv/phase/admm.hpp>

#include "../support/catch.hpp"
#include "../support/phase.hpp"
#include "../support/corpus.hpp"
#include "../support/npy.hpp"

using specinv::Admm;
using specinv::AdmmParams;
using specinv::Init;
using specinv::Magnitude;
using specinv::Signal;
using specinv::Spectrogram;

TEMPLATE_TEST_CASE("admm reproduces torch_specinv.ADMM", "[phase][admm][golden]", float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::golden_magnitude<T>();
  const Eigen::VectorXd expected = test::load_real(test::golden("specinv_py/admm_rho0.1_it20.npy"));
  AdmmParams p;
  p.max_iter = 20;
  p.rho = 0.1;
  p.tol = 0;
  p.init = Init::phase_init;  // torch_specinv's start for a magnitude input
  const specinv::Reconstruction<T> r = specinv::admm(mag, test::golden_stft(), p);
  REQUIRE(r.signal.size() == expected.size());
  CHECK(r.iterations == 20);
  CHECK(r.history.size() == 2);
  const double err = test::rel_error(r.signal, expected);
  INFO("relative error " << err);
  // ADMM amplifies rounding by ~2.3x per iteration here (float64 KissFFT against FFTW: 3e-15
  // after 5 iterations, 3e-11 after 15, 1e-9 after 20), and FFTW's measured plans change the
  // rounding from one process to the next. double: measured 2e-10 to 4.8e-9 over many runs,
  // against the 1e-8. float: measured 3.6e-3 to 8.6e-3; 2e-2 sits between that and the
  // nearest wrong answers (19 iterations: 4.3e-2; rho = 0.11: 3.9e-2).
  CHECK(err < (std::is_same_v<T, float> ? 2e-2 : 1e-8));
  CHECK(r.spectral_convergence_db == Approx(test::recomputed_sc<T>(r.signal, mag, test::golden_stft())).margin(1e-9));
}

namespace {

template <class F>
double seconds(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

AdmmParams peers_admm() {  // PEERS.md's ts_admm: rho 0.1 from torch_specinv's phase_init, 100 iterations
  AdmmParams p;
  p.max_iter = 100;
  p.rho = 0.1;
  p.tol = 0;
  p.init = Init::phase_init;
  return p;
}

}  // namespace

TEST_CASE("admm matches torch_specinv's quality on the corpus clips (full clip)", "[phase][admm][quality]") {
  // ADMM (rho 0.1) amplifies rounding by ~2.3x per iteration (float64 FFTW against KissFFT on the
  // golden input: 3e-15 after 5 iterations, 3e-11 after 15, 1e-9 after 20), so after 100 float
  // iterations the signal is a different sample of the same attractor for every 1-ulp change of
  // the input, FFT plan or backend: 1e-7 relative input perturbations move the final SC over
  // [-28.6, -27.5] dB on env_opensfx_crossing_till (PEERS.md: -28.6), [-34.9, -34.2] on
  // speech_alsa_front (-34.8) and [-30.7, -29.6] on speech_klettres_nl_words (-30.3), while the
  // mean over the seven clips stays within 0.2 dB of the peers' mean. A per-clip `peer + 0.5` would
  // fail by chance, so each clip holds peer + 1.5 dB (the worst measured excess is 1.1) and the
  // mean over the clips holds the peers' mean + 0.5 dB. Exactness is the golden test's job.
  Admm<float> admm(test::peers_stft(), peers_admm());
  double sum = 0, peer_sum = 0;
  for (const std::string& clip : test::corpus_clips()) {
    INFO(clip);
    const Magnitude<float> mag = test::corpus_magnitude<float>(clip);
    Signal<float> out(admm.output_length(mag.cols()));
    const specinv::IterationReport r = admm.run(mag, out);
    const double peer = test::peer_sc_db(clip, "ts_admm").value();
    INFO("SC " << r.spectral_convergence_db << " dB, torch_specinv " << peer << " dB");
    CHECK(r.iterations == 100);
    CHECK(r.spectral_convergence_db <= peer + 1.5);
    sum += r.spectral_convergence_db;
    peer_sum += peer;
  }
  const double n = double(test::corpus_clips().size());
  INFO("mean SC " << sum / n << " dB, torch_specinv " << peer_sum / n << " dB");
  CHECK(sum / n <= peer_sum / n + 0.5);
}

TEST_CASE("admm timing and SC per corpus clip (prints)", "[.timing]") {
  Admm<float> admm(test::peers_stft(), peers_admm());
  for (const std::string& clip : test::corpus_clips()) {
    const Magnitude<float> mag = test::corpus_magnitude<float>(clip);
    Signal<float> out(admm.output_length(mag.cols()));
    admm.run(mag, out);  // warm-up
    specinv::IterationReport report;
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) best = std::min(best, seconds([&] { report = admm.run(mag, out); }));
    std::cout << clip << " frames " << mag.cols() << " ADMM100 SC " << report.spectral_convergence_db << " dB (ts_admm "
              << test::peer_sc_db(clip, "ts_admm").value() << ") " << best << " s, " << best * 10 << " ms/iteration\n";
  }
}

TEMPLATE_TEST_CASE("admm: history, callback, early stop and the final SC", "[phase][admm]", float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::golden_magnitude<T>();
  AdmmParams p;
  p.max_iter = 40;
  p.tol = 0;
  p.eval_every = 5;
  SECTION("history: one value per evaluation, the metric of the analysed iterate") {
    const specinv::Reconstruction<T> r = specinv::admm(mag, test::golden_stft(), p);
    CHECK(r.iterations == 40);
    REQUIRE(r.history.size() == 8);
    AdmmParams q = p;
    q.max_iter = 39;
    CHECK(r.history.back() == Approx(specinv::admm(mag, test::golden_stft(), q).spectral_convergence_db).margin(1e-6));
    CHECK(r.spectral_convergence_db == Approx(test::recomputed_sc<T>(r.signal, mag, test::golden_stft())).margin(1e-9));
    CHECK(r.history.back() < r.history.front() - 5.0);
  }
  SECTION("a callback returning false stops at that evaluation") {
    std::vector<int> seen;
    p.callback = [&](int iter, double) {
      seen.push_back(iter);
      return iter < 10;
    };
    const specinv::Reconstruction<T> r = specinv::admm(mag, test::golden_stft(), p);
    CHECK(r.iterations == 10);
    CHECK(seen == std::vector<int>{5, 10});
    CHECK(r.history.size() == 2);
  }
  SECTION("tol stops early") {
    p.max_iter = 300;
    p.tol = 1e-2;
    const specinv::Reconstruction<T> r = specinv::admm(mag, test::golden_stft(), p);
    CHECK(r.iterations < 300);
    CHECK(r.iterations % 5 == 0);
    CHECK(r.history.size() == std::size_t(r.iterations / 5));
  }
}

TEMPLATE_TEST_CASE("admm starts: random is seeded, given starts from the spectrogram", "[phase][admm]", float,
                   double) {
  using T = TestType;
  const Magnitude<T> mag = test::golden_magnitude<T>();
  AdmmParams p;
  p.max_iter = 5;
  p.tol = 0;
  p.init = Init::random;
  p.seed = 3;
  const Signal<T> a = specinv::admm(mag, test::golden_stft(), p).signal;
  CHECK(a == specinv::admm(mag, test::golden_stft(), p).signal);
  p.seed = 4;
  CHECK(test::rel_error(a, specinv::admm(mag, test::golden_stft(), p).signal) > 0.1);

  const Spectrogram<T> start = specinv::phase_init(mag, test::golden_stft());
  p.max_iter = 0;
  const Signal<T> direct = specinv::Stft<T>(test::golden_stft()).inverse(start);
  const specinv::Reconstruction<T> given = specinv::admm(start, test::golden_stft(), p);
  CHECK(test::rel_error(given.signal, direct) < test::tol<T>());
  CHECK(given.iterations == 0);
  // Through the object, a start off the target magnitude is put on it first: 10 iterations from
  // 3 * phase_init are 10 iterations from phase_init.
  p.max_iter = 10;
  Admm<T> object(test::golden_stft(), p);
  Signal<T> out(object.output_length(mag.cols()));
  object.run(mag, Spectrogram<T>(start * T(3)), out);
  p.init = Init::phase_init;
  CHECK(test::rel_error(out, specinv::admm(mag, test::golden_stft(), p).signal) < test::tol<T>() * 100);
}

TEMPLATE_TEST_CASE("admm batched equals per-item calls; deduced overloads", "[phase][admm]", float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::golden_magnitude<T>();
  specinv::MagnitudeBatch<T> batch(mag.rows(), mag.cols(), 2);
  for (int b = 0; b < 2; ++b) {
    const Magnitude<T> item = mag * T(b + 1);
    std::copy(item.data(), item.data() + item.size(), batch.data() + b * mag.size());
  }
  AdmmParams p;
  p.max_iter = 12;
  p.tol = 0;
  p.eval_every = 4;
  const std::vector<specinv::Reconstruction<T>> all = specinv::admm(batch, test::golden_stft(), p);
  REQUIRE(all.size() == 2);
  for (int b = 0; b < 2; ++b) {
    INFO("item " << b);
    const specinv::Reconstruction<T> one = specinv::admm(Magnitude<T>(mag * T(b + 1)), test::golden_stft(), p);
    CHECK(all[b].signal == one.signal);
    CHECK(all[b].history == one.history);
    CHECK(all[b].iterations == one.iterations);
    CHECK(all[b].spectral_convergence_db == one.spectral_convergence_db);
  }
  CHECK(specinv::admm(mag * T(1), test::golden_stft(), p).signal == specinv::admm<T>(mag, test::golden_stft(), p).signal);
  const Spectrogram<T> start = specinv::phase_init(mag, test::golden_stft());
  CHECK(specinv::admm(start, test::golden_stft(), p).signal.size() == all[0].signal.size());
}

TEMPLATE_TEST_CASE("admm of silence is silence", "[phase][admm]", float, double) {
  using T = TestType;
  for (const Init init : {Init::zero_phase, Init::random, Init::phase_init}) {
    INFO(specinv::to_string(init));
    AdmmParams p;
    p.init = init;
    p.max_iter = 30;
    p.tol = 0;
    const specinv::Reconstruction<T> r = specinv::admm(Magnitude<T>(Magnitude<T>::Zero(257, 12)), test::golden_stft(), p);
    CHECK(r.signal.allFinite());
    CHECK(r.signal.cwiseAbs().maxCoeff() == T(0));
  }
}

TEST_CASE("admm rejects bad input naming the parameter", "[phase][admm][errors]") {
  using test::Mentions;
  const specinv::StftParams stft = test::golden_stft();
  const Magnitude<double> good = Magnitude<double>::Ones(257, 8);
  auto run = [&](const Magnitude<double>& mag, const AdmmParams& p = {}) { return specinv::admm(mag, stft, p); };
  Magnitude<double> bad = good;
  bad(3, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_MATCHES(run(bad), specinv::invalid_argument, Mentions("magnitude = values with NaN"));
  bad(3, 2) = -std::numeric_limits<double>::infinity();
  CHECK_THROWS_MATCHES(run(bad), specinv::invalid_argument, Mentions("magnitude = values with NaN"));
  bad(3, 2) = -1;
  CHECK_THROWS_MATCHES(run(bad), specinv::invalid_argument, Mentions("magnitude = negative"));
  CHECK_THROWS_MATCHES(run(Magnitude<double>::Ones(258, 8)), specinv::invalid_argument,
                       Mentions("magnitude rows = 258"));
  CHECK_THROWS_MATCHES(run(Magnitude<double>::Ones(257, 0)), specinv::invalid_argument,
                       Mentions("magnitude frames = 0"));
  AdmmParams p;
  p.max_iter = -2;
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("AdmmParams: max_iter = -2"));
  p = {};
  p.rho = 0;
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("AdmmParams: rho = 0; expected a finite rho > 0"));
  p.rho = -0.5;
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("rho = -0.5"));
  p.rho = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("rho = nan"));
  p.rho = std::numeric_limits<double>::infinity();
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("rho = inf"));
  p = {};
  p.tol = -1;
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("tol = -1"));
  p = {};
  p.eval_every = 0;
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("eval_every = 0"));
  p = {};
  p.length = 8 * 128 + 200;
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("length = 1224"));
  p = {};
  p.init = Init::given;
  CHECK_THROWS_MATCHES(run(good, p), specinv::invalid_argument, Mentions("init = given"));
  Admm<double> object(stft);
  Signal<double> wrong(10);
  CHECK_THROWS_MATCHES(object.run(good, wrong), specinv::invalid_argument, Mentions("out.size() = 10"));
  Signal<double> out(object.output_length(8));
  Spectrogram<double> initial = Spectrogram<double>::Ones(257, 8);
  initial(5, 5) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_MATCHES(object.run(good, initial, out), specinv::invalid_argument, Mentions("initial = values with NaN"));
}

TEMPLATE_TEST_CASE("Admm::run allocates nothing once warm", "[phase][admm][allocations]", float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::golden_magnitude<T>();
  const Spectrogram<T> start = specinv::phase_init(mag, test::golden_stft());
  for (const Init init : {Init::zero_phase, Init::random, Init::phase_init}) {
    INFO(specinv::to_string(init));
    AdmmParams p;
    p.init = init;
    p.max_iter = 30;
    p.tol = 0;
    p.eval_every = 3;
    std::vector<long> at_evaluation;
    at_evaluation.reserve(64);
    p.callback = [&](int, double) {
      at_evaluation.push_back(test::allocations());
      return true;
    };
    Admm<T> object(test::golden_stft(), p);
    Signal<T> out(object.output_length(mag.cols()));
    object.run(mag, out);  // warm-up
    at_evaluation.clear();
    const long before = test::allocations();
    Eigen::internal::set_is_malloc_allowed(false);
    specinv::IterationReport report = object.run(mag, out);
    report = object.run(mag, start, out);
    Eigen::internal::set_is_malloc_allowed(true);
    CHECK(test::allocations() - before == 0);
    REQUIRE(at_evaluation.size() == 20);
    CHECK(at_evaluation.back() - at_evaluation.front() == 0);
    CHECK(report.iterations == 30);
    CHECK(object.history().size() == 10);
  }
}
