#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang and runs them side by side for SECONDS each (CI: 60).
#
#   tests/fuzz/run.sh SECONDS [BUILD_DIR]
#
# BUILD_DIR defaults to build/fuzz in the repository. Works from any directory. The fuzzers start
# from a scratch copy of tests/fuzz/corpus/<target> (the committed seeds are never written), with
# a 2 GiB memory limit and a per-input time limit (FUZZ_TIMEOUT seconds, default 25). Prints each
# fuzzer's executions and final corpus size, and exits 1 if any of them found a crash, a leak, an
# out-of-memory or a timeout, printing the log's end and the reproducer's bytes (hex and base64),
# so that the CI log alone reproduces it: decode it to a file and run any build's
# `tests/fuzz/fuzz_<target> FILE` (the normal build's replay main) or this build's fuzzer on it.
#
# Environment: CXX (default clang++), SPECINV_SHARED_DIR (default ../shared beside the repository),
# FUZZ_TIMEOUT, FUZZ_KEEP=1 to keep the scratch directory, FUZZ_TARGETS (default "npy audio stft").
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || ! $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 SECONDS [BUILD_DIR]" >&2
  exit 2
fi
seconds=$1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${2:-$repo/build/fuzz}
mkdir -p "$build" && build=$(cd "$build" && pwd)  # a relative BUILD_DIR is relative to the caller's directory
shared=${SPECINV_SHARED_DIR:-$repo/../shared}
timeout=${FUZZ_TIMEOUT:-25}
read -r -a targets <<<"${FUZZ_TARGETS:-npy audio stft}"

generator=()  # Ninja for a new build directory if there is one; an existing one keeps its own
[[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null && generator=(-G Ninja)
# -O1 -g1 with assertions on (no NDEBUG): Eigen's and specinv's debug checks fire under the fuzzer.
cmake -S "$repo" -B "$build" "${generator[@]}" \
  -DCMAKE_CXX_COMPILER="${CXX:-clang++}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DSPECINV_FUZZ=ON -DSPECINV_BUILD_TESTS=ON \
  -DSPECINV_BUILD_BENCHMARKS=OFF -DSPECINV_BUILD_EXAMPLES=OFF -DSPECINV_HEADER_CHECK=OFF -DSPECINV_INSTALL=OFF \
  -DSPECINV_SHARED_DIR="$shared" -DSPECINV_REQUIRE_GOLDEN=OFF >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}"

work=$(mktemp -d "${TMPDIR:-/tmp}/specinv-fuzz.XXXXXX")
if [[ ${FUZZ_KEEP:-0} != 1 ]]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "scratch directory: $work"
fi

declare -A pid
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/artifacts"
  cp -R "$repo/tests/fuzz/corpus/$t" "$work/$t/corpus"
  dict=()
  [[ -f $repo/tests/fuzz/$t.dict ]] && dict=("-dict=$repo/tests/fuzz/$t.dict")
  # Run from the scratch directory: libFuzzer writes nothing else, but a target might.
  (cd "$work/$t" && exec "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
     -timeout="$timeout" -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" "${dict[@]}" \
     corpus >"$work/$t/log.txt" 2>&1) &
  pid[$t]=$!
done

failed=0
for t in "${targets[@]}"; do
  rc=0
  wait "${pid[$t]}" || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log.txt" | tail -1)
  corpus=$(find "$work/$t/corpus" -type f | wc -l)
  echo "fuzz_$t: ${execs:-?} executions in ${seconds} s, corpus of $corpus inputs, exit $rc"
  mapfile -t artifacts < <(find "$work/$t/artifacts" -type f | sort)
  if [[ $rc -ne 0 || ${#artifacts[@]} -gt 0 ]]; then
    failed=1
    echo "---- fuzz_$t FAILED; end of its log:"
    tail -n 60 "$work/$t/log.txt"
    for a in "${artifacts[@]}"; do
      echo "---- reproducer $(basename "$a") ($(stat -c %s "$a") bytes), hex:"
      head -c 4096 "$a" | od -An -tx1 -v
      echo "---- base64 (decode with: base64 -d > $(basename "$a")):"
      head -c 65536 "$a" | base64 -w 76
      echo "---- replay: $build/tests/fuzz/fuzz_$t $(basename "$a")  (fuzz_stft: SPECINV_FUZZ_VERBOSE=1 prints the case)"
    done
  fi
done
exit "$failed"
