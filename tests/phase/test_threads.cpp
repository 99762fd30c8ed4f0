// SPDX-License-Identifier: MIT
// The `threads` option: griffin_lim / FGLA and admm split one signal's frames across threads and
// every batched function splits its items (lbfgs's batch: test_lbfgs.cpp, which keeps L-BFGS's
// compile time out of this test), with results bit-identical to one thread's (output,
// history, final SC) over STFT geometries that exercise the tile boundaries (center on and off,
// short and long `length`, hops that make tiles of 32 frames or more, win_length < n_fft); the
// threaded run allocates nothing once warm; bad `threads` values and failing batch items give the
// usual exceptions. And the fused engine itself against the plain STFT: its synthesis is
// Stft::inverse and its analysis Stft::forward, whatever the tiling (fewer frames than a tile, a
// tile and one frame, several tiles, odd n_fft, hop = n_fft, torchaudio's pad, short lengths).

#include "../support/allocation_counter.hpp"  // first: replaces malloc for the whole binary

#include <algorithm>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <specinv/detail/fused_stft.hpp>
#include <specinv/phase.hpp>

#include "../support/catch.hpp"
#include "../support/corpus.hpp"

using specinv::Index;
using specinv::Init;
using specinv::Magnitude;
using specinv::Reconstruction;
using specinv::Signal;
using specinv::StftParams;

namespace {

struct Geometry {
  const char* name;
  StftParams stft;
  int length_change;  // 0: no `length`; else length = the signal's + this
};

std::vector<Geometry> geometries() {
  StftParams peers = test::peers_stft();
  StftParams uncentred = peers;
  uncentred.center = false;
  uncentred.window = specinv::WindowKind::hamming;  // a Hann window's zero ends fail NOLA uncentred
  StftParams fine = peers;  // hop 64 at n_fft 512: tiles of 32 frames, overlap 448 samples
  fine.n_fft = 512;
  fine.hop_length = 64;
  fine.win_length = 400;
  StftParams coarse = peers;  // hop = n_fft / 2: no tile overlap beyond one hop
  coarse.hop_length = 512;
  // 2.5 s at hop 256 and center: 216 frames, the lengths in [55040, 55296) keep that count.
  return {{"peers", peers, 0},        {"peers, length - 80", peers, -80},
          {"peers, length + 160", peers, 160}, {"center false", uncentred, 0},
          {"n_fft 512, hop 64, win 400", fine, 0}, {"hop n_fft / 2", coarse, 0}};
}

template <class T>
Magnitude<T> magnitude_of(const Signal<T>& x, const StftParams& stft) {
  return specinv::Stft<T>(stft).forward(x).cwiseAbs();
}

template <class T>
void require_identical(const Reconstruction<T>& a, const Reconstruction<T>& b) {
  REQUIRE(a.signal.size() == b.signal.size());
  CHECK(a.signal == b.signal);  // bit for bit
  CHECK(a.history == b.history);
  CHECK(a.iterations == b.iterations);
  CHECK(a.spectral_convergence_db == b.spectral_convergence_db);
}

}  // namespace

