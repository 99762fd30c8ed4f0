#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Inverse mel, specinv against torchaudio, on the same input in the same run.

The input is an 80-mel power spectrogram (n_stft 513) of a 7 s corpus clip, made here with torch
in float32 exactly as torchaudio.transforms.MelSpectrogram(22050, n_fft=1024, hop_length=256,
n_mels=80, power=2) does. It is inverted by
  - torchaudio 0.13 InverseMelScale (SGD, torch.manual_seed(0); max_iter capped at 1000 as in
    PEERS.md, since its default 100000 takes minutes),
  - relu(torch.linalg.lstsq(fb.T, mel, driver='gels')), i.e. torchaudio >= 2.1's InverseMelScale,
  - every specinv InverseFilterbank method, float and double, through benchmarks/bench_filterbank
    fed the very same numbers (.npy files written here).
Times are medians over --repeats runs, one thread each. Prints a Markdown table.

Run with Debian's interpreter, which sees python3-torchaudio:
  /usr/bin/python3 benchmarks/compare_inverse.py --bench build/bench/benchmarks/bench_filterbank
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))


def median_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(HERE, "..", "build", "bench", "benchmarks", "bench_filterbank"))
    parser.add_argument("--clip", default=os.path.join(HERE, "..", "..", "shared", "data", "corpus",
                                                       "synth_speech_espeak_en_us.wav"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sgd-iter", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(1)

    wav, rate = torchaudio.load(args.clip)
    assert rate == 22050, rate
    x = wav[0].float()
    spec = torch.stft(x, 1024, 256, 1024, torch.hann_window(1024), center=True, pad_mode="reflect",
                      return_complex=True)
    power = spec.abs() ** 2
    fb = torchaudio.functional.melscale_fbanks(513, 0.0, 11025.0, 80, 22050, None, "htk")
    mel = fb.T @ power
    seconds = x.numel() / rate

    def scores(estimate):
        e = estimate.double()
        res = torch.linalg.norm(fb.double().T @ e - mel.double()) / torch.linalg.norm(mel.double())
        lin = torch.linalg.norm(e - power.double()) / torch.linalg.norm(power.double())
        return float(res), float(lin)

    rows = []
    sgd = torchaudio.transforms.InverseMelScale(n_stft=513, n_mels=80, sample_rate=22050, max_iter=args.sgd_iter)

    def run_sgd():
        torch.manual_seed(0)
        return sgd(mel)

    t, est = median_time(run_sgd, args.repeats)
    rows.append(("torchaudio 0.13 InverseMelScale (SGD, %d it), float32" % args.sgd_iter, t, *scores(est)))
    sgd_time = t
    t, est = median_time(lambda: torch.relu(torch.linalg.lstsq(fb.T[None], mel[None], driver="gels").solution)[0],
                         max(args.repeats, 20))
    rows.append(("torch.linalg.lstsq + relu (torchaudio >= 2.1), float32", t, *scores(est)))

    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, value in (("mel", mel), ("fb", fb), ("power", power)):
            files[name] = os.path.join(tmp, name + ".npy")
            np.save(files[name], value.double().numpy())
        out = subprocess.run([args.bench, "--mel=" + files["mel"], "--fb=" + files["fb"], "--power=" + files["power"],
                              "--benchmark_filter=inverse/", "--benchmark_format=json",
                              "--benchmark_repetitions=%d" % args.repeats, "--benchmark_report_aggregates_only=true"],
                             check=True, capture_output=True, text=True).stdout
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].split("/iterations")[0]
        rows.append(("specinv " + name, b["real_time"] * scale[b["time_unit"]], b["residual"], b["linear_error"]))

    print("Inverse mel: %s, %.2f s, %d frames, 80 mels, n_stft 513; median of %d, 1 thread\n"
          % (os.path.basename(args.clip), seconds, mel.shape[1], args.repeats))
    print("| method | seconds | relative mel residual | relative linear error | speed-up vs torchaudio SGD |")
    print("|---|---|---|---|---|")
    for name, t, res, lin in rows:
        print("| %s | %.4f | %.3g | %.4f | %.1fx |" % (name, t, res, lin, sgd_time / t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
