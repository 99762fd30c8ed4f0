#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs every specinv test on a fresh Debian 12 machine (as root, or with sudo).
# This is the README's test command and exactly what CI (.ci/run) runs, on 2 cores in under 25
# minutes. clang++ compiles this template-heavy code a third faster than g++, so the test builds
# use it and g++ checks the public headers:
#   1. clang++, FFTW default backend, Release, warnings as errors: every test on both backends, the
#      examples, the CLI's tests, the consumer projects (installed package and add_subdirectory).
#      Benchmarks are not built here (minutes of CI; benchmarks/compare_peers builds them), nor the
#      header check, which build 4 does.
#   2. clang++, KissFFT as the only backend (FFTW not even linked, as a plugin would build it),
#      AddressSanitizer + UndefinedBehaviorSanitizer with -fno-sanitize-recover: the whole suite
#      again (every test binary, the examples, the CLI's tests, the fuzz seed replays). It fits in
#      CI's minutes through SPECINV_SHARED_INSTANCES: the library's classes and algorithms are
#      compiled once, at -O1, and the tests at -O0 against them (tests/support/instances.hpp).
#      Left out at run time: the "(full clip)" quality runs on whole corpus clips and the CLI's
#      every-algorithm run at its defaults (1000 ADMM iterations...), minutes each instrumented;
#      the same code runs there on shorter input.
#   3. clang++, ThreadSanitizer: 8 threads creating plans and running the algorithms at once, on
#      both backends (test_concurrency, and test_fft's plan-creation race).
#   4. g++, warnings as errors: every public header compiled on its own, and the whole library
#      without exceptions.
#   5. clang++, libFuzzer + ASan/UBSan: the .npy reader, audio through libsndfile's virtual I/O, and
#      parameter validation + stft/istft on arbitrary input, 60 s each (tests/fuzz/run.sh). Their
#      seed corpora also run as ordinary tests in build 1 (and in any build with tests).
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
# No debug information: the sanitizers' reports name functions from the symbol table, and it
# takes minutes of CI to generate for this much template code.
instrumented=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1" -DSPECINV_BUILD_BENCHMARKS=OFF
              -DSPECINV_HEADER_CHECK=OFF -DSPECINV_INSTALL=OFF)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 TSAN_OPTIONS=halt_on_error=1

start=$SECONDS
CXX=clang++ run fftw -DCMAKE_BUILD_TYPE=Release -DSPECINV_BUILD_BENCHMARKS=OFF -DSPECINV_HEADER_CHECK=OFF
CXX=clang++ run kiss-sanitize -E '\(full clip\)|^cli_invert_every_algorithm$' "${instrumented[@]}" \
    -DSPECINV_FFT_BACKEND=kiss -DSPECINV_SANITIZE=address,undefined -DSPECINV_SHARED_INSTANCES=ON
CXX=clang++ run tsan "${instrumented[@]}" -DSPECINV_BUILD_EXAMPLES=OFF -DSPECINV_SANITIZE=thread "-DSPECINV_ONLY_TESTS=test_fft;test_concurrency"
CXX=g++ run gcc -DCMAKE_BUILD_TYPE=Release -DSPECINV_BUILD_BENCHMARKS=OFF -DSPECINV_BUILD_EXAMPLES=OFF \
    -DSPECINV_INSTALL=OFF -DSPECINV_ONLY_TESTS=none
echo "=== specinv fuzzers ($SECONDS s)"
CXX=clang++ tests/fuzz/run.sh 60 "$build/fuzz"
echo "=== specinv: all test builds passed in $((SECONDS - start)) s"
