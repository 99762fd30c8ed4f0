// SPDX-License-Identifier: MIT
// The STFT and its inverse against a slow, literal transcription of torch.stft / torch.istft and
// torchaudio's pad / length handling (direct DFT, explicit padding, explicit overlap-add), on
// thousands of small random cases: odd and tiny n_fft, odd n_fft - win_length, hop > win_length,
// every pad mode at its limits, pad > 0, two-sided spectra, lengths shorter and longer than the
// frames cover, and arbitrary (inconsistent) complex spectrograms for the inverse. Wherever the
// reference says torch raises, specinv must throw specinv::invalid_argument.

#include <complex>
#include <optional>
#include <random>
#include <vector>

#include <specinv/stft.hpp>

#include "../support/catch.hpp"

using namespace specinv;

namespace {

using cd = std::complex<double>;
const double two_pi = 6.283185307179586476925286766559005768;

/// The n_fft window: built-in or custom, zero-padded with (n_fft - win_length) / 2 on the left.
Eigen::VectorXd ref_window(const StftParams& p) {
  const Index wl = p.win_length ? p.win_length : p.n_fft;
  const Eigen::VectorXd w = p.custom_window.size() ? p.custom_window : window::make<double>(p.window, wl, true, p.kaiser_beta);
  Eigen::VectorXd out = Eigen::VectorXd::Zero(p.n_fft);
  for (Index i = 0; i < wl; ++i) out[(p.n_fft - wl) / 2 + i] = w[i];
  return out;
}

/// torch.nn.functional.pad semantics on a 1-D signal; nullopt where torch raises.
std::optional<std::vector<double>> ref_pad(const std::vector<double>& x, Index k, PadMode mode) {
  const Index n = Index(x.size());
  if (mode == PadMode::reflect && k >= n) return std::nullopt;
  if (mode == PadMode::circular && k > n) return std::nullopt;
  std::vector<double> out;
  for (Index i = -k; i < n + k; ++i) {
    if (i >= 0 && i < n) { out.push_back(x[std::size_t(i)]); continue; }
    switch (mode) {
      case PadMode::constant: out.push_back(0.0); break;
      case PadMode::reflect: out.push_back(x[std::size_t(i < 0 ? -i : 2 * (n - 1) - i)]); break;
      case PadMode::replicate: out.push_back(x[std::size_t(i < 0 ? 0 : n - 1)]); break;
      case PadMode::circular: out.push_back(x[std::size_t(i < 0 ? i + n : i - n)]); break;
    }
  }
  return out;
}

/// torchaudio.functional.spectrogram(power=None) / torch.stft; nullopt where torch raises.
std::optional<Eigen::MatrixXcd> ref_stft(const std::vector<double>& x, const StftParams& p) {
  const Index n = p.n_fft, hop = p.hop_length;
  std::vector<double> xp(std::size_t(p.pad), 0.0);
  xp.insert(xp.end(), x.begin(), x.end());
  xp.insert(xp.end(), std::size_t(p.pad), 0.0);
  if (p.center) {
    auto padded = ref_pad(xp, n / 2, p.pad_mode);
    if (!padded) return std::nullopt;
    xp = *padded;
  }
  if (Index(xp.size()) < n) return std::nullopt;
  const Eigen::VectorXd w = ref_window(p);
  double scale = 1.0;
  if (p.normalized == Normalization::frame_length) scale = 1.0 / std::sqrt(double(n));
  if (p.normalized == Normalization::window) scale = 1.0 / w.norm();
  const Index frames = 1 + (Index(xp.size()) - n) / hop;
  const Index rows = p.onesided ? n / 2 + 1 : n;
  Eigen::MatrixXcd s(rows, frames);
  for (Index t = 0; t < frames; ++t)
    for (Index k = 0; k < rows; ++k) {
      cd acc = 0;
      for (Index m = 0; m < n; ++m)
        acc += w[m] * xp[std::size_t(t * hop + m)] * std::polar(1.0, -two_pi * double((k * m) % n) / double(n));
      s(k, t) = scale * acc;
    }
  return s;
}

/// torchaudio.functional.inverse_spectrogram / torch.istft; nullopt where torch raises.
std::optional<Eigen::VectorXd> ref_istft(const Eigen::MatrixXcd& s, const StftParams& p, std::optional<Index> length) {
  const Index n = p.n_fft, hop = p.hop_length, frames = s.cols();
  const Index wl = p.win_length ? p.win_length : n;
  if (hop > wl || frames < 1) return std::nullopt;
  const Eigen::VectorXd w = ref_window(p);
  const double pre = p.normalized == Normalization::window ? w.norm() : 1.0;  // torchaudio undoes its scaling
  const double post = p.normalized == Normalization::frame_length ? 1.0 / std::sqrt(double(n)) : 1.0 / double(n);
  const Index full = n + hop * (frames - 1);
  std::vector<double> y(std::size_t(full), 0.0), env(std::size_t(full), 0.0);
  for (Index t = 0; t < frames; ++t)
    for (Index m = 0; m < n; ++m) {
      // irfft of the first n/2 + 1 bins: Hermitian completion, imaginary DC/Nyquist ignored.
      double v = (pre * s(0, t)).real();
      for (Index k = 1; k < (n + 1) / 2; ++k)
        v += 2.0 * (pre * s(k, t) * std::polar(1.0, two_pi * double((k * m) % n) / double(n))).real();
      if (n % 2 == 0 && n > 1) v += (pre * s(n / 2, t)).real() * (m % 2 ? -1.0 : 1.0);
      y[std::size_t(t * hop + m)] += post * v * w[m];
      env[std::size_t(t * hop + m)] += w[m] * w[m];
    }
  const Index start = p.center ? n / 2 : 0;
  const std::optional<Index> torch_length = length ? std::optional<Index>(*length + 2 * p.pad) : std::nullopt;
  const Index end = torch_length ? start + *torch_length : (p.center ? full - n / 2 : full);
  const Index stop = std::min(end, full);
  if (stop <= start) return std::nullopt;  // torch: min() of an empty envelope
  Eigen::VectorXd out = Eigen::VectorXd::Zero(end - start);
  for (Index i = start; i < stop; ++i) {
    if (!(env[std::size_t(i)] >= 1e-11)) return std::nullopt;  // "window overlap add min"
    out[i - start] = y[std::size_t(i)] / env[std::size_t(i)];
  }
  if (length && p.pad > 0) out = out.segment(p.pad, *length).eval();
  return out;
}

/// A random small configuration; `invertible_hop` keeps hop <= win_length in most cases (the
/// inverse refuses larger hops, so the inverse test would mostly compare refusals otherwise).
StftParams random_params(std::mt19937_64& rng, bool invertible_hop = false) {
  auto pick = [&](Index lo, Index hi) { return std::uniform_int_distribution<Index>(lo, hi)(rng); };
  StftParams p;
  p.n_fft = int(pick(1, 16));
  p.win_length = int(pick(1, p.n_fft));
  p.hop_length = int(invertible_hop && pick(0, 9) != 0 ? pick(1, p.win_length) : pick(1, p.n_fft + 3));
  p.window = static_cast<WindowKind>(pick(0, 5));
  p.kaiser_beta = double(pick(0, 120)) / 10.0;
  if (pick(0, 5) == 0) {
    p.custom_window.resize(p.win_length);
    for (Index i = 0; i < p.win_length; ++i) p.custom_window[i] = double(pick(1, 100)) / 50.0;
  }
  p.center = pick(0, 2) != 0;
  p.pad_mode = static_cast<PadMode>(pick(0, 3));
  p.normalized = static_cast<Normalization>(pick(0, 2));
  p.onesided = pick(0, 2) != 0;
  p.pad = int(pick(0, 2) == 0 ? pick(1, 5) : 0);
  return p;
}

template <class T>
double ref_tol() {
  return std::is_same_v<T, float> ? 2e-6 : 1e-12;
}

}  // namespace