TEMPLATE_TEST_CASE("griffin_lim, FGLA and admm give bit-identical results for any thread count",
                   "[phase][threads]", float, double) {
  using T = TestType;
  const Signal<T> x = test::corpus_signal<T>("speech_alsa_front", 0.5, 2.5);  // 216 frames at hop 256
  for (const Geometry& g : geometries()) {
    const Magnitude<T> mag = magnitude_of(x, g.stft);
    for (const Init init : {Init::zero_phase, Init::random}) {
      INFO(g.name << ", " << specinv::to_string(init));
      specinv::GriffinLimParams gla;
      gla.max_iter = 12;
      gla.eval_every = 4;
      gla.tol = 0;
      gla.init = init;
      gla.seed = 3;
      if (g.length_change) gla.length = x.size() + g.length_change;
      specinv::AdmmParams admm;
      admm.max_iter = 12;
      admm.eval_every = 4;
      admm.tol = 0;
      admm.init = init;
      admm.length = gla.length;
      for (const double momentum : {0.0, 0.99}) {
        gla.momentum = momentum;
        gla.threads = 1;
        const Reconstruction<T> one = specinv::griffin_lim<T>(mag, g.stft, gla);
        for (const int threads : {2, 3}) {
          INFO("griffin_lim, momentum " << momentum << ", threads " << threads);
          gla.threads = threads;
          require_identical(specinv::griffin_lim<T>(mag, g.stft, gla), one);
        }
        CHECK(one.spectral_convergence_db < -5);  // and the iterations did something
      }
      admm.threads = 1;
      const Reconstruction<T> one = specinv::admm<T>(mag, g.stft, admm);
      for (const int threads : {2, 3}) {
        INFO("admm, threads " << threads);
        admm.threads = threads;
        require_identical(specinv::admm<T>(mag, g.stft, admm), one);
      }
    }
  }
}

TEST_CASE("the fused passes equal Stft::inverse and Stft::forward for any tiling and thread count",
          "[phase][threads][stft]") {
  using T = double;
  StftParams peers = test::peers_stft();
  StftParams odd = peers;
  odd.n_fft = 511;
  odd.hop_length = 100;
  odd.win_length = 400;
  StftParams whole = peers;  // hop = win_length = n_fft: frames do not overlap at all
  whole.n_fft = 256;
  whole.hop_length = 256;
  whole.win_length = 256;
  whole.window = specinv::WindowKind::rectangular;
  StftParams padded = peers;
  padded.pad = 300;
  padded.center = false;
  padded.window = specinv::WindowKind::hamming;
  StftParams reflect_small = peers;
  reflect_small.n_fft = 64;
  reflect_small.hop_length = 1;  // tiles of 63 frames
  reflect_small.win_length = 64;
  struct Case {
    const char* name;
    StftParams stft;
    Index frames;
    int length_change;  // samples added to the default output length (0: none given)
  };
  const std::vector<Case> cases = {
      {"peers, 5 frames", peers, 5, 0},       {"peers, 32 frames", peers, 32, 0},
      {"peers, 33 frames", peers, 33, 0},     {"peers, 97 frames, length - 100", peers, 97, -100},
      {"odd n_fft, 70 frames", odd, 70, 0},   {"hop = n_fft, 40 frames", whole, 40, 0},
      {"pad 300, 50 frames, length", padded, 50, -600}, {"hop 1, 200 frames", reflect_small, 200, 0}};
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  for (const Case& c : cases) {
    specinv::Stft<T> plain(c.stft);
    const Index bins = plain.n_freqs();
    specinv::Spectrogram<T> s(bins, c.frames);
    for (Index i = 0; i < s.size(); ++i) s(i) = {normal(rng), normal(rng)};
    s.row(0).imag().setZero();  // a real signal's DC and Nyquist bins are real
    if (c.stft.n_fft % 2 == 0) s.row(bins - 1).imag().setZero();
    const std::optional<Index> length =
        c.length_change ? std::optional<Index>(plain.output_length(c.frames) + c.length_change) : std::nullopt;
    const Signal<T> reference = plain.inverse(s, length);
    Magnitude<T> mag = s.cwiseAbs();
    for (const int threads : {1, 2, 3}) {
      INFO(c.name << ", threads " << threads);
      specinv::detail::FusedStft<T, specinv::fft::default_backend<T>> engine(c.stft, threads);
      engine.prepare("test", c.frames, reference.size(), length);
      Signal<T> y = Signal<T>::Zero(reference.size());
      engine.synthesize_start(mag, &s, y.data());
      CHECK(test::rel_error(y, reference) < 1e-13);
      // The analysis of a signal with the target's frame count: the metric sums of Stft::forward.
      if (plain.n_frames(reference.size()) == c.frames) {
        const specinv::Spectrogram<T> analysed = plain.forward(reference);
        const specinv::detail::MagnitudeSums want = specinv::detail::spectrogram_sums<T>(analysed, mag);
        const specinv::detail::MagnitudeSums got = engine.measure(reference.data(), mag);
        CHECK(got.error2 == Approx(want.error2).epsilon(1e-12));
        CHECK(got.estimate2 == Approx(want.estimate2).epsilon(1e-12));
        CHECK(got.count == want.count);
      }
    }
  }
}

