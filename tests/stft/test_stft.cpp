// SPDX-License-Identifier: MIT
// Forward STFT: every golden case (torchaudio and torch.stft), both backends, float and double;
// the API forms (object, free function, deduced scalar, batch) and the one/two-sided relation.

#include <vector>

#include <specinv/stft.hpp>

#include "../support/catch.hpp"
#include "../support/golden.hpp"

using namespace specinv;

namespace {

/// Both golden STFT sections, with the flag saying whether the calls are torchaudio's.
std::vector<test::StftCase> all_stft_cases() {
  std::vector<test::StftCase> cases;
  for (const auto& c : test::golden_cases()["sections"]["stft"]) cases.push_back(test::parse_stft_case(c, true));
  for (const auto& c : test::golden_cases()["sections"]["stft_torch"]) cases.push_back(test::parse_stft_case(c, false));
  return cases;
}

}  // namespace

TEMPLATE_TEST_CASE("stft equals torchaudio.spectrogram / torch.stft (golden stft/)", "[stft][golden]",
                        SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const auto cases = all_stft_cases();
  REQUIRE(cases.size() == 51);
  double worst = 0;
  for (const auto& c : cases) {
    const Signal<T> x = test::load_vector(test::golden(c.signal)).cast<T>();
    const Eigen::MatrixXcd expected = test::load_complex(test::golden(c.stft));
    Stft<T, Backend> s(c.params);
    const Spectrogram<T> got = s.forward(x);
    INFO(TestType::name() << " " << c.id);
    REQUIRE(got.rows() == expected.rows());
    REQUIRE(got.cols() == expected.cols());
    const double err = test::rel_error(got, expected);
    worst = std::max(worst, err);
    CHECK(err <= test::tol<T>());
    if (!c.window_file.empty()) {
      // The window the object applies is the golden torch window, zero-padded and centred.
      const Eigen::VectorXd w = test::load_vector(test::golden(c.window_file));
      const Index left = (s.n_fft() - w.size()) / 2;
      CHECK(test::rel_error(s.window().segment(left, w.size()).eval(), w) <= test::tol<T>());
      CHECK(s.window().head(left).isZero(0));
      CHECK(s.window().tail(s.n_fft() - left - w.size()).isZero(0));
    }
  }
  WARN(TestType::name() << ": worst relative error over 51 golden STFTs = " << worst);
}

TEMPLATE_TEST_CASE("free functions, deduced scalar and Stft object agree", "[stft]", float, double) {
  const auto c = test::parse_stft_case(test::golden_cases()["sections"]["stft"][6], true);  // c03: hamming 400 in 512
  const Signal<TestType> x = test::load_vector(test::golden(c.signal)).cast<TestType>();
  const Spectrogram<TestType> a = stft<TestType>(x, c.params);
  const Spectrogram<TestType> b = stft(x, c.params);                  // scalar deduced
  const Spectrogram<TestType> d = stft(x.head(x.size()), c.params);   // any vector expression
  Stft<TestType> object(c.params);
  Spectrogram<TestType> e(object.n_freqs(), object.n_frames(x.size()));
  object.forward(x, e);
  object.forward(x, e);  // reuse: the same result again
  CHECK(a == b);
  CHECK(a == d);
  CHECK(a == e);
  CHECK(object.hop_length() == 100);
  CHECK(object.win_length() == 400);
  CHECK(object.n_freqs() == 257);
}

TEMPLATE_TEST_CASE("two-sided spectra are the one-sided ones plus their conjugate mirror", "[stft]",
                        SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const Signal<T> x = test::load_vector(test::golden("signals/twotone_noise.npy")).cast<T>();
  for (int n : {255, 256}) {
    StftParams p;
    p.n_fft = n;
    p.hop_length = 64;
    Stft<T, Backend> one(p);
    p.onesided = false;
    Stft<T, Backend> two(p);
    const Spectrogram<T> s1 = one.forward(x), s2 = two.forward(x);
    REQUIRE(s2.rows() == n);
    CHECK(s2.topRows(n / 2 + 1) == s1);
    for (Index k = n / 2 + 1; k < n; ++k) CHECK(s2.row(k) == s2.row(n - k).conjugate());
  }
}

TEMPLATE_TEST_CASE("batched stft equals the stft of each signal", "[stft][batch]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  const char* names[] = {"signals/chirp.npy", "signals/twotone_noise.npy", "signals/impulses.npy"};
  SignalBatch<T> x(4001, 3);
  for (Index b = 0; b < 3; ++b) {
    const Signal<T> s = test::load_vector(test::golden(names[b])).cast<T>();
    for (Index i = 0; i < s.size(); ++i) x(i, b) = s[i];
  }
  Stft<T, Backend> object(p);
  const SpectrogramBatch<T> batch = object.forward(x);
  const SpectrogramBatch<T> free_batch = stft<T, Backend>(x, p);
  REQUIRE(batch.dimension(0) == 257);
  REQUIRE(batch.dimension(1) == 32);
  REQUIRE(batch.dimension(2) == 3);
  for (Index b = 0; b < 3; ++b) {
    const Spectrogram<T> single = object.forward(Eigen::Map<const Signal<T>>(x.data() + b * 4001, 4001));
    const Eigen::Map<const Spectrogram<T>> slice(batch.data() + b * 257 * 32, 257, 32);
    const Eigen::Map<const Spectrogram<T>> free_slice(free_batch.data() + b * 257 * 32, 257, 32);
    CHECK(single == slice);
    CHECK(single == free_slice);
  }
}

TEST_CASE("pad adds zeros before the transform, as torchaudio's spectrogram(pad=...)", "[stft]") {
  const Signal<double> x = test::load_vector(test::golden("signals/chirp.npy"));
  StftParams p;
  p.n_fft = 256;
  p.hop_length = 64;
  p.pad = 37;
  Signal<double> padded = Signal<double>::Zero(x.size() + 74);
  padded.segment(37, x.size()) = x;
  StftParams q = p;
  q.pad = 0;
  CHECK(test::rel_error(stft(x, p), stft(padded, q)) <= 1e-15);
}

TEST_CASE("n_frames follows torch: 1 + (padded - n_fft) / hop", "[stft][frames]") {
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  CHECK(n_frames(4001, p) == 1 + (4001 + 512 - 512) / 128);
  p.center = false;
  CHECK(n_frames(4001, p) == 1 + (4001 - 512) / 128);
  CHECK(n_frames(512, p) == 1);
  p.pad = 10;
  CHECK(n_frames(492, p) == 1);
  CHECK(istft_length(32, p) == 512 + 31 * 128);
  p.center = true;
  CHECK(istft_length(32, p) == 31 * 128);
  CHECK(istft_length(32, p, 4001) == 4001);
}

TEMPLATE_TEST_CASE("Stft objects move, in containers too", "[stft]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const Signal<T> x = test::load_vector(test::golden("signals/chirp.npy")).cast<T>();
  std::vector<Stft<T, Backend>> objects;
  std::vector<Spectrogram<T>> expected;
  for (int n : {128, 256, 384, 512, 640}) {
    StftParams p;
    p.n_fft = n;
    p.hop_length = n / 4;
    objects.emplace_back(p);  // the vector grows: earlier objects are moved
    expected.push_back(Stft<T, Backend>(p).forward(x));
  }
  for (std::size_t i = 0; i < objects.size(); ++i) CHECK(objects[i].forward(x) == expected[i]);
  objects[0] = std::move(objects[4]);
  CHECK(objects[0].forward(x) == expected[4]);
  CHECK(test::rel_error(objects[0].inverse(expected[4], x.size()), x) <= test::tol<T>());
}
