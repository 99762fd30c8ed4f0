// SPDX-License-Identifier: MIT
// Bad input: every refusal is a specinv::invalid_argument whose message names the parameter and
// the value given.

#include <limits>

#include <specinv/stft.hpp>

#include "../support/catch.hpp"

using namespace specinv;

namespace {
StftParams base() {
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  return p;
}
}  // namespace

TEST_CASE("invalid StftParams are refused, naming the field and value", "[stft][errors]") {
  auto refuses = [](StftParams p, const std::string& text) {
    INFO(text);
    CHECK_THROWS_MATCHES(p.validate(), specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(Stft<double>(p), specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(stft(Signal<double>::Ones(4000).eval(), p), specinv::invalid_argument, test::Mentions(text));
  };
  StftParams p = base();
  p.n_fft = 0;
  refuses(p, "StftParams: n_fft = 0; expected n_fft >= 1");
  p.n_fft = -8;
  refuses(p, "n_fft = -8");
  p = base();
  p.hop_length = -1;
  refuses(p, "StftParams: hop_length = -1");
  p = base();
  p.n_fft = 2;
  p.hop_length = 0;  // the default n_fft / 4 would be 0
  refuses(p, "hop_length = 0; expected hop_length >= 1");
  p = base();
  p.win_length = 513;
  refuses(p, "win_length = 513; expected 1 <= win_length <= n_fft = 512");
  p.win_length = -3;
  refuses(p, "win_length = -3");
  p = base();
  p.custom_window = Signal<double>::Ones(500);
  refuses(p, "custom_window.size() = 500; expected win_length = 512");
  p.win_length = 400;
  p.custom_window = Signal<double>::Ones(512);
  refuses(p, "custom_window.size() = 512; expected win_length = 400");
  p.custom_window = Signal<double>::Ones(400);
  p.custom_window[7] = std::numeric_limits<double>::quiet_NaN();
  refuses(p, "custom_window");
  p = base();
  p.window = WindowKind::kaiser;
  p.kaiser_beta = -2;
  refuses(p, "kaiser_beta = -2");
  p.kaiser_beta = 701;
  refuses(p, "kaiser_beta = 701");
  p = base();
  p.window = static_cast<WindowKind>(17);
  refuses(p, "window = 17");
  p = base();
  p.pad = -1;
  refuses(p, "pad = -1");
  p = base();
  p.pad_mode = static_cast<PadMode>(9);
  refuses(p, "pad_mode = 9");
  p = base();
  p.normalized = static_cast<Normalization>(5);
  refuses(p, "normalized = 5");
}

TEMPLATE_TEST_CASE("bad signals are refused, naming the parameter", "[stft][errors]", float, double) {
  Stft<TestType> object(base());
  CHECK_THROWS_MATCHES(object.forward(Signal<TestType>()), specinv::invalid_argument,
                       test::Mentions("signal length = 0; expected at least 1 sample"));
  // Reflect padding of n_fft / 2 = 256 needs more than 256 samples (torch: "Padding size should be
  // less than the corresponding input dimension").
  CHECK_THROWS_MATCHES(object.forward(Signal<TestType>::Ones(256)), specinv::invalid_argument,
                       test::Mentions("signal length = 256; expected more than n_fft / 2 = 256"));
  CHECK_NOTHROW(object.forward(Signal<TestType>::Ones(257)));
  StftParams circular = base();
  circular.pad_mode = PadMode::circular;
  CHECK_THROWS_MATCHES(Stft<TestType>(circular).forward(Signal<TestType>::Ones(255)), specinv::invalid_argument,
                       test::Mentions("signal length = 255"));
  StftParams no_center = base();
  no_center.center = false;
  CHECK_THROWS_MATCHES(Stft<TestType>(no_center).forward(Signal<TestType>::Ones(511)), specinv::invalid_argument,
                       test::Mentions("signal length = 511; expected a padded length of at least n_fft = 512"));
  for (TestType bad : {std::numeric_limits<TestType>::quiet_NaN(), std::numeric_limits<TestType>::infinity(),
                       -std::numeric_limits<TestType>::infinity()}) {
    Signal<TestType> x = Signal<TestType>::Ones(4000);
    x[1234] = bad;
    CHECK_THROWS_MATCHES(object.forward(x), specinv::invalid_argument, test::Mentions("x = a signal with NaN or Inf"));
  }
  Spectrogram<TestType> wrong(257, 3);
  CHECK_THROWS_MATCHES(object.forward(Signal<TestType>::Ones(4000), wrong), specinv::invalid_argument,
                       test::Mentions("out = 257 x 3; expected 257 x 32"));
}

TEMPLATE_TEST_CASE("bad spectrograms and lengths are refused by the inverse", "[istft][errors]", float, double) {
  Stft<TestType> object(base());
  const Spectrogram<TestType> s = object.forward(Signal<TestType>::Ones(4000));
  CHECK_THROWS_MATCHES(object.inverse(s.topRows(256).eval()), specinv::invalid_argument,
                       test::Mentions("spectrogram rows = 256; expected 257 frequency bins for n_fft = 512 one-sided"));
  StftParams two_sided = base();
  two_sided.onesided = false;
  CHECK_THROWS_MATCHES(istft(s, two_sided), specinv::invalid_argument,
                       test::Mentions("spectrogram rows = 257; expected 512 frequency bins for n_fft = 512 two-sided"));
  CHECK_THROWS_MATCHES(object.inverse(Spectrogram<TestType>(257, 0)), specinv::invalid_argument,
                       test::Mentions("frames = 0"));
  CHECK_THROWS_MATCHES(object.inverse(s, Index(-5)), specinv::invalid_argument, test::Mentions("length = -5; expected 0 <= length <= 2^48"));
  CHECK_THROWS_MATCHES(istft_length(10, base(), Index(-1)), specinv::invalid_argument, test::Mentions("length = -1"));
  // torch.istft raises where nothing would be returned (an empty envelope to check).
  CHECK_THROWS_MATCHES(object.inverse(s, Index(0)), specinv::invalid_argument,
                       test::Mentions("length = 0; expected length >= 1"));
  CHECK_THROWS_MATCHES(object.inverse(s.leftCols(1).eval()), specinv::invalid_argument,
                       test::Mentions("frames = 1; expected more frames"));
  Spectrogram<TestType> nan = s;
  nan(3, 4) = std::complex<TestType>(0, std::numeric_limits<TestType>::quiet_NaN());
  CHECK_THROWS_MATCHES(object.inverse(nan), specinv::invalid_argument, test::Mentions("spectrogram = values with NaN or Inf"));
  Signal<TestType> out(17);
  CHECK_THROWS_MATCHES(object.inverse(s, out, std::nullopt), specinv::invalid_argument, test::Mentions("out.size() = 17"));
  // torch.istft needs hop_length <= win_length.
  StftParams sparse = base();
  sparse.hop_length = 600;
  sparse.n_fft = 512;
  CHECK_THROWS_MATCHES(Stft<TestType>(sparse).inverse(s.leftCols(2).eval()), specinv::invalid_argument,
                       test::Mentions("hop_length = 600; expected hop_length <= win_length = 512"));
}

TEMPLATE_TEST_CASE("a window/hop pair that violates NOLA is refused, like torch", "[istft][errors]", float, double) {
  // Hann with center = false: the envelope is w[0]^2 = 0 at the first sample (golden c12).
  StftParams p = base();
  p.center = false;
  Stft<TestType> object(p);
  const Spectrogram<TestType> s = object.forward(Signal<TestType>::Ones(4000));
  CHECK_THROWS_MATCHES(object.inverse(s), specinv::invalid_argument,
                       test::Mentions("hop_length = 128") && test::Mentions("NOLA") && test::Mentions("at sample 0"));
  // A window of 256 inside n_fft 512, hop 300 > win_length is refused as such; hop 256 with a
  // bartlett window leaves zeros between frames.
  StftParams gaps = base();
  gaps.win_length = 256;
  gaps.hop_length = 256;
  gaps.window = WindowKind::bartlett;
  Stft<TestType> gappy(gaps);
  CHECK_THROWS_MATCHES(gappy.inverse(gappy.forward(Signal<TestType>::Ones(4000))), specinv::invalid_argument,
                       test::Mentions("NOLA"));
  // The same window with hop 128 is fine.
  gaps.hop_length = 128;
  CHECK_NOTHROW(istft(stft(Signal<TestType>::Ones(4000).eval(), gaps), gaps));
}

TEST_CASE("counts beyond 2^48 samples are refused before any arithmetic can overflow", "[stft][errors]") {
  // Found by fuzz_stft: these overflowed Index (signed overflow, undefined behaviour) before.
  constexpr Index huge = std::numeric_limits<Index>::max();
  StftParams p;
  p.n_fft = 16;
  CHECK_THROWS_MATCHES(n_frames(huge, p), specinv::invalid_argument,
                       test::Mentions("signal length = 9223372036854775807; expected at most 2^48 samples"));
  p.pad = 1 << 30;
  CHECK_THROWS_MATCHES(n_frames(huge - 10, p), specinv::invalid_argument, test::Mentions("signal length = "));
  CHECK_THROWS_MATCHES(istft_length(3, p, huge), specinv::invalid_argument,
                       test::Mentions("length = 9223372036854775807; expected 0 <= length <= 2^48"));
  p.pad = 0;
  CHECK_THROWS_MATCHES(istft_length(3725518901160948659, p), specinv::invalid_argument,
                       test::Mentions("frames = 3725518901160948659; expected at most 1 + (2^48 - n_fft) / hop_length"));
  CHECK(n_frames(Index(1) << 48, p) == 1 + (Index(1) << 48) / 4);  // the limit itself works
  CHECK(istft_length(1 + ((Index(1) << 48) - 16) / 4, p) == (Index(1) << 48) - 16);
}

TEMPLATE_TEST_CASE("the by-value inverse refuses hop_length > win_length before it allocates the output",
                   "[istft][errors]", float, double) {
  // Found by fuzz_stft: hop 2^31 - 1 asked for 2^31 * 8 samples (17 GB) first.
  StftParams p;
  p.n_fft = 16;
  p.hop_length = std::numeric_limits<int>::max();
  Stft<TestType> object(p);
  const Spectrogram<TestType> s = Spectrogram<TestType>::Ones(9, 9);
  CHECK_THROWS_MATCHES(object.inverse(s), specinv::invalid_argument,
                       test::Mentions("hop_length = 2147483647; expected hop_length <= win_length = 16"));
  CHECK_THROWS_MATCHES(istft(s, p), specinv::invalid_argument, test::Mentions("hop_length = 2147483647"));
}

TEMPLATE_TEST_CASE("normalized = window: an all-zero window is refused, a tiny one is exact", "[stft][errors]", float,
                   double) {
  // Found by fuzz_stft: 1 / ||w|| was Inf (zero window) or overflowed (||w|| underflowing), and
  // forward returned NaN for finite input.
  using T = TestType;
  StftParams p;
  p.n_fft = 8;
  p.hop_length = 2;
  p.normalized = Normalization::window;
  p.custom_window = Signal<double>::Zero(8);
  CHECK_THROWS_MATCHES(Stft<T>(p), specinv::invalid_argument,
                       test::Mentions("custom_window = all zeros; expected a window with non-zero values"));
  p.custom_window = Signal<double>::Constant(8, 1e-170);  // ||w||^2 underflows double
  const Signal<T> x = Signal<T>::LinSpaced(40, -1, 1);
  const Spectrogram<T> tiny = stft(x, p);
  p.custom_window = Signal<double>::Ones(8);  // the same window up to scale: the same spectrogram
  REQUIRE(tiny.allFinite());
  CHECK(test::rel_error(tiny, stft(x, p)) < test::tol<T>());
}
