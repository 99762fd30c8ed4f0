#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs every specinv test on a fresh Debian 12 machine (as root, or with sudo).
# This is the README's test command and exactly what CI (.ci/run) runs, on 2 cores in under 25
# minutes. clang++ compiles this template-heavy code a third faster than g++, so the test builds
# use it and g++ checks the public headers. Builds 1 and 2 compile the library's classes and
# algorithms once per scalar and backend, optimised, and the tests, examples and CLI at -O0 against
# them (SPECINV_SHARED_INSTANCES, tests/support/instances.hpp): it halves their compile time.
#   1. clang++, FFTW default backend, Release, warnings as errors: every test on both backends, the
#      examples, the CLI's tests, the consumer projects (installed package, add_subdirectory, and a
#      plugin's KissFFT-only add_subdirectory, all compiling the headers as a user does).
#      Benchmarks are not built here (minutes of CI; benchmarks/compare_peers builds them), nor the
#      header check, which build 4 does.
#   2. clang++, AddressSanitizer + UndefinedBehaviorSanitizer with -fno-sanitize-recover: the whole
#      suite again, every case (every test binary on both backends, the examples, the CLI's tests,
#      the fuzz seed replays). The library is instrumented at -O2; FFTW's own code is not.
#   3. clang++, ThreadSanitizer: 8 threads creating plans and running the algorithms at once, on
#      both backends (test_concurrency, and test_fft's plan-creation race).
#   4. g++, warnings as errors: every public header compiled on its own, and the whole library
#      without exceptions.
#   5. clang++, libFuzzer + ASan/UBSan: the .npy reader, audio through libsndfile's virtual I/O, and
#      parameter validation + stft/istft on arbitrary input, 60 s each (tests/fuzz/run.sh). Their
#      seed corpora also run as ordinary tests in builds 1 and 2.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh
jobs=$(nproc)
build=${SPECINV_BUILD_DIR:-$root/build}

run() {  # run <name> <cmake options...>; the compiler is $CXX (default c++)
  local name=$1; shift
  echo "=== specinv test build: $name ($SECONDS s)"
  cmake -S "$root" -B "$build/$name" -G Ninja -DSPECINV_WERROR=ON "$@"
  cmake --build "$build/$name" -j"$jobs"
  ctest --test-dir "$build/$name" -j"$jobs" --output-on-failure --no-tests=error
}
# No debug information: the sanitizers' reports name functions from the symbol table, and it
# takes minutes of CI to generate for this much template code.
instrumented=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1" -DSPECINV_BUILD_BENCHMARKS=OFF
              -DSPECINV_HEADER_CHECK=OFF -DSPECINV_INSTALL=OFF)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 TSAN_OPTIONS=halt_on_error=1

start=$SECONDS
CXX=clang++ run fftw -DCMAKE_BUILD_TYPE=Release -DSPECINV_BUILD_BENCHMARKS=OFF -DSPECINV_HEADER_CHECK=OFF \
    -DSPECINV_SHARED_INSTANCES=ON
CXX=clang++ run sanitize "${instrumented[@]}" -DSPECINV_SANITIZE=address,undefined -DSPECINV_SHARED_INSTANCES=ON
CXX=clang++ run tsan "${instrumented[@]}" -DSPECINV_BUILD_EXAMPLES=OFF -DSPECINV_SANITIZE=thread "-DSPECINV_ONLY_TESTS=test_fft;test_concurrency"
CXX=g++ run gcc -DCMAKE_BUILD_TYPE=Release -DSPECINV_BUILD_BENCHMARKS=OFF -DSPECINV_BUILD_EXAMPLES=OFF \
    -DSPECINV_INSTALL=OFF -DSPECINV_ONLY_TESTS=none
echo "=== specinv fuzzers ($SECONDS s)"
CXX=clang++ tests/fuzz/run.sh 60 "$build/fuzz"
echo "=== specinv: all test builds passed in $((SECONDS - start)) s"