TEMPLATE_TEST_CASE("stft equals a literal transcription of torch on 3000 random small cases", "[stft][reference]",
                   SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  std::mt19937_64 rng(42);
  int compared = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    const StftParams p = random_params(rng);
    const Index samples = std::uniform_int_distribution<Index>(1, 40)(rng);
    std::vector<double> x(static_cast<std::size_t>(samples));
    for (auto& v : x) v = double(T(std::normal_distribution<double>()(rng)));
    const auto want = ref_stft(x, p);
    Stft<T, Backend> object(p);
    const Signal<T> xs = Eigen::Map<const Eigen::VectorXd>(x.data(), samples).cast<T>();
    INFO(TestType::name() << " case " << i << ": n_fft " << p.n_fft << " win " << p.win_length << " hop "
                          << p.hop_length << " center " << p.center << " " << to_string(p.pad_mode) << " pad " << p.pad
                          << " onesided " << p.onesided << " N " << samples);
    if (!want) {
      CHECK_THROWS_AS(object.forward(xs), specinv::invalid_argument);
      ++refused;
      continue;
    }
    const Spectrogram<T> got = object.forward(xs);
    REQUIRE(got.rows() == want->rows());
    REQUIRE(got.cols() == want->cols());
    CHECK(test::rel_error(got, *want) <= ref_tol<T>());
    ++compared;
  }
  CHECK(compared > 1500);
  CHECK(refused > 100);
}

