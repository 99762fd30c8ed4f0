// SPDX-License-Identifier: MIT
// StreamingReconstructor and rtpghi: the stream equals the offline rtpghi / rtisi_la output
// delayed by latency(), RTPGHI's quality on the corpus, real-time safety (no allocation, Eigen's
// no-malloc mode, noexcept), reset, and bad input.

#include "../support/allocation_counter.hpp"  // first: it replaces malloc for this binary

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <specinv/phase.hpp>
#include <specinv/streaming.hpp>

#include "../support/catch.hpp"
#include "../support/corpus.hpp"
#include "../support/phase.hpp"

using specinv::Magnitude;
using specinv::PushStatus;
using specinv::Signal;
using specinv::StftParams;
using specinv::StreamAlgorithm;
using specinv::StreamingParams;
using specinv::StreamingReconstructor;

namespace {

/// Pushes every frame of `mag` (then `extra` silent frames) and collects every pop.
template <class T>
Signal<T> stream(StreamingReconstructor<T>& s, const Magnitude<T>& mag, Eigen::Index extra = 0) {
  const Eigen::Index hop = s.hop_length();
  Signal<T> out(hop * (mag.cols() + extra));
  const Signal<T> silence = Signal<T>::Zero(mag.rows());
  for (Eigen::Index j = 0; j < mag.cols() + extra; ++j) {
    const PushStatus status = j < mag.cols() ? s.push(mag.col(j).data(), mag.rows()) : s.push(silence);
    REQUIRE(status == PushStatus::accepted);
    REQUIRE(s.pop(out.data() + j * hop) == hop);
  }
  return out;
}

/// The offline reconstruction the stream must reproduce.
template <class T>
Signal<T> offline(const Magnitude<T>& mag, const StftParams& stft, const StreamingParams& p) {
  if (p.algorithm == StreamAlgorithm::rtpghi) return specinv::rtpghi(mag, stft, p.rtpghi_params()).signal;
  return specinv::rtisi_la(mag, stft, p.rtisi_la_params()).signal;
}

/// max |stream[i] - offline[i - latency]| / max |offline| over the samples whose frames the
/// stream has committed (frames up to frames - 1 - look_ahead).
template <class T>
double stream_error(const Magnitude<T>& mag, const StftParams& stft, const StreamingParams& p) {
  StreamingReconstructor<T> s(stft, p);
  const Signal<T> streamed = stream(s, mag);
  const Signal<T> reference = offline(mag, stft, p);
  const Eigen::Index hop = s.hop_length(), latency = s.latency();
  const Eigen::Index lead = latency - s.look_ahead() * hop;
  const Eigen::Index comparable =
      std::min<Eigen::Index>(reference.size(), (mag.cols() - s.look_ahead()) * hop - lead);
  REQUIRE(comparable > 4 * hop);
  // Before the latency the stream is silent.
  if (latency > 0) CHECK(streamed.head(latency).cwiseAbs().maxCoeff() == T(0));
  const double diff = (streamed.segment(latency, comparable) - reference.head(comparable)).template cast<double>()
                          .cwiseAbs().maxCoeff();
  return diff / double(reference.cwiseAbs().maxCoeff());
}

std::vector<StreamingParams> algorithms() {
  StreamingParams pghi1, pghi0, rtisi, rtisi_asym;
  pghi0.look_ahead = 0;
  rtisi.algorithm = StreamAlgorithm::rtisi_la;
  rtisi.iters_per_frame = 8;
  rtisi_asym = rtisi;
  rtisi_asym.asymmetric_window = true;
  rtisi_asym.look_ahead = 2;
  return {pghi1, pghi0, rtisi, rtisi_asym};
}

}  // namespace

TEMPLATE_TEST_CASE("the stream is the offline rtpghi / rtisi_la output delayed by latency()", "[streaming]", float,
                   double) {
  using T = TestType;
  const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-12;
  const Magnitude<T> speech = test::corpus_magnitude<T>("speech_alsa_front", 1.0, 1.0);
  for (const StreamingParams& p : algorithms()) {
    INFO(specinv::to_string(p.algorithm) << " look_ahead " << p.look_ahead);
    CHECK(stream_error<T>(speech, test::peers_stft(), p) <= tol);
    // Other geometries: no centre padding (a Hamming window, since torch.istft needs a non-zero
    // envelope at sample 0 there), torchaudio's extra padding, both normalisations, a hop that
    // does not divide n_fft and win_length < n_fft.
    StftParams q;
    q.n_fft = 512;
    q.hop_length = 96;
    q.win_length = 400;
    q.center = false;
    q.win_length = 512;
    q.window = specinv::WindowKind::hamming;
    q.normalized = specinv::Normalization::window;
    const Signal<T> x = test::corpus_signal<T>("synth_speech_espeak_en_us", 1.0, 0.5);
    INFO("center false");
    CHECK(stream_error<T>(specinv::Stft<T>(q).forward(x).cwiseAbs(), q, p) <= tol);
    q.center = true;
    q.win_length = 400;
    q.window = specinv::WindowKind::hann;
    q.normalized = specinv::Normalization::frame_length;
    INFO("center true");
    CHECK(stream_error<T>(specinv::Stft<T>(q).forward(x).cwiseAbs(), q, p) <= tol);
    q.pad = 40;
    INFO("pad 40");
    CHECK(stream_error<T>(specinv::Stft<T>(q).forward(x).cwiseAbs(), q, p) <= tol);
  }
}

