// SPDX-License-Identifier: MIT
// Mel filterbanks and the mel spectrogram: every golden melscale_fbanks case (mel/), the empty
// filter report (warning hook and inspect_filterbank), Hz <-> mel round trips, and
// mel_spectrogram against torchaudio's (invmel/melspec.npy) and against fb^T |S|^power by hand.

#include <algorithm>
#include <string>
#include <vector>

#include <specinv/filterbank/mel.hpp>
#include <specinv/stft.hpp>

#include "../support/catch.hpp"
#include "../support/golden.hpp"
#include "../support/warnings.hpp"

using namespace specinv;

namespace {

MelNorm parse_norm(const nlohmann::json& j) { return j.is_null() ? MelNorm::none : MelNorm::slaney; }
MelScale parse_mel_scale(const std::string& s) { return s == "slaney" ? MelScale::slaney : MelScale::htk; }

/// The STFT of golden section (vi): n_fft 512, hop 128, periodic Hann 512, centred, reflect.
StftParams invmel_stft() {
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  p.win_length = 512;
  p.window = WindowKind::hann;
  p.center = true;
  p.pad_mode = PadMode::reflect;
  return p;
}

/// melscale_fbanks(257, 0.0, 8000.0, 64, 16000, None, 'htk') as MelParams.
MelParams invmel_mel() {
  MelParams m;
  m.sample_rate = 16000;
  m.n_mels = 64;
  m.f_min = 0.0;
  m.f_max = 8000.0;
  m.norm = MelNorm::none;
  m.mel_scale = MelScale::htk;
  return m;
}

}  // namespace

TEMPLATE_TEST_CASE("mel_filterbank equals torchaudio melscale_fbanks (golden mel/)", "[mel][golden]", float,
                   double) {
  const auto& cases = test::golden_cases()["sections"]["mel"];
  REQUIRE(cases.size() == 13);
  double worst = 0;
  for (const auto& c : cases) {
    const std::string id = c.at("id");
    INFO(id << " " << c.at("call").get<std::string>());
    const Eigen::MatrixXd expected = test::load_real(test::golden(c.at("file")));
    test::CaptureWarnings capture;
    const Magnitude<TestType> fb =
        mel_filterbank<TestType>(c.at("n_freqs"), c.at("f_min"), c.at("f_max"), c.at("n_mels"), c.at("sample_rate"),
                                 parse_norm(c.at("norm")), parse_mel_scale(c.at("mel_scale")));
    REQUIRE(fb.rows() == expected.rows());
    REQUIRE(fb.cols() == expected.cols());
    const double err = test::rel_error(fb, expected);
    worst = std::max(worst, err);
    CHECK(err <= test::tol<TestType>());
    CHECK(fb.minCoeff() >= TestType(0));

    const int empty = c.at("all_zero_filters");
    const FilterbankInfo info = inspect_filterbank(fb);
    CHECK(info.empty_filters.size() == std::size_t(empty));
    CHECK(info.ok() == (empty == 0));
    for (Index j : info.empty_filters) CHECK(expected.col(j).isZero(0));
    if (empty == 0) {
      CHECK(capture.messages().empty());
    } else {
      REQUIRE(capture.messages().size() == 1);
      CHECK(capture.messages()[0].find("`n_mels` (128)") != std::string::npos);
      CHECK(capture.messages()[0] == c.at("warning").get<std::string>());  // torchaudio's exact wording
    }
  }
  WARN((std::is_same_v<TestType, float> ? "float" : "double")
       << ": worst relative error over 13 golden mel filterbanks = " << worst);
}

TEST_CASE("the empty mel filters of m13 are the lowest ones, and the warning can be silenced", "[mel]") {
  const Magnitude<double> fb = [] {
    const WarningHandler previous = set_warning_handler(nullptr);
    auto made = mel_filterbank<double>(201, 0.0, 8000.0, 128, 16000);
    CHECK(warning_handler() == nullptr);
    set_warning_handler(previous);
    return made;
  }();
  const FilterbankInfo info = inspect_filterbank<double>(fb);
  REQUIRE(info.empty_filters.size() == 4);
  CHECK(std::is_sorted(info.empty_filters.begin(), info.empty_filters.end()));
  CHECK(info.empty_filters.back() < 20);  // narrow low-frequency triangles fall between bins
  CHECK(warning_handler() == &default_warning_handler);
}