TEMPLATE_TEST_CASE("istft equals a literal transcription of torch on 3000 random spectrograms", "[istft][reference]",
                   SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  std::mt19937_64 rng(43);
  int compared = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    const StftParams p = random_params(rng, true);
    const Index frames = std::uniform_int_distribution<Index>(1, 8)(rng);
    // Not the STFT of anything: an arbitrary complex spectrogram, as a model would predict.
    Eigen::MatrixXcd s(p.onesided ? p.n_fft / 2 + 1 : p.n_fft, frames);
    std::normal_distribution<double> normal;
    for (Index k = 0; k < s.size(); ++k) s.data()[k] = cd(double(T(normal(rng))), double(T(normal(rng))));
    std::optional<Index> length;
    const Index full = p.n_fft + p.hop_length * (frames - 1);
    switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
      case 0: break;                                                                  // torch's default
      case 1: length = std::uniform_int_distribution<Index>(0, full)(rng); break;    // shorter
      case 2: length = full + std::uniform_int_distribution<Index>(1, 20)(rng); break;  // zero-padded
      default: length = std::uniform_int_distribution<Index>(1, 2 * full)(rng); break;
    }
    const auto want = ref_istft(s, p, length);
    Stft<T, Backend> object(p);
    const Spectrogram<T> st = s.cast<std::complex<T>>();
    INFO(TestType::name() << " case " << i << ": n_fft " << p.n_fft << " win " << p.win_length << " hop "
                          << p.hop_length << " center " << p.center << " pad " << p.pad << " onesided " << p.onesided
                          << " frames " << frames << " length " << (length ? *length : -1));
    if (!want) {
      CHECK_THROWS_AS(object.inverse(st, length), specinv::invalid_argument);
      ++refused;
      continue;
    }
    const Signal<T> got = object.inverse(st, length);
    REQUIRE(got.size() == want->size());
    CHECK(test::rel_error(got, *want) <= ref_tol<T>() * 10);
    ++compared;
  }
  CHECK(compared > 900);
  CHECK(refused > 100);
}

TEMPLATE_TEST_CASE("the inverse of two-sided input reads only the first n_fft / 2 + 1 rows, as torch",
                   "[istft][reference]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  StftParams p;
  p.n_fft = 256;
  p.hop_length = 64;
  p.onesided = false;
  Stft<T, Backend> object(p);
  Signal<T> x(2000);
  for (Index i = 0; i < x.size(); ++i) x[i] = T(std::sin(0.01 * double(i * i % 977)));
  Spectrogram<T> s = object.forward(x);
  const Signal<T> y = object.inverse(s, x.size());
  s.bottomRows(256 - 129).setConstant(std::complex<T>(T(7), T(3)));  // torch ignores these rows
  CHECK(object.inverse(s, x.size()) == y);
  CHECK(test::rel_error(y, x) <= test::tol<T>());
}