TEST_CASE("latency() is look-ahead hops plus the centre padding", "[streaming]") {
  StftParams stft = test::peers_stft();
  StreamingParams p;
  CHECK(StreamingReconstructor<float>(stft, p).latency() == 256 + 512);
  p.look_ahead = 0;
  CHECK(StreamingReconstructor<float>(stft, p).latency() == 512);
  p.algorithm = StreamAlgorithm::rtisi_la;
  p.look_ahead = -1;
  StreamingReconstructor<float> rtisi(stft, p);
  CHECK(rtisi.look_ahead() == 3);
  CHECK(rtisi.latency() == 3 * 256 + 512);
  stft.center = false;
  stft.pad = 10;
  CHECK(StreamingReconstructor<float>(stft, p).latency() == 3 * 256);  // torchaudio's pad stays in the output
  CHECK(rtisi.frame_size() == 513);
  CHECK(rtisi.hop_length() == 256);
}

TEST_CASE("RTPGHI on the corpus: <= -18 dB SC on speech with one frame of look-ahead, and the stream's own SC (full clip)",
          "[streaming][rtpghi][quality]") {
  const StftParams stft = test::peers_stft();
  std::cout << "clip | RTPGHI la1 SC dB | RTPGHI la0 | PGHI (offline) | streamed RTPGHI la1 SC | RTISI-LA stream (25 it, la 3)\n";
  for (const std::string& clip : test::corpus_clips()) {
    const Magnitude<float> mag = test::corpus_magnitude<float>(clip);
    specinv::RtpghiParams p;
    const double la1 = specinv::rtpghi(mag, stft, p).spectral_convergence_db;
    p.look_ahead = 0;
    const double la0 = specinv::rtpghi(mag, stft, p).spectral_convergence_db;
    const double offline_pghi = specinv::pghi(mag, stft).spectral_convergence_db;
    // The stream itself, aligned by its latency, analysed as a signal of the clip's length.
    auto streamed_sc = [&](const StreamingParams& sp) {
      StreamingReconstructor<float> s(stft, sp);
      const Eigen::Index frames_needed = mag.cols() + (s.latency() + s.hop_length() - 1) / s.hop_length();
      const Signal<float> out = stream(s, mag, frames_needed - mag.cols());
      const Eigen::Index length = (mag.cols() - 1) * stft.hop_length;
      const Signal<float> aligned = out.segment(s.latency(), length);
      return test::recomputed_sc<float>(aligned, mag, stft);
    };
    const double streamed = streamed_sc(StreamingParams{});
    StreamingParams rtisi;
    rtisi.algorithm = StreamAlgorithm::rtisi_la;
    const double streamed_rtisi = streamed_sc(rtisi);
    std::cout << clip << " | " << la1 << " | " << la0 << " | " << offline_pghi << " | " << streamed << " | "
              << streamed_rtisi << "\n";
    INFO(clip);
    if (clip.find("speech") != std::string::npos) CHECK(la1 <= -18.0);
    CHECK(la1 < la0 + 0.5);         // the look-ahead frame helps, or costs nothing
    CHECK(streamed < la1 + 1.0);    // the never-ending stream differs only in its last frames
    CHECK(streamed_rtisi < streamed);
  }
}

TEMPLATE_TEST_CASE("push and pop allocate nothing, in Eigen's no-malloc mode too, and are noexcept", "[streaming][allocations]",
                   float, double) {
  using T = TestType;
  const Magnitude<T> mag = test::corpus_magnitude<T>("speech_alsa_front", 1.0, 0.5);
  for (const StreamingParams& p : algorithms()) {
    StreamingReconstructor<T> s(test::peers_stft(), p);
    const T* first_frame = mag.data();
    const Eigen::Index rows = mag.rows();
    static_assert(noexcept(s.push(first_frame, rows)));
    static_assert(noexcept(s.pop(static_cast<T*>(nullptr))));
    static_assert(noexcept(s.reset()));
    Signal<T> block(s.hop_length());
    const long before = test::allocations();
    Eigen::internal::set_is_malloc_allowed(false);
    bool all_accepted = true;
    for (int pass = 0; pass < 2; ++pass) {
      for (Eigen::Index j = 0; j < mag.cols(); ++j) {
        // Alternately the pointer form and a column expression, which is read in place.
        const PushStatus status = j % 2 ? s.push(mag.col(j).data(), mag.rows()) : s.push(mag.col(j));
        all_accepted = all_accepted && status == PushStatus::accepted;
        all_accepted = all_accepted && s.pop(block.data()) == s.hop_length();
      }
      s.reset();
    }
    Eigen::internal::set_is_malloc_allowed(true);
    CHECK(test::allocations() - before == 0);
    CHECK(all_accepted);
  }
}

