// SPDX-License-Identifier: MIT
// The real-time paths of the filterbank layer allocate nothing once warm: MelSpectrogram /
// BarkSpectrogram into caller storage, and InverseFilterbank::solve with a workspace that has
// seen the frame count before (least_squares, nnls, gradient; lbfgsb goes through LBFGSpp, which
// allocates its own vectors).

#include "../support/allocation_counter.hpp"

#include <specinv/filterbank.hpp>

#include "../support/catch.hpp"

using namespace specinv;

TEMPLATE_TEST_CASE("InverseFilterbank::solve allocates nothing once the workspace is warm", "[allocations]", float,
                   double) {
  using T = TestType;
  const Magnitude<T> fb = mel_filterbank<T>(513, 0.0, 11025.0, 80, 22050);
  const Magnitude<T> truth = Magnitude<T>::Random(513, 40).cwiseAbs2();
  Magnitude<T> mel = fb.transpose() * truth;
  mel.col(7).setZero();  // a silent frame takes its own path
  Magnitude<T> out(513, 40);
  MagnitudeBatch<T> batch(80, 20, 2), batch_out(513, 20, 2);
  std::copy(mel.data(), mel.data() + mel.size(), batch.data());
  for (const auto method : {InverseMethod::least_squares, InverseMethod::nnls, InverseMethod::gradient}) {
    INFO(to_string(method));
    InverseParams p;
    p.method = method;
    p.max_iter = 50;
    const InverseFilterbank<T> inverse(fb, p);
    InverseWorkspace<T> workspace;
    inverse.solve(mel, out, workspace);  // warm-up: sizes the workspace
    const long before = test::allocations();
    Eigen::internal::set_is_malloc_allowed(false);
    InverseReport report;
    for (int rep = 0; rep < 3; ++rep) {
      report = inverse.solve(mel, out, workspace);
      inverse.solve(Eigen::TensorMap<const MagnitudeBatch<T>>(batch.data(), batch.dimensions()),
                    Eigen::TensorMap<MagnitudeBatch<T>>(batch_out.data(), batch_out.dimensions()), workspace);
    }
    Eigen::internal::set_is_malloc_allowed(true);
    CHECK(test::allocations() - before == 0);
    CHECK(report.residual < (method == InverseMethod::least_squares ? 0.5 : 0.1));  // it did the work
  }
}

TEMPLATE_TEST_CASE("MelSpectrogram and BarkSpectrogram into caller storage allocate nothing once warm",
                   "[allocations]", float, double) {
  using T = TestType;
  StftParams stft;
  stft.n_fft = 512;
  stft.hop_length = 128;
  MelParams mel;
  mel.sample_rate = 16000;
  mel.n_mels = 64;
  BarkParams bark;
  bark.sample_rate = 16000;
  bark.n_barks = 40;
  MelSpectrogram<T> mel_object(stft, mel);
  BarkSpectrogram<T> bark_object(stft, bark, 1.0);
  const Signal<T> x = Signal<T>::Random(16000);
  Magnitude<T> mel_out(64, mel_object.n_frames(x.size())), bark_out(40, bark_object.n_frames(x.size()));
  mel_object(x, mel_out);
  bark_object(x, bark_out);
  const long before = test::allocations();
  Eigen::internal::set_is_malloc_allowed(false);
  for (int rep = 0; rep < 3; ++rep) {
    mel_object(x, mel_out);
    bark_object(x, bark_out);
  }
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(test::allocations() - before == 0);
  CHECK(mel_out.maxCoeff() > T(0));
  CHECK(bark_out.maxCoeff() > T(0));
}
