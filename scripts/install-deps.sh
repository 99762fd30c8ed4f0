#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every Debian 12 package specinv's build, tests, examples and benchmarks need.
# Idempotent: packages already present are skipped, so it is cheap to run before every build.
# Usage (as root, or with sudo available): scripts/install-deps.sh [--peers]
#   --peers  also installs python3-torchaudio, the reference peer the comparison scripts run.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libeigen3-dev libfftw3-dev catch2 libbenchmark-dev liblbfgspp-dev
  libsndfile1-dev libcli11-dev nlohmann-json3-dev libpng-dev
  clang libclang-rt-dev  # the tests' second compiler: sanitizer builds, ThreadSanitizer, libFuzzer
)
if [[ "${1:-}" == "--peers" ]]; then
  packages+=(python3-torchaudio python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