TEST_CASE("without centre padding a tapered window's start-up is silent, not amplified rounding", "[streaming]") {
  StftParams stft = test::peers_stft();
  stft.center = false;  // Hann: the first samples' envelope is 0, then 1e-10 and up
  const Magnitude<float> mag = test::corpus_magnitude<float>("speech_alsa_front", 1.0, 0.5);
  for (const StreamingParams& p : algorithms()) {
    StreamingReconstructor<float> s(stft, p);
    const Signal<float> out = stream(s, mag);
    REQUIRE(out.allFinite());
    const Eigen::Index steady_from = s.latency() + 1024;
    const float steady = out.tail(out.size() - steady_from).cwiseAbs().maxCoeff();
    INFO(specinv::to_string(p.algorithm));
    CHECK(out.head(steady_from).cwiseAbs().maxCoeff() <= 2.0f * steady);
    CHECK(out[s.latency()] == 0.0f);  // Hann's first sample has no envelope at all
  }
}

TEMPLATE_TEST_CASE("reset() starts the stream over: the same input gives the same output", "[streaming]", float,
                   double) {
  using T = TestType;
  const Magnitude<T> mag = test::corpus_magnitude<T>("speech_alsa_front", 1.0, 0.4);
  for (const StreamingParams& p : algorithms()) {
    StreamingReconstructor<T> s(test::peers_stft(), p);
    const Signal<T> first = stream(s, mag);
    s.reset();
    CHECK(stream(s, mag) == first);
    StreamingReconstructor<T> fresh(test::peers_stft(), p);
    CHECK(stream(fresh, mag) == first);
  }
}

TEST_CASE("a rejected push changes nothing, and pop without a push returns nothing", "[streaming][errors]") {
  const Magnitude<float> mag = test::corpus_magnitude<float>("speech_alsa_front", 1.0, 0.3);
  StreamingReconstructor<float> s(test::peers_stft());
  StreamingReconstructor<float> reference(test::peers_stft());
  Signal<float> block(256), expected(256);
  CHECK(s.pop(block.data()) == 0);
  Signal<float> bad = mag.col(0);
  bad[7] = -1.0f;
  for (Eigen::Index j = 0; j < mag.cols(); ++j) {
    CHECK(s.push(bad) == PushStatus::bad_magnitude);
    bad[7] = std::numeric_limits<float>::quiet_NaN();
    CHECK(s.push(bad) == PushStatus::bad_magnitude);
    bad[7] = std::numeric_limits<float>::infinity();
    CHECK(s.push(bad) == PushStatus::bad_magnitude);
    bad[7] = -1.0f;
    CHECK(s.push(mag.col(j).data(), 512) == PushStatus::wrong_size);
    CHECK(s.push(nullptr, 513) == PushStatus::wrong_size);
    REQUIRE(s.push(mag.col(j).data(), 513) == PushStatus::accepted);
    CHECK(s.push(mag.col(j).data(), 513) == PushStatus::output_pending);
    REQUIRE(reference.push(mag.col(j).data(), 513) == PushStatus::accepted);
    REQUIRE(s.pop(block.data()) == 256);
    REQUIRE(reference.pop(expected.data()) == 256);
    CHECK(block == expected);
    CHECK(s.pop(block.data()) == 0);
  }
}

