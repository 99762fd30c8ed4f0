// SPDX-License-Identifier: MIT
// Inverse STFT: every golden case with and without `length`, the NOLA refusal of c12, the `pad`
// argument of torchaudio's inverse_spectrogram, and the batched form.

#include <specinv/stft.hpp>

#include "../support/catch.hpp"
#include "../support/golden.hpp"

using namespace specinv;

TEMPLATE_TEST_CASE("istft equals torchaudio.inverse_spectrogram / torch.istft (golden istft/)",
                        "[istft][golden]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  int checked = 0, refused = 0;
  double worst = 0;
  for (const char* section : {"stft", "stft_torch"}) {
    for (const auto& json : test::golden_cases()["sections"][section]) {
      const test::StftCase c = test::parse_stft_case(json, std::string(section) == "stft");
      const Spectrogram<T> s = test::load_complex(test::golden(c.stft)).cast<std::complex<T>>();
      Stft<T, Backend> object(c.params);
      INFO(TestType::name() << " " << c.id);
      if (c.istft_nolen.empty()) {
        // c12: hann with center = false has a zero envelope at sample 0; torch raises.
        CHECK_THROWS_MATCHES(object.inverse(s), specinv::invalid_argument, test::Mentions("NOLA"));
        CHECK_THROWS_MATCHES(object.inverse(s, Index(4001)), specinv::invalid_argument,
                             test::Mentions("hop_length = 256"));
        ++refused;
        continue;
      }
      const Eigen::VectorXd nolen = test::load_vector(test::golden(c.istft_nolen));
      const Eigen::VectorXd len = test::load_vector(test::golden(c.istft_len));
      const Signal<T> got_nolen = object.inverse(s);
      const Signal<T> got_len = object.inverse(s, Index(4001));
      const Signal<T> free_len = istft<T, Backend>(s, c.params, Index(4001));
      REQUIRE(got_nolen.size() == nolen.size());
      REQUIRE(got_len.size() == len.size());
      CHECK(object.output_length(s.cols()) == nolen.size());
      worst = std::max({worst, test::rel_error(got_nolen, nolen), test::rel_error(got_len, len)});
      CHECK(test::rel_error(got_nolen, nolen) <= test::tol<T>());
      CHECK(test::rel_error(got_len, len) <= test::tol<T>());
      CHECK(free_len == got_len);
      ++checked;
    }
  }
  CHECK(checked == 48);
  CHECK(refused == 3);
  WARN(TestType::name() << ": worst relative error over 96 golden iSTFTs = " << worst);
}

TEMPLATE_TEST_CASE("length pads with zeros past the last frame and trims before it", "[istft]",
                        SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const Signal<T> x = test::load_vector(test::golden("signals/twotone_noise.npy")).cast<T>();
  StftParams p;
  p.n_fft = 256;
  p.hop_length = 64;
  p.window = WindowKind::hamming;
  p.center = false;
  Stft<T, Backend> object(p);
  const Spectrogram<T> s = object.forward(x);
  const Index covered = 256 + 64 * (s.cols() - 1);
  const Signal<T> longer = object.inverse(s, covered + 100);
  CHECK(longer.tail(100).isZero(0));
  CHECK(test::rel_error(longer.head(covered).eval(), x.head(covered).eval()) <= test::tol<T>());
  const Signal<T> shorter = object.inverse(s, Index(1000));
  CHECK(test::rel_error(shorter, longer.head(1000).eval()) <= test::tol<T>() / 1000);
  // torch.istft raises when nothing would be returned; so does specinv.
  CHECK_THROWS_MATCHES(object.inverse(s, Index(0)), specinv::invalid_argument, test::Mentions("length = 0"));
}

TEMPLATE_TEST_CASE("pad: torchaudio removes it only when a length is given", "[istft]", float, double) {
  const Signal<TestType> x = test::load_vector(test::golden("signals/chirp.npy")).cast<TestType>();
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  p.pad = 50;
  const Spectrogram<TestType> s = stft(x, p);
  // With a length: the original signal, exactly as torchaudio.inverse_spectrogram(length=N, pad=50).
  const Signal<TestType> y = istft(s, p, x.size());
  CHECK(test::rel_error(y, x) <= test::tol<TestType>());
  // Without: torch.istft's own output, which still holds the 50 padding zeros at the front.
  const Signal<TestType> z = istft(s, p);
  CHECK(z.size() == 128 * (s.cols() - 1));
  CHECK(z.head(50).cwiseAbs().maxCoeff() <= TestType(1e3) * std::numeric_limits<TestType>::epsilon());
  CHECK(test::rel_error(z.segment(50, 3000).eval(), x.head(3000).eval()) <= test::tol<TestType>());
}

TEMPLATE_TEST_CASE("batched istft equals the istft of each spectrogram", "[istft][batch]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  StftParams p;
  p.n_fft = 400;
  p.hop_length = 100;
  SpectrogramBatch<T> s(201, 20, 2);
  for (Index i = 0; i < s.size(); ++i)
    s.data()[i] = std::complex<T>(T(std::sin(0.1 * double(i))), T(std::cos(0.37 * double(i))));
  Stft<T, Backend> object(p);
  const SignalBatch<T> y = object.inverse(s, Index(1234));
  const SignalBatch<T> free_y = istft<T, Backend>(s, p, Index(1234));
  REQUIRE(y.dimension(0) == 1234);
  REQUIRE(y.dimension(1) == 2);
  for (Index b = 0; b < 2; ++b) {
    const Signal<T> single = object.inverse(Eigen::Map<const Spectrogram<T>>(s.data() + b * 201 * 20, 201, 20), Index(1234));
    CHECK(single == Eigen::Map<const Signal<T>>(y.data() + b * 1234, 1234));
    CHECK(single == Eigen::Map<const Signal<T>>(free_y.data() + b * 1234, 1234));
  }
}

TEMPLATE_TEST_CASE("istft(stft(X)) projects: a consistent spectrogram is a fixed point", "[istft]",
                        SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const Signal<T> x = test::load_vector(test::golden("signals/gla_mix.npy")).cast<T>();
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  Stft<T, Backend> object(p);
  const Spectrogram<T> s = object.forward(x);
  const Spectrogram<T> again = object.forward(object.inverse(s, x.size()));
  CHECK(test::rel_error(again, s) <= test::tol<T>());
}
