// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `ThreadPool`: a small fork-join pool for the iteration loops: `run(tasks, fn)` calls
/// fn(task, worker) once for every task in [0, tasks) across the calling thread and the pool's
/// workers, and returns when all are done.
///
/// Built for passes that repeat every few hundred microseconds (one Griffin-Lim iteration):
/// - the workers are started once, with the pool, and live as long as it;
/// - `run` allocates nothing; tasks are claimed from an atomic counter, and a worker that has
///   just finished a pass spins for the next one (a few thousand pause instructions: tens to
///   hundreds of microseconds) before it sleeps on a condition variable;
/// - which worker runs a task is not fixed, so callers make each task's result depend only on the
///   task index (their per-worker scratch holds nothing between tasks). That is what makes the
///   algorithms' results independent of the thread count.
/// A pool of 1 thread starts no worker and runs every task inline. `fn` must not throw.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "../core/error.hpp"
#include "../core/types.hpp"
#include "check.hpp"

namespace specinv::detail {

/// \brief The thread count an option asks for: `threads` itself when >= 1, all hardware threads
/// for 0. \throws specinv::invalid_argument for a negative value, naming `threads`
inline int resolved_threads(int threads, const char* where) {
  require(threads >= 0, where, "threads", threads, "threads >= 1, or 0 for every hardware thread");
  if (threads > 0) return threads;
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

class ThreadPool {
 public:
  /// \brief Starts threads - 1 workers (the caller of `run` is the other one).
  /// \param threads >= 1
  /// \throws std::system_error if a thread cannot start (those started are stopped first)
  explicit ThreadPool(int threads = 1) : m_size(std::max(1, threads)) {
    m_workers.reserve(std::size_t(m_size - 1));
#if SPECINV_HAS_EXCEPTIONS
    try {
      start_workers();
    } catch (...) {
      stop();
      throw;
    }
#else
    start_workers();  // without exceptions, a thread that cannot start aborts (std::thread's way)
#endif
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() { stop(); }

  /// Threads that run tasks, the caller included.
  int size() const noexcept { return m_size; }

  /// \brief Calls fn(task, worker) for every task in [0, tasks), worker in [0, size()), and
  /// returns when every call has returned. Allocation-free. One `run` at a time per pool.
  template <class Fn>
  void run(Index tasks, Fn& fn) noexcept {
    if (m_size == 1 || tasks <= 1) {
      for (Index k = 0; k < tasks; ++k) fn(k, 0);
      return;
    }
    m_fn = &fn;
    m_call = [](void* f, Index task, int worker) { (*static_cast<Fn*>(f))(task, worker); };
    m_tasks = tasks;
    m_next.store(0, std::memory_order_relaxed);
    m_busy.store(m_size - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(m_mutex);  // pairs with the sleeping workers' wait
      m_generation.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all();
    claim(0);
    // Wait for the workers: spin first (they finish within microseconds of the caller), then sleep.
    for (int spin = 0; m_busy.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin < spin_limit) {
        pause();
      } else {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_done.wait(lock, [this] { return m_busy.load(std::memory_order_acquire) == 0; });
      }
    }
  }

 private:
  static constexpr int spin_limit = 4000;  // pause instructions before sleeping: ~0.1 ms

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }

  void start_workers() {
    for (int w = 1; w < m_size; ++w) m_workers.emplace_back([this, w] { work(w); });
  }

  void stop() noexcept {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_stop = true;
      m_generation.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all();
    for (std::thread& t : m_workers) t.join();
  }

  void claim(int worker) noexcept {
    for (Index k; (k = m_next.fetch_add(1, std::memory_order_relaxed)) < m_tasks;) m_call(m_fn, k, worker);
  }

  void work(int worker) noexcept {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t now = m_generation.load(std::memory_order_acquire);
      for (int spin = 0; now == seen && spin < spin_limit; ++spin) {
        pause();
        now = m_generation.load(std::memory_order_acquire);
      }
      if (now == seen) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_wake.wait(lock, [&] { return m_generation.load(std::memory_order_acquire) != seen; });
        now = m_generation.load(std::memory_order_acquire);
      }
      seen = now;
      if (m_stop.load(std::memory_order_relaxed)) return;
      claim(worker);
      if (m_busy.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(m_mutex);  // the caller may be about to sleep
        m_done.notify_one();
      }
    }
  }

  int m_size;
  std::vector<std::thread> m_workers;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_done;
  std::atomic<std::uint64_t> m_generation{0};
  std::atomic<Index> m_next{0};
  std::atomic<int> m_busy{0};
  std::atomic<bool> m_stop{false};
  void* m_fn = nullptr;
  void (*m_call)(void*, Index, int) = nullptr;
  Index m_tasks = 0;
};

/// \brief The batched functions' loop: body(algorithm, b) for every item b in [0, batch), on
/// min(threads, batch) threads that each own an algorithm object made by make() (one object, on
/// the calling thread, when that is 1). Items go to whichever thread is free; each item's result
/// depends on the item alone. An exception thrown for an item is rethrown after every thread has
/// stopped; of several, the one of the lowest item.
template <class Make, class Body>
void parallel_items(int threads, Index batch, Make&& make, Body&& body) {
  const int workers = int(std::min<Index>(std::max(threads, 1), std::max<Index>(batch, 1)));
  if (workers == 1) {
    auto algorithm = make();
    for (Index b = 0; b < batch; ++b) body(algorithm, b);
    return;
  }
  std::atomic<Index> next{0};
#if SPECINV_HAS_EXCEPTIONS
  // One slot per item, then one per thread for a failed make(): each written by one thread only.
  std::vector<std::exception_ptr> errors(std::size_t(batch) + std::size_t(workers));
  auto work = [&](int worker) {
    try {
      auto algorithm = make();
      for (Index b; (b = next.fetch_add(1)) < batch;) {
        try {
          body(algorithm, b);
        } catch (...) {
          errors[std::size_t(b)] = std::current_exception();
        }
      }
    } catch (...) {
      next.store(batch);  // the others finish their item and stop
      errors[std::size_t(batch) + std::size_t(worker)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(std::size_t(workers - 1));
  try {
    for (int w = 1; w < workers; ++w) pool.emplace_back(work, w);
  } catch (...) {  // a thread that cannot start: stop the others, then report it
    next.store(batch);
    for (std::thread& t : pool) t.join();
    throw;
  }
  work(0);
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
#else
  auto work = [&](int) {  // errors abort (SPECINV_THROW) without exceptions
    auto algorithm = make();
    for (Index b; (b = next.fetch_add(1)) < batch;) body(algorithm, b);
  };
  std::vector<std::thread> pool;
  pool.reserve(std::size_t(workers - 1));
  for (int w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (std::thread& t : pool) t.join();
#endif
}

}  // namespace specinv::detail
