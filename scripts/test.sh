#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs every specinv test on a fresh Debian 12 machine (as root, or with sudo).
# This is the README's test command and exactly what CI (.ci/run) runs, on 2 cores in under 25
# minutes. Two compilers, four builds:
#   1. g++, FFTW default backend, Release, warnings as errors: every test on both backends, the
#      examples, the CLI's tests, the consumer projects (installed package and add_subdirectory),
#      the header and no-exceptions checks; benchmarks built (never run or asserted on by tests).
#   2. clang++, KissFFT as the only backend (FFTW not even linked, as a plugin would build it),
#      AddressSanitizer + UndefinedBehaviorSanitizer with -fno-sanitize-recover: every test binary
#      again, except the few "(full clip)" quality runs on whole corpus clips (minutes each there;
#      shorter tests of the same code run instead, and build 1 runs them). Not the examples and the
#      CLI, whose file readers the fuzzers (4) run under the same sanitizers.
#   3. clang++, ThreadSanitizer: the tests of threads (8 threads creating plans and running every
#      algorithm at once on both backends; the thread pool's bit-identity tests).
#   4. clang++, libFuzzer + ASan/UBSan: the .npy reader, audio through libsndfile's virtual I/O, and
#      parameter validation + stft/istft on arbitrary input, 60 s each (tests/fuzz/run.sh). Their
#      seed corpora also run as ordinary tests in builds 1 and 2.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh
jobs=$(nproc)
build=${SPECINV_BUILD_DIR:-$root/build}

run() {  # run <name> [-E ctest-exclude-regex] <cmake options...>; the compiler is $CXX (default c++)
  local name=$1; shift
  local exclude='^$'
  if [[ ${1:-} == -E ]]; then exclude=$2; shift 2; fi
  echo "=== specinv test build: $name ($SECONDS s)"
  cmake -S "$root" -B "$build/$name" -G Ninja -DSPECINV_WERROR=ON "$@"
  cmake --build "$build/$name" -j"$jobs"
  ctest --test-dir "$build/$name" -j"$jobs" --output-on-failure --no-tests=error -E "$exclude"
}
instrumented=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DSPECINV_BUILD_BENCHMARKS=OFF
              -DSPECINV_BUILD_EXAMPLES=OFF -DSPECINV_HEADER_CHECK=OFF -DSPECINV_INSTALL=OFF)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 TSAN_OPTIONS=halt_on_error=1

start=$SECONDS
CXX=g++ run fftw -DCMAKE_BUILD_TYPE=Release -DSPECINV_BENCH_NATIVE=OFF
CXX=clang++ run kiss-sanitize -E '\(full clip\)' "${instrumented[@]}" -DSPECINV_FFT_BACKEND=kiss \
    -DSPECINV_SANITIZE=address,undefined
CXX=clang++ run tsan "${instrumented[@]}" -DSPECINV_SANITIZE=thread "-DSPECINV_ONLY_TESTS=test_fft;test_threads;test_concurrency"
echo "=== specinv fuzzers ($SECONDS s)"
tests/fuzz/run.sh 60 "$build/fuzz"
echo "=== specinv: all test builds passed in $((SECONDS - start)) s"
