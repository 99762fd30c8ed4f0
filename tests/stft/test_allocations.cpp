// SPDX-License-Identifier: MIT
// Stft::forward / inverse into caller storage allocate nothing once the object is built. This
// binary replaces the global operator new to count every allocation, and turns on Eigen's
// runtime no-malloc switch, which asserts on any Eigen heap allocation.

#define EIGEN_RUNTIME_NO_MALLOC
#include <atomic>
#include <cstdlib>
#include <new>

#include <specinv/stft.hpp>

#include "../support/catch.hpp"

namespace {
std::atomic<long> g_allocations{0};

void* counted(std::size_t size, std::size_t align) {
  ++g_allocations;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (size + align - 1) / align * align)
                                              : std::malloc(size ? size : 1);
  if (!p) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, std::size_t(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, std::size_t(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { try { return counted(n, 0); } catch (...) { return nullptr; } }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { try { return counted(n, 0); } catch (...) { return nullptr; } }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace specinv;

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

  // Everything the calls need is made here, before counting.
  const Signal<T> x = Signal<T>::Random(22050);
  const Signal<T> tiny = Signal<T>::Random(600);  // fewer frames than n_fft / hop: envelope summed
  Stft<T, Backend> object(p);
  Spectrogram<T> s(object.n_freqs(), object.n_frames(x.size()));
  Spectrogram<T> s_tiny(object.n_freqs(), object.n_frames(tiny.size()));
  Signal<T> y(object.output_length(s.cols()));
  Signal<T> y_len(x.size());
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
    object.forward(tiny, s_tiny);
    object.inverse(s_tiny, y_tiny, tiny.size());
    object.forward(Eigen::TensorMap<const SignalBatch<T>>(xb.data(), xb.dimensions()),
                   Eigen::TensorMap<SpectrogramBatch<T>>(sb.data(), sb.dimensions()));
    object.inverse(Eigen::TensorMap<const SpectrogramBatch<T>>(sb.data(), sb.dimensions()),
                   Eigen::TensorMap<SignalBatch<T>>(yb.data(), yb.dimensions()), Index(4000));
  }
  Eigen::internal::set_is_malloc_allowed(true);
  const long during = g_allocations.load() - before;

  INFO(TestType::name());
  CHECK(during == 0);
  // The calls did real work: the round trip reproduces the signal.
  CHECK(test::rel_error(y_len, x) <= 1e-4);
  CHECK(test::rel_error(y_tiny, tiny) <= 1e-4);
}

TEST_CASE("the counter sees allocations (the test above could fail)", "[allocations]") {
  const long before = g_allocations.load();
  StftParams p;
  p.n_fft = 256;
  p.hop_length = 64;
  const Spectrogram<double> s = stft(Signal<double>::Ones(1000).eval(), p);  // by-value form allocates
  CHECK(g_allocations.load() > before);
  CHECK(s.cols() > 0);
}
