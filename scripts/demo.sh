#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sets up a fresh Debian 12 machine (as root, or with sudo), builds the `specinv` command-line
# tool and runs the demo: the bundled speech clip's magnitude spectrogram (phase thrown away)
# back to audio through every algorithm, as a table (iterations, spectral convergence, seconds,
# real-time factor); the reconstructed wavs and a comparison PNG land in build/demo/out/.
# Extra arguments go to `specinv invert`: scripts/demo.sh [--n-fft N] [--hop H] [--init pghi] ...
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DSPECINV_BUILD_TESTS=OFF -DSPECINV_BUILD_BENCHMARKS=OFF \
      -DSPECINV_INSTALL=OFF >/dev/null
cmake --build build/demo --target specinv_cli -j"$(nproc)"
specinv=build/demo/examples/cli/specinv
clip=examples/data/speech_alsa_front.wav
out=build/demo/out
mkdir -p "$out"
echo
"$specinv" invert "$clip" "$out/{algo}.wav" --algo all "$@"
echo
"$specinv" compare "$clip" "$out/legla.wav" --plot "$out/compare_legla.png"
echo
echo "Listen to $out/*.wav; look at $out/compare_legla.png. More: $specinv --help"
