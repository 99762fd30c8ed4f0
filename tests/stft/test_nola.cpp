// SPDX-License-Identifier: MIT
// The precomputed window-sum-square envelope equals a brute-force overlap-add of the squared
// window for every frame count (fewer than, exactly, and more than ceil(n_fft / hop)) and range.

#include <random>

#include <specinv/stft/nola.hpp>
#include <specinv/stft/stft.hpp>

#include "../support/catch.hpp"

using namespace specinv;

TEMPLATE_TEST_CASE("WindowEnvelope equals brute force for every frame count and range", "[nola]", float, double) {
  std::mt19937_64 rng(3);
  for (auto [n, hop] : {std::pair<Index, Index>{16, 4}, {16, 5}, {15, 7}, {64, 64}, {100, 33}, {8, 1}, {700, 3}}) {
    Signal<double> w = Signal<double>::Zero(n);
    for (Index i = 0; i < n; ++i) w[i] = 0.1 + std::uniform_real_distribution<double>()(rng);
    detail::WindowEnvelope<TestType> envelope(w, hop);
    for (Index frames = 1; frames <= 3 * (n / hop + 2); ++frames) {
      const Index length = n + hop * (frames - 1);
      Signal<double> brute = Signal<double>::Zero(length);
      for (Index t = 0; t < frames; ++t) brute.segment(t * hop, n) += w.cwiseAbs2();
      envelope.prepare(frames);
      INFO("n " << n << " hop " << hop << " frames " << frames);
      for (Index begin = 0; begin < length; begin += std::max<Index>(1, length / 7)) {
        const Index end = std::min(length, begin + 1 + (length - begin) / 2);
        CHECK(envelope.min(begin, end) == Approx(brute.segment(begin, end - begin).minCoeff()).epsilon(1e-12));
        Signal<TestType> y = Signal<TestType>::Ones(end - begin);
        envelope.normalize(y.data(), begin, y.size());
        const Signal<double> want = brute.segment(begin, end - begin).cwiseInverse();
        CHECK(test::rel_error(y, want) <= (std::is_same_v<TestType, float> ? 1e-7 : 1e-14));
      }
      CHECK(envelope.first_below_threshold(0, length) == -1);
    }
  }
}

TEST_CASE("the NOLA check finds the first vanishing sample", "[nola]") {
  Signal<double> w = Signal<double>::Ones(8);
  w[0] = 0;
  detail::WindowEnvelope<double> envelope(w, 8);  // no overlap: every 8th sample has a zero envelope
  envelope.prepare(4);
  CHECK(envelope.first_below_threshold(0, 32) == 0);
  CHECK(envelope.first_below_threshold(1, 32) == 8);
  CHECK(envelope.first_below_threshold(1, 8) == -1);
  CHECK(envelope.min(1, 8) == 1.0);
  CHECK(envelope.min(5, 5) == std::numeric_limits<double>::infinity());
}
