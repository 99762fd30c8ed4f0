#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Phase recovery, specinv beside its peers, clip by clip, in one run.

Setup (PEERS.md): every corpus clip, mono 22050 Hz, float32; STFT n_fft 1024, hop 256, periodic
Hann, center, reflect; target |STFT(x)|; one thread; SC dB = 20 log10(|| |STFT(y)| - mag || / ||mag||)
with the STFT in float64 (lower is better).

- torchaudio 0.13 griffinlim (momentum 0 = GLA, 0.99 = FGLA; rand_init=False; 100 iterations;
  length = the clip's, as PEERS.md's figures were made) is run here, median of --repeats runs after a warm-up.
- specinv runs through benchmarks/bench_phase (Google Benchmark, JSON), same clips, same setup.
- torch_specinv is not installed on this machine kind, so its columns are PEERS.md's figures.

Prints one Markdown table per algorithm: SC dB and seconds per run for specinv, the peer measured
now (torchaudio) and the peer's PEERS.md figure (ms per iteration times the iteration count).

  /usr/bin/python3 benchmarks/compare_peers.py --bench build/bench/benchmarks/bench_phase
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import time

import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")
CLIPS = ["env_opensfx_applause", "env_opensfx_crossing_till", "music_perc_openmsx_no_work_song_drums",
         "music_tonal_openmsx_moo_piano", "speech_alsa_front", "speech_klettres_nl_words",
         "synth_speech_espeak_en_us"]
N_FFT, HOP = 1024, 256

# specinv benchmark -> (PEERS.md column, PEERS.md "iterations" per run, torchaudio momentum or
# None). PEERS.md gives ms per iteration; its RTISI-LA "iteration" is a whole 25-per-frame sweep
# and its L-BFGS one an outer step of 20 L-BFGS iterations (100 of them: 2000 iterations).
ALGORITHMS = {
    "gla": ("ta_gla", 100, 0.0),
    "fgla": ("ta_fgla", 100, 0.99),
    "fgla_pi": ("ts_fgla", 100, None),
    "admm": ("ts_admm", 100, None),
    "rtisi_la": ("ts_rtisi_la", 1, None),
    "lbfgs": ("ts_lbfgs", 100, None),
}


def peers_table():
    """{clip: {column: (sc_db, ms)}} from PEERS.md's phase-recovery table."""
    table, header = {}, None
    with open(os.path.join(SHARED, "PEERS.md")) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells and cells[0] == "clip":
                header = cells
                continue
            if header and cells and cells[0] in CLIPS:
                row = {}
                for name, cell in zip(header, cells):
                    m = re.match(r"(-?[0-9.]+) / ([0-9.]+) ms", cell)
                    if m:
                        row[name] = (float(m.group(1)), float(m.group(2)))
                table[cells[0]] = row
    return table


def sc_db(y, mag64):
    window = torch.hann_window(N_FFT, dtype=torch.float64)
    s = torch.stft(y.double(), N_FFT, HOP, N_FFT, window, center=True, pad_mode="reflect",
                   return_complex=True).abs()
    return float(20 * torch.log10(torch.linalg.norm(s - mag64) / torch.linalg.norm(mag64)))


def torchaudio_run(clip, momentum, repeats):
    wav, _ = torchaudio.load(os.path.join(SHARED, "data", "corpus", clip + ".wav"))
    x = wav.mean(0).float()
    window = torch.hann_window(N_FFT)
    mag = torch.stft(x, N_FFT, HOP, N_FFT, window, center=True, pad_mode="reflect", return_complex=True).abs()

    def run():
        return torchaudio.functional.griffinlim(mag, window, N_FFT, HOP, N_FFT, 1.0, 100, momentum, len(x), False)

    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        y = run()
        times.append(time.perf_counter() - start)
    return sc_db(y, mag.double()), statistics.median(times)


def specinv_runs(bench, repeats, pattern):
    out = subprocess.run([bench, "--benchmark_format=json", "--benchmark_filter=" + pattern,
                          "--benchmark_repetitions=%d" % repeats, "--benchmark_report_aggregates_only=true"],
                         check=True, capture_output=True, text=True).stdout
    results = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        algorithm, clip = b["run_name"].split("/")[:2]
        seconds = b["real_time"] / 1e3 if b["time_unit"] == "ms" else b["real_time"]
        results[(algorithm, clip)] = (b["sc_db"], seconds, b["iterations"] if "iterations" in b else None)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(HERE, "..", "build", "bench", "benchmarks", "bench_phase"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    wanted = args.algorithms.split(",")
    peers = peers_table()
    mine = specinv_runs(args.bench, args.repeats, "^(%s)/" % "|".join(wanted))
    for algorithm in wanted:
        column, iterations, momentum = ALGORITHMS[algorithm]
        what = {"rtisi_la": "25 iterations per frame, look_ahead 3", "lbfgs": "2000 L-BFGS iterations"}
        print("\n### %s (%s; PEERS.md column %s)\n" % (algorithm, what.get(algorithm, "%d iterations" % iterations),
                                                       column))
        head = "| clip | specinv SC dB | specinv s |"
        if momentum is not None:
            head += " torchaudio now SC dB | torchaudio now s | specinv speed-up |"
        head += " PEERS SC dB | PEERS s | vs PEERS SC (dB, < 0 better) |"
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for clip in CLIPS:
            if (algorithm, clip) not in mine:
                continue
            sc, seconds, _ = mine[(algorithm, clip)]
            row = "| %s | %.2f | %.4f |" % (clip, sc, seconds)
            if momentum is not None:
                ta_sc, ta_s = torchaudio_run(clip, momentum, args.repeats)
                row += " %.2f | %.4f | %.1fx |" % (ta_sc, ta_s, ta_s / seconds)
            peer = peers.get(clip, {}).get(column)
            if peer:
                row += " %.1f | %.3f | %+.2f |" % (peer[0], peer[1] * iterations / 1e3, sc - peer[0])
            else:
                row += " — | — | — |"
            print(row, flush=True)


if __name__ == "__main__":
    main()