TEST_CASE("StreamingReconstructor refuses bad parameters at construction, naming them", "[streaming][errors]") {
  using test::Mentions;
  const StftParams stft = test::peers_stft();
  auto make = [&](auto change, StftParams s = test::peers_stft()) {
    StreamingParams p;
    change(p);
    return StreamingReconstructor<float>(s, p);
  };
  CHECK_THROWS_MATCHES(make([](StreamingParams& p) { p.look_ahead = 2; }), specinv::invalid_argument,
                       Mentions("look_ahead = 2"));
  CHECK_THROWS_MATCHES(make([](StreamingParams& p) { p.look_ahead = -2; }), specinv::invalid_argument,
                       Mentions("look_ahead = -2"));
  CHECK_THROWS_MATCHES(make([](StreamingParams& p) { p.tolerance = 0; }), specinv::invalid_argument,
                       Mentions("tolerance = 0"));
  CHECK_THROWS_MATCHES(make([](StreamingParams& p) { p.gamma = -3; }), specinv::invalid_argument, Mentions("gamma = -3"));
  CHECK_THROWS_MATCHES(make([](StreamingParams& p) { p.algorithm = StreamAlgorithm(7); }), specinv::invalid_argument,
                       Mentions("algorithm = 7"));
  auto rtisi = [](auto change) {
    return [change](StreamingParams& p) {
      p.algorithm = StreamAlgorithm::rtisi_la;
      change(p);
    };
  };
  CHECK_THROWS_MATCHES(make(rtisi([](StreamingParams& p) { p.iters_per_frame = 0; })), specinv::invalid_argument,
                       Mentions("iters_per_frame = 0"));
  CHECK_THROWS_MATCHES(make(rtisi([](StreamingParams& p) { p.momentum = 1; })), specinv::invalid_argument,
                       Mentions("momentum = 1"));
  CHECK_THROWS_MATCHES(make(rtisi([](StreamingParams& p) { p.look_ahead = -3; })), specinv::invalid_argument,
                       Mentions("look_ahead = -3"));
  StftParams wide = stft;
  wide.hop_length = 1100;
  wide.win_length = 1024;
  CHECK_THROWS_MATCHES(make([](StreamingParams&) {}, wide), specinv::invalid_argument, Mentions("hop_length = 1100"));
  StftParams twosided = stft;
  twosided.onesided = false;
  CHECK_THROWS_MATCHES(make([](StreamingParams&) {}, twosided), specinv::invalid_argument, Mentions("onesided"));
  StftParams no_fft = stft;
  no_fft.n_fft = 0;
  CHECK_THROWS_MATCHES(make([](StreamingParams&) {}, no_fft), specinv::invalid_argument, Mentions("n_fft = 0"));
  // A window with a zero every hop: the overlap-add envelope is 0 there (NOLA).
  StftParams holes = stft;
  holes.custom_window = Signal<double>::Ones(1024);
  for (Eigen::Index i = 5; i < 1024; i += 256) holes.custom_window[i] = 0.0;
  CHECK_THROWS_MATCHES(make([](StreamingParams&) {}, holes), specinv::invalid_argument, Mentions("hop_length = 256"));
  StftParams silent_window = stft;
  silent_window.custom_window = Signal<double>::Zero(1024);
  CHECK_THROWS_MATCHES(make([](StreamingParams&) {}, silent_window), specinv::invalid_argument,
                       Mentions("custom_window"));
  CHECK_THROWS_MATCHES(make([](StreamingParams& p) { p.gamma = 1e-310; }), specinv::invalid_argument,
                       Mentions("gamma"));
  // RtpghiParams on its own.
  specinv::RtpghiParams r;
  r.look_ahead = 3;
  CHECK_THROWS_MATCHES(specinv::rtpghi(Magnitude<double>(Magnitude<double>::Ones(513, 4)), stft, r),
                       specinv::invalid_argument, Mentions("look_ahead = 3"));
  specinv::Rtpghi<double> offline(stft);
  Signal<double> wrong(10);
  CHECK_THROWS_MATCHES(offline.run(Magnitude<double>::Ones(513, 4), wrong), specinv::invalid_argument,
                       Mentions("rtpghi: out.size() = 10"));
}

TEMPLATE_TEST_CASE("rtpghi: silence is silence, and the phases depend only on past frames and the look-ahead",
                   "[streaming][rtpghi]", float, double) {
  using T = TestType;
  const StftParams stft = test::peers_stft();
  const specinv::Reconstruction<T> silent = specinv::rtpghi(Magnitude<T>(Magnitude<T>::Zero(513, 12)), stft);
  CHECK(silent.signal.allFinite());
  CHECK(silent.signal.cwiseAbs().maxCoeff() == T(0));
  // Causality: changing frame 20 leaves frames < 20 - look_ahead as they were.
  const Magnitude<T> mag = test::corpus_magnitude<T>("speech_alsa_front", 1.0, 0.5);
  Magnitude<T> changed = mag;
  changed.col(20) *= T(3);
  for (const int la : {0, 1}) {
    specinv::RtpghiParams p;
    p.look_ahead = la;
    specinv::Rtpghi<T> a(stft, p), b(stft, p);
    Signal<T> ya(a.output_length(mag.cols())), yb(b.output_length(mag.cols()));
    a.run(mag, ya);
    b.run(changed, yb);
    // Output samples covered only by frames < 20 - la: padded positions below (20 - la) * hop.
    const Eigen::Index clean = (20 - la) * 256 - 512;
    CHECK(ya.head(clean) == yb.head(clean));
    // With look-ahead 1, frame 19's phase reads frame 20: the hop that frame 19 starts changes.
    if (la == 1) CHECK(ya.segment(clean, 256) != yb.segment(clean, 256));
  }
}
