// SPDX-License-Identifier: MIT
#pragma once

// Counts every heap allocation of the test binary that includes this header (exactly one
// translation unit per binary may): it replaces the
// global operator new and, on glibc outside the sanitizer builds (whose runtimes own malloc),
// malloc, calloc, realloc and the aligned allocators as well, which FFTW and C code use. Eigen's
// runtime no-malloc switch, which asserts on any Eigen heap allocation in builds with assertions,
// is compiled into every test (EIGEN_RUNTIME_NO_MALLOC, tests/CMakeLists.txt).

#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "tests are compiled with EIGEN_RUNTIME_NO_MALLOC (tests/CMakeLists.txt)"
#endif
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <new>

// The replacements below pair operator new with malloc and operator delete with free, which is
// correct; GCC's -Wmismatched-new-delete cannot see that once they are inlined into std::map.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

namespace test {
/// Allocations so far in this process.
inline long allocations() { return g_allocations.load(); }
}  // namespace test

// GCC names its sanitizers with macros, clang with __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SPECINV_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SPECINV_TEST_SANITIZED 1
#endif
#endif

#if defined(__GLIBC__) && !defined(SPECINV_TEST_SANITIZED)
#define SPECINV_TEST_COUNTS_MALLOC 1
// glibc declares these noexcept (__THROW); so must the replacements.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) noexcept {
  ++g_allocations;
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) noexcept {
  ++g_allocations;
  return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) noexcept {
  ++g_allocations;
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
  ++g_allocations;
  return __libc_memalign(align, n);
}
void* memalign(std::size_t align, std::size_t n) noexcept {
  ++g_allocations;
  return __libc_memalign(align, n);
}
// Defined under another C++ name with posix_memalign's symbol: clang's <mm_malloc.h> declares it
// without noexcept, glibc with, and a definition cannot match both.
int specinv_test_posix_memalign(void** out, std::size_t align, std::size_t n) noexcept __asm__("posix_memalign");
int specinv_test_posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
  ++g_allocations;
  void* p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) noexcept { __libc_free(p); }
}
#endif

namespace {
// operator new goes through malloc, counted once either way.
void* counted(std::size_t size, std::size_t align) {
#ifndef SPECINV_TEST_COUNTS_MALLOC
  ++g_allocations;
#endif
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