TEST_CASE("threads = 0 runs on every hardware thread, with the same result", "[phase][threads]") {
  const Signal<float> x = test::corpus_signal<float>("synth_speech_espeak_en_us", 1.0, 1.0);
  const Magnitude<float> mag = magnitude_of(x, test::peers_stft());
  specinv::GriffinLimParams p;
  p.max_iter = 8;
  const Reconstruction<float> one = specinv::griffin_lim<float>(mag, test::peers_stft(), p);
  p.threads = 0;
  require_identical(specinv::griffin_lim<float>(mag, test::peers_stft(), p), one);
}

TEST_CASE("every batched function splits its items across threads, bit-identically", "[phase][threads]") {
  const StftParams stft = test::peers_stft();
  const std::vector<std::string> clips = {"speech_alsa_front", "env_opensfx_applause", "music_tonal_openmsx_moo_piano"};
  const Index samples = 22050;
  Index frames = 0;
  std::vector<Magnitude<float>> items;
  for (const std::string& clip : clips) {
    items.push_back(magnitude_of(test::corpus_signal<float>(clip, 0.5, 1.0), stft));
    frames = items.back().cols();
    REQUIRE(test::corpus_signal<float>(clip, 0.5, 1.0).size() == samples);
  }
  specinv::MagnitudeBatch<float> batch(items[0].rows(), frames, Index(items.size()));
  for (std::size_t b = 0; b < items.size(); ++b)
    std::copy_n(items[b].data(), items[b].size(), batch.data() + Index(b) * items[b].size());

  auto compare = [&](const char* name, auto run) {
    INFO(name);
    const std::vector<Reconstruction<float>> one = run(1);
    REQUIRE(one.size() == items.size());
    for (const int threads : {2, 4}) {
      INFO("threads " << threads);
      const std::vector<Reconstruction<float>> many = run(threads);
      REQUIRE(many.size() == one.size());
      for (std::size_t b = 0; b < one.size(); ++b) require_identical(many[b], one[b]);
    }
    for (std::size_t b = 0; b < one.size(); ++b) CHECK(one[b].signal.allFinite());
  };
  compare("griffin_lim", [&](int threads) {
    specinv::GriffinLimParams p;
    p.max_iter = 10;
    p.threads = threads;
    return specinv::griffin_lim<float>(batch, stft, p);
  });
  compare("admm", [&](int threads) {
    specinv::AdmmParams p;
    p.max_iter = 10;
    p.threads = threads;
    return specinv::admm<float>(batch, stft, p);
  });
  compare("rtisi_la", [&](int threads) {
    specinv::RtisiLaParams p;
    p.iters_per_frame = 3;
    p.threads = threads;
    return specinv::rtisi_la<float>(batch, stft, p);
  });
  compare("legla", [&](int threads) {
    specinv::LeglaParams p;
    p.max_iter = 5;
    p.threads = threads;
    return specinv::legla<float>(batch, stft, p);
  });

  // Each item is what the single-signal function gives for it.
  specinv::GriffinLimParams p;
  p.max_iter = 10;
  const std::vector<Reconstruction<float>> batched = specinv::griffin_lim<float>(batch, stft, p);
  for (std::size_t b = 0; b < items.size(); ++b)
    require_identical(specinv::griffin_lim<float>(items[b], stft, p), batched[b]);
}

