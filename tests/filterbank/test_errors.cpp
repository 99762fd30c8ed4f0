// SPDX-License-Identifier: MIT
// Bad input to the filterbank layer: every refusal is a specinv::invalid_argument whose message
// names the parameter. No golden data needed.

#include <limits>
#include <string>

#include <specinv/filterbank/bark.hpp>
#include <specinv/filterbank/mel.hpp>

#include "../support/catch.hpp"

using namespace specinv;

namespace {
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();

StftParams stft_512() {
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  return p;
}
}  // namespace

TEST_CASE("mel_filterbank refuses each invalid argument, naming it", "[mel][errors]") {
  auto refuses = [](int n_freqs, double f_min, double f_max, int n_mels, int sample_rate, const std::string& text) {
    INFO(text);
    CHECK_THROWS_MATCHES(mel_filterbank<double>(n_freqs, f_min, f_max, n_mels, sample_rate),
                         specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(mel_filterbank<float>(n_freqs, f_min, f_max, n_mels, sample_rate, MelNorm::slaney,
                                               MelScale::slaney),
                         specinv::invalid_argument, test::Mentions(text));
  };
  refuses(201, 0.0, 8000.0, 0, 16000, "mel_filterbank: n_mels = 0");
  refuses(201, 0.0, 8000.0, -3, 16000, "n_mels = -3");
  refuses(0, 0.0, 8000.0, 40, 16000, "mel_filterbank: n_freqs = 0");
  refuses(-1, 0.0, 8000.0, 40, 16000, "n_freqs = -1");
  refuses(201, 0.0, 8000.0, 40, 0, "sample_rate = 0");
  refuses(201, 0.0, 8000.0, 40, -16000, "sample_rate = -16000");
  refuses(201, 4000.0, 4000.0, 40, 16000, "f_min = 4000; expected f_min < f_max = 4000");
  refuses(201, 5000.0, 4000.0, 40, 16000, "f_min = 5000");
  refuses(201, 0.0, 8000.5, 40, 16000, "f_max = 8000.5; expected f_max <= sample_rate / 2 = 8000");
  refuses(201, -1.0, 8000.0, 40, 16000, "f_min = -1");
  refuses(201, k_nan, 8000.0, 40, 16000, "f_min = nan");
  refuses(201, 0.0, k_nan, 40, 16000, "f_max = nan");
  refuses(201, 0.0, k_inf, 40, 16000, "f_max = inf");
  refuses(201, -k_inf, 8000.0, 40, 16000, "f_min = -inf");
  CHECK_THROWS_MATCHES(mel_filterbank<double>(201, 0.0, 8000.0, 40, 16000, MelNorm(7)), specinv::invalid_argument,
                       test::Mentions("norm = 7"));
  CHECK_THROWS_MATCHES(mel_filterbank<double>(201, 0.0, 8000.0, 40, 16000, MelNorm::none, MelScale(9)),
                       specinv::invalid_argument, test::Mentions("scale = 9"));
  // An odd sample rate's Nyquist frequency is allowed (torchaudio's bins stop at sample_rate // 2).
  CHECK_NOTHROW(mel_filterbank<double>(201, 0.0, 11025.0, 40, 22050));
  CHECK_NOTHROW(mel_filterbank<double>(201, 0.0, 7.5, 1, 15));
}

TEST_CASE("bark_filterbank refuses each invalid argument, naming it", "[bark][errors]") {
  auto refuses = [](int n_freqs, double f_min, double f_max, int n_barks, int sample_rate, const std::string& text) {
    INFO(text);
    CHECK_THROWS_MATCHES(bark_filterbank<double>(n_freqs, f_min, f_max, n_barks, sample_rate),
                         specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(bark_filterbank<float>(n_freqs, f_min, f_max, n_barks, sample_rate, BarkScale::wang),
                         specinv::invalid_argument, test::Mentions(text));
  };
  refuses(201, 0.0, 8000.0, 0, 16000, "bark_filterbank: n_barks = 0");
  refuses(0, 0.0, 8000.0, 40, 16000, "bark_filterbank: n_freqs = 0");
  refuses(201, 0.0, 8000.0, 40, 0, "sample_rate = 0");
  refuses(201, 8000.0, 8000.0, 40, 16000, "f_min = 8000");
  refuses(201, 0.0, 9000.0, 40, 16000, "f_max = 9000");
  refuses(201, -5.0, 8000.0, 40, 16000, "f_min = -5");
  refuses(201, k_nan, 8000.0, 40, 16000, "f_min = nan");
  refuses(201, 0.0, k_nan, 40, 16000, "f_max = nan");
  CHECK_THROWS_MATCHES(bark_filterbank<double>(201, 0.0, 8000.0, 40, 16000, BarkScale(5)), specinv::invalid_argument,
                       test::Mentions("scale = 5"));
}

TEST_CASE("MelParams and BarkParams refuse each invalid field, naming it", "[mel][bark][errors]") {
  auto mel_refuses = [](MelParams m, const std::string& text) {
    INFO(text);
    CHECK_THROWS_MATCHES(m.validate(), specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(MelSpectrogram<double>(stft_512(), m), specinv::invalid_argument, test::Mentions(text));
  };
  auto bark_refuses = [](BarkParams b, const std::string& text) {
    INFO(text);
    CHECK_THROWS_MATCHES(b.validate(), specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(BarkSpectrogram<double>(stft_512(), b), specinv::invalid_argument, test::Mentions(text));
  };
  CHECK_NOTHROW(MelParams().validate());
  CHECK_NOTHROW(BarkParams().validate());

  MelParams m;
  m.n_mels = 0;
  mel_refuses(m, "MelParams: n_mels = 0");
  m = MelParams();
  m.sample_rate = 0;
  mel_refuses(m, "MelParams: sample_rate = 0");
  m = MelParams();
  m.f_min = -1.0;
  mel_refuses(m, "MelParams: f_min = -1");
  m = MelParams();
  m.f_min = k_nan;
  mel_refuses(m, "f_min = nan");
  m = MelParams();
  m.f_max = k_nan;
  mel_refuses(m, "f_max = nan");
  m = MelParams();
  m.f_max = -100.0;
  mel_refuses(m, "f_max = -100");
  m = MelParams();
  m.f_max = 8001.0;
  mel_refuses(m, "f_max = 8001; expected f_max <= sample_rate / 2 = 8000");
  m = MelParams();
  m.f_min = 3000.0;
  m.f_max = 2000.0;
  mel_refuses(m, "f_min = 3000; expected f_min < f_max = 2000");
  m = MelParams();
  m.f_min = 8000.0;  // f_max = 0: sample_rate // 2 = 8000
  mel_refuses(m, "f_min = 8000; expected f_min < f_max = 8000 Hz (f_max = 0 means sample_rate // 2)");
  m = MelParams();
  m.norm = MelNorm(3);
  mel_refuses(m, "norm = 3");
  m = MelParams();
  m.mel_scale = MelScale(4);
  mel_refuses(m, "mel_scale = 4");

  BarkParams b;
  b.n_barks = -1;
  bark_refuses(b, "BarkParams: n_barks = -1");
  b = BarkParams();
  b.sample_rate = -8000;
  bark_refuses(b, "BarkParams: sample_rate = -8000");
  b = BarkParams();
  b.f_min = -0.5;
  bark_refuses(b, "f_min = -0.5");
  b = BarkParams();
  b.f_min = k_nan;
  bark_refuses(b, "f_min = nan");
  b = BarkParams();
  b.f_max = k_inf;
  bark_refuses(b, "f_max = inf");
  b = BarkParams();
  b.f_max = 8000.5;
  bark_refuses(b, "f_max = 8000.5");
  b = BarkParams();
  b.f_min = 5000.0;
  b.f_max = 5000.0;
  bark_refuses(b, "f_min = 5000");
  b = BarkParams();
  b.bark_scale = BarkScale(7);
  bark_refuses(b, "bark_scale = 7");
}

TEST_CASE("mel_spectrogram and bark_spectrogram refuse a bad power, a two-sided STFT, bad STFT params",
          "[mel][bark][errors]") {
  const Signal<double> x = Signal<double>::Ones(4000);
  const MelParams m;
  const BarkParams b;
  auto refuses = [&](const StftParams& p, double power, const std::string& text) {
    INFO(text << " power " << power);
    CHECK_THROWS_MATCHES(mel_spectrogram<double>(x, p, m, power), specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(MelSpectrogram<float>(p, m, power), specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(bark_spectrogram<double>(x, p, b, power), specinv::invalid_argument, test::Mentions(text));
    CHECK_THROWS_MATCHES(BarkSpectrogram<float>(p, b, power), specinv::invalid_argument, test::Mentions(text));
  };
  refuses(stft_512(), 0.0, "power = 0");
  refuses(stft_512(), -1.0, "power = -1");
  refuses(stft_512(), k_nan, "power = nan");
  refuses(stft_512(), k_inf, "power = inf");
  StftParams two_sided = stft_512();
  two_sided.onesided = false;
  refuses(two_sided, 2.0, "onesided = false");
  StftParams bad = stft_512();
  bad.n_fft = 0;
  refuses(bad, 2.0, "n_fft = 0");
  CHECK_THROWS_MATCHES(mel_spectrogram<double>(x, two_sided, m), specinv::invalid_argument,
                       test::Mentions("MelSpectrogram: onesided = false"));
  CHECK_THROWS_MATCHES(bark_spectrogram<double>(x, two_sided, b), specinv::invalid_argument,
                       test::Mentions("BarkSpectrogram: onesided = false"));
}

TEST_CASE("MelSpectrogram refuses a wrongly sized output and a bad signal", "[mel][errors]") {
  MelParams m;
  m.n_mels = 40;
  MelSpectrogram<double> mel(stft_512(), m);
  const Signal<double> x = Signal<double>::Ones(4000);
  Magnitude<double> wrong(39, mel.n_frames(x.size()));
  CHECK_THROWS_MATCHES(mel(x, wrong), specinv::invalid_argument, test::Mentions("MelSpectrogram: out = 39 x 32"));
  Magnitude<double> wrong_frames(40, 3);
  CHECK_THROWS_MATCHES(mel(x, wrong_frames), specinv::invalid_argument, test::Mentions("expected 40 x 32"));
  Signal<double> with_nan = x;
  with_nan[17] = k_nan;
  CHECK_THROWS_MATCHES(mel(with_nan), specinv::invalid_argument, test::Mentions("x = a signal with NaN or Inf"));
  CHECK_THROWS_AS(mel(Signal<double>::Ones(10).eval()), specinv::invalid_argument);  // too short to reflect-pad
}

// InverseFilterbank errors are tested in test_inverse.cpp
