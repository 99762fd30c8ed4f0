// SPDX-License-Identifier: MIT
// Property: istft(stft(x), length = N) == x for 200+ seeded random parameter sets per scalar type
// and backend, with an independent brute-force oracle for the frame geometry and the NOLA check.

#include <random>

#include <specinv/stft.hpp>

#include "../support/catch.hpp"

using namespace specinv;

namespace {

struct RandomCase {
  StftParams p;
  Index length = 0;
};

RandomCase random_case(std::mt19937_64& rng) {
  auto pick = [&](Index lo, Index hi) { return std::uniform_int_distribution<Index>(lo, hi)(rng); };
  static const int sizes[] = {2, 3, 5, 8, 16, 17, 31, 64, 100, 128, 255, 256, 400, 512, 1000, 1024};
  RandomCase c;
  StftParams& p = c.p;
  p.n_fft = sizes[pick(0, 15)];
  p.win_length = pick(0, 3) == 0 ? 0 : int(pick(1, p.n_fft));
  const Index wl = p.win_length ? p.win_length : p.n_fft;
  p.hop_length = int(pick(1, wl));
  p.window = static_cast<WindowKind>(pick(0, 5));
  p.kaiser_beta = double(pick(0, 140)) / 10.0;
  if (pick(0, 7) == 0) {  // a custom, strictly positive window
    p.custom_window.resize(wl);
    for (Index i = 0; i < wl; ++i) p.custom_window[i] = 0.2 + 0.8 * std::uniform_real_distribution<double>()(rng);
  }
  p.center = pick(0, 3) != 0;
  p.pad_mode = static_cast<PadMode>(pick(0, 3));
  p.normalized = static_cast<Normalization>(pick(0, 2));
  p.onesided = pick(0, 3) != 0;
  p.pad = pick(0, 3) == 0 ? int(pick(1, 40)) : 0;
  const Index min_length = p.center ? std::max<Index>(1, p.n_fft / 2 + 1 - 2 * p.pad) : std::max<Index>(1, p.n_fft - 2 * p.pad);
  c.length = pick(min_length, min_length + 4 * p.n_fft + 700);
  return c;
}

/// Overlap-added squared window over torch's NOLA-check range, summed frame by frame.
struct Oracle {
  Index frames, lead, covered;
  double env_min, env_max;
};

Oracle oracle(const RandomCase& c, const Signal<double>& window) {
  const StftParams& p = c.p;
  const Index n = p.n_fft, hop = p.hop_length, cpad = p.center ? n / 2 : 0;
  const Index padded = c.length + 2 * p.pad + 2 * cpad;
  Oracle o{};
  o.frames = 1 + (padded - n) / hop;
  o.lead = cpad + p.pad;
  o.covered = n + hop * (o.frames - 1);  // overlap-added samples
  std::vector<double> env(std::size_t(o.covered), 0.0);
  for (Index t = 0; t < o.frames; ++t)
    for (Index m = 0; m < n; ++m) env[std::size_t(t * hop + m)] += window[m] * window[m];
  const Index end = std::min(o.covered, cpad + c.length + 2 * p.pad);
  o.env_min = std::numeric_limits<double>::infinity();
  o.env_max = 0;
  for (Index i = cpad; i < end; ++i) {
    o.env_min = std::min(o.env_min, env[std::size_t(i)]);
    o.env_max = std::max(o.env_max, env[std::size_t(i)]);
  }
  return o;
}

}  // namespace

TEMPLATE_TEST_CASE("istft(stft(x)) == x for 200 random valid parameter sets", "[stft][istft][property]",
                        SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  std::mt19937_64 rng(20261121);
  int reconstructed = 0, refused = 0, tried = 0;
  double worst = 0;
  while (reconstructed < 200) {
    const RandomCase c = random_case(rng);
    ++tried;
    Stft<T, Backend> object(c.p);
    const Oracle o = oracle(c, object.window().template cast<double>());
    Signal<T> x(c.length);
    std::normal_distribution<double> normal;
    for (Index i = 0; i < x.size(); ++i) x[i] = T(normal(rng));

    const Spectrogram<T> s = object.forward(x);
    INFO(TestType::name() << " case " << tried << ": n_fft " << c.p.n_fft << " hop " << c.p.hop_length
                          << " win " << object.win_length() << " window " << to_string(c.p.window)
                          << (c.p.custom_window.size() ? " (custom)" : "") << " center " << c.p.center
                          << " pad_mode " << to_string(c.p.pad_mode) << " norm " << to_string(c.p.normalized)
                          << " onesided " << c.p.onesided << " pad " << c.p.pad << " N " << c.length);
    REQUIRE(s.cols() == o.frames);
    REQUIRE(s.rows() == (c.p.onesided ? c.p.n_fft / 2 + 1 : c.p.n_fft));
    const Index natural_length = o.covered - 2 * (c.p.center ? c.p.n_fft / 2 : 0);
    if (natural_length > 0) {
      REQUIRE(object.output_length(s.cols()) == natural_length);
    } else {  // one centred frame of an even n_fft: torch raises rather than return nothing
      REQUIRE_THROWS_AS(object.output_length(s.cols()), specinv::invalid_argument);
    }

    if (!(o.env_min >= 1e-11)) {  // not invertible on the output: torch raises, so must we
      CHECK_THROWS_AS(object.inverse(s, c.length), specinv::invalid_argument);
      ++refused;
      continue;
    }
    const Signal<T> y = object.inverse(s, c.length);
    REQUIRE(y.size() == c.length);
    REQUIRE(y.allFinite());
    if (o.env_min < 1e-3 * o.env_max) continue;  // invertible but too ill-conditioned to compare tightly
    // Samples past the last frame are not recoverable (they come back as zeros).
    const Index usable = std::min(c.length, o.covered - o.lead);
    REQUIRE(usable > 0);
    const double err = test::rel_error(y.head(usable).eval(), x.head(usable).eval());
    worst = std::max(worst, err);
    CHECK(err <= (std::is_same_v<T, float> ? 1e-5 : 1e-12));
    CHECK(y.tail(c.length - usable).isZero(0));
    // Other lengths give the same samples where they overlap: torch's default, a shorter one.
    // (Equal to rounding, not bit for bit: a different last block may go through FFTW's
    // single-frame plan instead of its batched one.)
    const double same = std::is_same_v<T, float> ? 1e-6 : 1e-14;
    if (c.p.pad == 0 && natural_length > 0) {
      const Signal<T> natural = object.inverse(s);
      const Index common = std::min(natural.size(), usable);
      CHECK(test::rel_error(natural.head(common).eval(), y.head(common).eval()) <= same);
    }
    const Index shorter = std::max<Index>(1, c.length / 3);
    CHECK(test::rel_error(object.inverse(s, shorter), y.head(shorter).eval()) <= same);
    ++reconstructed;
  }
  WARN(TestType::name() << ": " << reconstructed << " reconstructed (worst relative error " << worst << "), "
                        << refused << " refused as non-NOLA, of " << tried << " random sets");
  CHECK(refused > 0);  // the generator reaches the NOLA boundary, so the refusal path is exercised
}