TEST_CASE("a failing batch item is reported after the other threads stop", "[phase][threads]") {
  const StftParams stft = test::peers_stft();
  const Magnitude<float> good = magnitude_of(test::corpus_signal<float>("speech_alsa_front", 0.5, 0.5), stft);
  specinv::MagnitudeBatch<float> batch(good.rows(), good.cols(), 4);
  for (Index b = 0; b < 4; ++b) std::copy_n(good.data(), good.size(), batch.data() + b * good.size());
  batch(3, 2, 1) = -1.0f;  // item 1 has a negative magnitude, item 2 a NaN
  batch(5, 1, 2) = std::numeric_limits<float>::quiet_NaN();
  specinv::GriffinLimParams p;
  p.max_iter = 4;
  p.threads = 3;
  // The lowest failing item's error: item 1's.
  CHECK_THROWS_MATCHES(specinv::griffin_lim<float>(batch, stft, p), specinv::invalid_argument,
                       test::Mentions("negative values"));
  specinv::RtisiLaParams r;
  r.threads = 2;
  r.iters_per_frame = 2;
  CHECK_THROWS_MATCHES(specinv::rtisi_la<float>(batch, stft, r), specinv::invalid_argument,
                       test::Mentions("negative values"));
}

TEST_CASE("a bad threads value is refused, naming the field", "[phase][threads][errors]") {
  const StftParams stft = test::peers_stft();
  specinv::GriffinLimParams gla;
  gla.threads = -1;
  CHECK_THROWS_MATCHES(specinv::GriffinLim<float>(stft, gla), specinv::invalid_argument,
                       test::Mentions("GriffinLimParams: threads = -1"));
  specinv::AdmmParams admm;
  admm.threads = -2;
  CHECK_THROWS_MATCHES(specinv::Admm<float>(stft, admm), specinv::invalid_argument,
                       test::Mentions("AdmmParams: threads = -2"));
  specinv::RtisiLaParams rtisi;
  rtisi.threads = -1;
  CHECK_THROWS_MATCHES(rtisi.validate(), specinv::invalid_argument, test::Mentions("threads = -1"));
  specinv::LbfgsParams lbfgs;
  lbfgs.threads = -1;
  CHECK_THROWS_MATCHES(lbfgs.validate(), specinv::invalid_argument, test::Mentions("threads = -1"));
  // The batched forms resolve the thread count before any object validates its options.
  specinv::MagnitudeBatch<float> batch(stft.n_fft / 2 + 1, 4, 2);
  batch.setZero();
  CHECK_THROWS_MATCHES(specinv::griffin_lim<float>(batch, stft, gla), specinv::invalid_argument,
                       test::Mentions("griffin_lim: threads = -1"));
  CHECK_THROWS_MATCHES(specinv::lbfgs<float>(batch, stft, lbfgs), specinv::invalid_argument,
                       test::Mentions("lbfgs: threads = -1"));
}

TEMPLATE_TEST_CASE("a threaded GriffinLim or Admm run allocates nothing once warm", "[phase][threads][allocations]",
                   float, double) {
  using T = TestType;
  const Magnitude<T> mag = magnitude_of(test::corpus_signal<T>("speech_alsa_front", 0.5, 1.5), test::peers_stft());
  specinv::GriffinLimParams p;
  p.max_iter = 20;
  p.threads = 2;
  specinv::GriffinLim<T> gla(test::peers_stft(), p);
  specinv::AdmmParams a;
  a.max_iter = 20;
  a.threads = 2;
  specinv::Admm<T> admm(test::peers_stft(), a);
  Signal<T> out(gla.output_length(mag.cols()));
  gla.run(mag, out);  // warm-up: sizes the buffers for this frame count
  admm.run(mag, out);
  const long before = test::allocations();
  Eigen::internal::set_is_malloc_allowed(false);
  gla.run(mag, out);
  admm.run(mag, out);
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(test::allocations() - before == 0);
}
