#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs every specinv test on a fresh Debian 12 machine (as root, or with sudo).
# This is the README's test command and exactly what CI (.ci/run) runs. Three builds:
#   1. FFTW default backend, warnings as errors: all tests on both backends, benchmarks built
#      (built only: benchmarks are never run or asserted on by the tests)
#   2. KissFFT-only (SPECINV_FFT_BACKEND=kiss): the library and the tests of the FFT, the STFT,
#      Griffin-Lim, RTISI-LA and streaming, without FFTW linked (not the tests of FFT-free code or of
#      the other algorithms, the compile-only header and no-exceptions checks, the examples or the
#      consumer projects, which build 1 covers: CI must stay well inside 25 minutes on 2 cores)
#   3. AddressSanitizer + UndefinedBehaviorSanitizer, assertions on: all tests again (not the
#      "(full clip)" quality runs on whole corpus clips, which take minutes there and run in 1 and
#      2; not the inverse-filterbank solver tests and test_lbfgs, the slowest to compile
#      instrumented (test_lbfgs alone is 3 minutes of CPU), which ran clean there until the
#      streaming work and the CLI needed the minutes; nor the compile-only checks, the examples,
#      the CLI or the consumer projects)
# Build 1 also installs specinv and builds/runs a consumer via find_package and add_subdirectory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh
jobs=$(nproc)
build=${SPECINV_BUILD_DIR:-$root/build}

run() {  # run <name> [ctest -E regex] <cmake options...>
  local name=$1; shift
  local exclude='^$'
  if [[ ${1:-} == -E ]]; then exclude=$2; shift 2; fi
  echo "=== specinv test build: $name"
  cmake -S "$root" -B "$build/$name" -G Ninja -DSPECINV_WERROR=ON "$@"
  cmake --build "$build/$name" -j"$jobs"
  ctest --test-dir "$build/$name" -j"$jobs" --output-on-failure --no-tests=error -E "$exclude"
}

start=$SECONDS
run fftw -DCMAKE_BUILD_TYPE=Release -DSPECINV_BENCH_NATIVE=OFF
run kiss -DCMAKE_BUILD_TYPE=Release -DSPECINV_FFT_BACKEND=kiss -DSPECINV_BUILD_BENCHMARKS=OFF -DSPECINV_HEADER_CHECK=OFF \
    -DSPECINV_BUILD_EXAMPLES=OFF -DSPECINV_INSTALL=OFF -DSPECINV_BACKEND_TESTS_ONLY=ON
# The sanitizer build skips the few tests named "(full clip)" (minutes at -O1 with ASan); shorter
# tests of the same code paths run there.
run sanitize -E '\(full clip\)' -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DSPECINV_SANITIZE=address,undefined -DSPECINV_BUILD_BENCHMARKS=OFF -DSPECINV_BUILD_EXAMPLES=OFF \
    -DSPECINV_HEADER_CHECK=OFF -DSPECINV_INSTALL=OFF "-DSPECINV_SKIP_TESTS=test_inverse;test_filterbank_allocations;test_lbfgs"
echo "=== specinv: all test builds passed in $((SECONDS - start)) s"
