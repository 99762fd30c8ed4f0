// SPDX-License-Identifier: MIT
// Stft::forward / inverse into caller storage allocate nothing once the object is built. This
// binary counts every allocation: it replaces the global operator new, and (on glibc, outside the
// sanitizer builds, whose runtimes own malloc) malloc, calloc, realloc and the aligned
// allocators as well, which FFTW and C code use; and it turns on Eigen's runtime no-malloc switch,
// which asserts on any Eigen heap allocation.

#include "../support/allocation_counter.hpp"

#include <specinv/stft.hpp>

#include "../support/catch.hpp"

using namespace specinv;

namespace {

/// One configuration's calls, made once to warm nothing up (construction already did), then
/// counted: forward and inverse with and without length, a signal with fewer frames than
/// n_fft / hop (summed envelope), a short length (skipped frames), and the batched forms.
template <class T, class Backend>
long allocations_during_calls(const StftParams& p) {
  const Signal<T> x = Signal<T>::Random(22050);
  const Signal<T> tiny = Signal<T>::Random(p.n_fft + 50);  // fewer frames than n_fft / hop
  Stft<T, Backend> object(p);
  Spectrogram<T> s(object.n_freqs(), object.n_frames(x.size()));
  Spectrogram<T> s_tiny(object.n_freqs(), object.n_frames(tiny.size()));
  Signal<T> y(object.output_length(s.cols()));
  Signal<T> y_len(x.size());
  Signal<T> y_short(1000);
  Signal<T> y_tiny(tiny.size());
  SignalBatch<T> xb(4000, 3);
  xb.setRandom();
  SpectrogramBatch<T> sb(object.n_freqs(), object.n_frames(4000), 3);
  SignalBatch<T> yb(4000, 3);

  const long before = g_allocations.load();
  Eigen::internal::set_is_malloc_allowed(false);
  for (int rep = 0; rep < 3; ++rep) {
    object.forward(x, s);
    object.inverse(s, y);
    object.inverse(s, y_len, x.size());
    object.inverse(s, y_short, Index(1000));
    object.forward(tiny, s_tiny);
    object.inverse(s_tiny, y_tiny, tiny.size());
    object.forward(Eigen::TensorMap<const SignalBatch<T>>(xb.data(), xb.dimensions()),
                   Eigen::TensorMap<SpectrogramBatch<T>>(sb.data(), sb.dimensions()));
    object.inverse(Eigen::TensorMap<const SpectrogramBatch<T>>(sb.data(), sb.dimensions()),
                   Eigen::TensorMap<SignalBatch<T>>(yb.data(), yb.dimensions()), Index(4000));
  }
  Eigen::internal::set_is_malloc_allowed(true);
  const long during = g_allocations.load() - before;

  // The calls did real work: the round trips reproduce the signals.
  const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-10;
  const Index lead = p.pad + (p.center ? p.n_fft / 2 : 0);
  const Index covered = std::min<Index>(x.size(), object.n_fft() + object.hop_length() * (s.cols() - 1) - lead);
  CHECK(test::rel_error(y_len.head(covered).eval(), x.head(covered).eval()) <= tol);
  CHECK(test::rel_error(y_short, y_len.head(1000).eval()) <= tol);
  return during;
}

}  // namespace

TEMPLATE_TEST_CASE("forward and inverse into caller storage allocate nothing after construction",
                   "[stft][allocations]", SPECINV_TEST_CONFIGS) {
  using T = typename TestType::scalar;
  using Backend = typename TestType::backend;
  StftParams p;
  p.n_fft = 1024;
  p.hop_length = 256;
  p.win_length = 1000;  // zero-padded window
  p.pad = 3;
  p.normalized = Normalization::window;
  // Two-sided output takes the mirror copy; center = false no padding at all (a Hamming window
  // keeps it invertible); a 4k+2 size KissFFT's scratch-buffer path; hop 3 the envelope's runs.
  StftParams two_sided = p;
  two_sided.n_fft = 1000;
  two_sided.win_length = 0;
  two_sided.hop_length = 250;
  two_sided.onesided = false;
  StftParams twice_odd = p;
  twice_odd.n_fft = 1050;
  twice_odd.win_length = 0;
  twice_odd.center = false;
  twice_odd.window = WindowKind::hamming;
  StftParams small_hop = p;
  small_hop.n_fft = 64;
  small_hop.win_length = 0;
  small_hop.hop_length = 3;
  small_hop.pad_mode = PadMode::replicate;
#ifdef SPECINV_TEST_COUNTS_MALLOC
  INFO(TestType::name() << " (operator new, malloc family and Eigen counted)");
#else
  INFO(TestType::name() << " (operator new and Eigen counted; malloc belongs to the sanitizer)");
#endif
  CHECK(allocations_during_calls<T, Backend>(p) == 0);
  CHECK(allocations_during_calls<T, Backend>(two_sided) == 0);
  CHECK(allocations_during_calls<T, Backend>(twice_odd) == 0);
  CHECK(allocations_during_calls<T, Backend>(small_hop) == 0);
  if constexpr (std::is_same_v<Backend, fft::kiss<T>>) {
    // KissFFT is allocation-free at every size; FFTW only where it plans without buffers or
    // Rader/Bluestein scratch (even sizes with prime factors <= 13, see fft/fftw.hpp).
    StftParams odd = two_sided;
    odd.n_fft = 999;
    StftParams large_prime = twice_odd;
    large_prime.n_fft = 1022;  // 2 * 7 * 73
    CHECK(allocations_during_calls<T, Backend>(odd) == 0);
    CHECK(allocations_during_calls<T, Backend>(large_prime) == 0);
  }
}

TEST_CASE("the counter sees allocations (the test above could fail)", "[allocations]") {
  long before = g_allocations.load();
  StftParams p;
  p.n_fft = 256;
  p.hop_length = 64;
  const Spectrogram<double> s = stft(Signal<double>::Ones(1000).eval(), p);  // by-value form allocates
  CHECK(g_allocations.load() > before);
  CHECK(s.cols() > 0);
#ifdef SPECINV_TEST_COUNTS_MALLOC
  before = g_allocations.load();
  void* (*volatile c_malloc)(std::size_t) = std::malloc;  // through a pointer: clang elides a malloc/free pair
  void* p_raw = c_malloc(64);
  std::free(p_raw);
  CHECK(g_allocations.load() == before + 1);  // C allocations are counted too (FFTW's among them)
#endif
}