TEST_CASE("inspect_filterbank lists exactly the all-zero columns", "[mel]") {
  Eigen::MatrixXd fb = Eigen::MatrixXd::Zero(5, 4);
  fb(2, 1) = 0.5;
  fb(0, 3) = -1.0;  // not zero, so not empty
  const FilterbankInfo info = inspect_filterbank(fb);
  CHECK(info.empty_filters == std::vector<Index>{0, 2});
  CHECK_FALSE(info.ok());
  CHECK(inspect_filterbank(Eigen::MatrixXf::Ones(3, 2).eval()).ok());
}

TEST_CASE("hz_to_mel and mel_to_hz are inverse and hit the defining points", "[mel]") {
  for (MelScale scale : {MelScale::htk, MelScale::slaney}) {
    for (double hz : {0.0, 1.0, 60.0, 440.0, 999.9, 1000.0, 1000.1, 4000.0, 8000.0, 11025.0, 22050.0}) {
      INFO(to_string(scale) << " " << hz << " Hz");
      CHECK(mel_to_hz(hz_to_mel(hz, scale), scale) == Approx(hz).epsilon(1e-13).margin(1e-12));
    }
    for (double mel : {0.0, 5.0, 14.99, 15.0, 15.01, 40.0, 1000.0, 2840.0}) {
      INFO(to_string(scale) << " " << mel << " mel");
      CHECK(hz_to_mel(mel_to_hz(mel, scale), scale) == Approx(mel).epsilon(1e-13).margin(1e-12));
    }
  }
  CHECK(hz_to_mel(700.0, MelScale::htk) == Approx(2595.0 * std::log10(2.0)).epsilon(1e-15));
  CHECK(hz_to_mel(1000.0, MelScale::slaney) == Approx(15.0).epsilon(1e-15));
  CHECK(hz_to_mel(500.0, MelScale::slaney) == Approx(7.5).epsilon(1e-15));
  CHECK(mel_to_hz(15.0 + 27.0, MelScale::slaney) == Approx(6400.0).epsilon(1e-14));  // 27 mel per factor 6.4
  CHECK(std::string(to_string(MelScale::slaney)) == "slaney");
  CHECK(std::string(to_string(MelNorm::none)) == "none");
}

TEST_CASE("detail::linspace is torch.linspace: halves counted from each end, vectors by arange", "[mel]") {
  const Eigen::VectorXd a = detail::linspace(0.0, 8000.0, 201);
  CHECK(a[0] == 0.0);
  CHECK(a[200] == 8000.0);
  CHECK(a[100] == 8000.0 - 40.0 * 100);
  CHECK(detail::linspace(3.0, 7.0, 1).size() == 1);
  CHECK(detail::linspace(3.0, 7.0, 1)[0] == 3.0);
  // Fewer points than one block of two vectors: torch's scalar formula throughout.
  const Eigen::VectorXd b = detail::linspace(0.1, 0.7, 7);
  const double step = (0.7 - 0.1) / 6;
  CHECK(b[0] == 0.1);
  CHECK(b[2] == 0.1 + step * 2);
  CHECK(b[4] == 0.7 - step * 2);
  CHECK(b[6] == 0.7);
  // 19 points: two vectors of 4 from points 0 and 4, two from 8 and 12, then 16..18 by formula.
  const Eigen::VectorXd c = detail::linspace(0.1, 0.7, 19);
  const double s = (0.7 - 0.1) / 18;
  CHECK(c[5] == (0.1 + s * 4) + 1.0 * s);
  CHECK(c[11] == (0.1 + s * 8) + 3.0 * s);   // the vector from point 8 < 19 / 2 counts up from start
  CHECK(c[15] == (0.7 - s * 6) + 3.0 * s);   // the one from point 12 down from end
  CHECK(c[17] == 0.7 - s * 1);
  CHECK(c[18] == 0.7);
}

