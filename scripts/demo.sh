#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sets up a fresh Debian 12 machine (as root, or with sudo), builds the demo and runs it: the
# bundled speech clip through STFT -> iSTFT on every backend, printing the reconstruction error.
# Extra arguments go to the demo: scripts/demo.sh [clip.wav] [--n-fft N] [--hop H]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DSPECINV_BUILD_TESTS=OFF -DSPECINV_BUILD_BENCHMARKS=OFF
cmake --build build/demo --target roundtrip -j"$(nproc)"
build/demo/examples/roundtrip "$@"