TEMPLATE_TEST_CASE("mel_spectrogram equals torchaudio MelSpectrogram (golden invmel/melspec.npy)",
                   "[mel][golden]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  const Signal<T> x = test::load_vector(test::golden("signals/twotone_noise.npy")).cast<T>();
  const Eigen::MatrixXd expected = test::load_real(test::golden("invmel/melspec.npy"));
  const Eigen::MatrixXd expected_fb = test::load_real(test::golden("invmel/fb.npy"));
  MelSpectrogram<T, Backend> mel(invmel_stft(), invmel_mel(), 2.0);
  INFO(TestType::name());
  CHECK(test::rel_error(mel.filterbank(), expected_fb) <= test::tol<T>());
  const Magnitude<T> got = mel(x);
  REQUIRE(got.rows() == 64);
  REQUIRE(got.cols() == expected.cols());
  CHECK(mel.n_mels() == 64);
  CHECK(mel.n_frames(x.size()) == expected.cols());
  const double err = test::rel_error(got, expected);
  CHECK(err <= test::tol<T>());
  WARN(TestType::name() << ": mel_spectrogram relative error vs torchaudio = " << err);

  // The free function, and f_max = 0 meaning sample_rate // 2, give the same.
  MelParams sentinel = invmel_mel();
  sentinel.f_max = 0.0;
  CHECK(mel_spectrogram<T, Backend>(x, invmel_stft(), sentinel) == got);
}

TEMPLATE_TEST_CASE("mel_spectrogram is fb^T |S|^power for power 1, 2 and others", "[mel]", float, double) {
  using T = TestType;
  const Signal<T> x = test::load_vector(test::golden("signals/chirp.npy")).cast<T>();
  StftParams p = invmel_stft();
  p.hop_length = 100;
  p.win_length = 400;
  p.window = WindowKind::hamming;
  MelParams m;
  m.sample_rate = 22050;
  m.n_mels = 80;
  m.f_min = 50.0;
  m.f_max = 10000.0;
  m.norm = MelNorm::slaney;
  m.mel_scale = MelScale::slaney;
  const Spectrogram<T> s = stft<T>(x, p);
  const Magnitude<T> fb = mel_filterbank<T>(257, 50.0, 10000.0, 80, 22050, MelNorm::slaney, MelScale::slaney);
  for (double power : {1.0, 2.0, 0.5, 3.0}) {
    INFO("power " << power);
    const Magnitude<T> by_hand = fb.transpose() * s.cwiseAbs().array().pow(T(power)).matrix();
    const Magnitude<T> got = mel_spectrogram<T>(x, p, m, power);
    CHECK(test::rel_error(got, by_hand) <= (std::is_same_v<T, float> ? 1e-5 : 1e-13));
  }
}

TEMPLATE_TEST_CASE("MelSpectrogram into caller storage equals the by-value form, call after call", "[mel]", float,
                   double) {
  using T = TestType;
  const Signal<T> x = test::load_vector(test::golden("signals/impulses.npy")).cast<T>();
  MelSpectrogram<T> mel(invmel_stft(), invmel_mel(), 1.0);
  const Magnitude<T> by_value = mel(x);
  Magnitude<T> out(mel.n_mels(), mel.n_frames(x.size()));
  mel(x, out);
  CHECK(out == by_value);
  out.setConstant(T(-1));
  mel(x, out);  // warm: the same again
  CHECK(out == by_value);
  // A shorter signal (other frame count), then the first again.
  const Signal<T> head = x.head(2000);
  Magnitude<T> short_out(mel.n_mels(), mel.n_frames(head.size()));
  mel(head, short_out);
  CHECK(short_out == mel(head));
  mel(x, out);
  CHECK(out == by_value);
  CHECK(mel.filterbank().rows() == 257);
  CHECK(mel.params().n_mels == 64);
  CHECK(mel.stft_params().n_fft == 512);
  CHECK(mel.power() == 1.0);
}
