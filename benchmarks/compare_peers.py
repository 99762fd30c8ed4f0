#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""specinv beside its peers and its FFT floor, measured in one run on this machine.

Setup (PEERS.md): corpus clips, mono 22050 Hz, float32; STFT n_fft 1024, hop 256, periodic Hann,
center, reflect; target |STFT(x)|; 100 iterations from zero phase; SC dB = 20 log10(|| |STFT(y)| -
mag || / ||mag||) with a float64 STFT (lower is better).

In one invocation it runs
- benchmarks/bench_phase (Google Benchmark, JSON): specinv's FGLA, each run followed by as many
  passes of the floor (FFTW's batched r2c + c2r of every frame, one plan each) as it has
  iterations, so that the ratio compares the two under the same load; FGLA on 2 threads, ADMM, RTISI-LA, FGLA on 10 s and 600 s
  of audio (time per audio second, peak memory), the batched FGLA on 8 clips with 1 and 2 threads;
- torchaudio 0.13 `griffinlim` (momentum 0.99, rand_init False, the clip's length) with
  torch.set_num_threads(1) and (2), median of --repeats runs after a warm-up;
clip by clip (each clip's specinv rows, then torchaudio on it), and prints the per-clip table and
the issue's targets, each with its ratio: the median over the clips and the worst clip. torch_specinv is not
packaged for Debian, so ADMM and RTISI-LA are compared with PEERS.md's figures for it (measured on
this machine kind, not in this run).

The peer: Debian's python3-torchaudio (torch 1.13, torchaudio 0.13), run with /usr/bin/python3
(the `python3` first on PATH may be another interpreter):
    sudo apt-get install python3-torchaudio
Without it, the torchaudio columns are left empty and everything else is still measured.

    benchmarks/compare_peers                       # builds bench_phase, then runs this
    /usr/bin/python3 benchmarks/compare_peers.py --bench build/bench/benchmarks/bench_phase [--readme README.md]

--readme rewrites README.md's Performance section between its compare_peers markers.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")
CLIPS = ["env_opensfx_applause", "env_opensfx_crossing_till", "music_perc_openmsx_no_work_song_drums",
         "music_tonal_openmsx_moo_piano", "speech_alsa_front", "speech_klettres_nl_words",
         "synth_speech_espeak_en_us"]
N_FFT, HOP, ITERATIONS = 1024, 256, 100
BEGIN, END = "<!-- compare_peers:begin -->", "<!-- compare_peers:end -->"

try:
    import torch
    import torchaudio
except ImportError:  # the peer is optional: say how to get it, measure the rest
    torch = None


def peers_table():
    """{clip: {column: (sc_db, ms_per_iteration)}} from PEERS.md's phase-recovery table."""
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


def bench(path, pattern, repeats):
    """{(row, clip): counters of the median run} of bench_phase's rows matching `pattern`."""
    command = [path, "--benchmark_format=json", "--benchmark_filter=" + pattern]
    if repeats > 1:
        command += ["--benchmark_repetitions=%d" % repeats, "--benchmark_report_aggregates_only=true"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    results = {}
    for b in json.loads(out)["benchmarks"]:
        if repeats > 1 and b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].split("/")
        results[(name[0], name[1])] = b
    return results


def torchaudio_ms_per_iteration(clip, threads, repeats):
    """(SC dB, ms per iteration) of torchaudio's FGLA on `clip` with `threads` threads."""
    torch.set_num_threads(threads)
    wav, _ = torchaudio.load(os.path.join(SHARED, "data", "corpus", clip + ".wav"))
    x = wav.mean(0).float()
    window = torch.hann_window(N_FFT)
    mag = torch.stft(x, N_FFT, HOP, N_FFT, window, center=True, pad_mode="reflect", return_complex=True).abs()

    def run():
        return torchaudio.functional.griffinlim(mag, window, N_FFT, HOP, N_FFT, 1.0, ITERATIONS, 0.99, len(x), False)

    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        y = run()
        times.append(time.perf_counter() - start)
    w64 = torch.hann_window(N_FFT, dtype=torch.float64)
    s = torch.stft(y.double(), N_FFT, HOP, N_FFT, w64, center=True, pad_mode="reflect", return_complex=True).abs()
    sc = float(20 * torch.log10(torch.linalg.norm(s - mag.double()) / torch.linalg.norm(mag.double())))
    return sc, 1e3 * statistics.median(times) / ITERATIONS


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def fmt(v, spec="%.2f"):
    return "—" if v is None else spec % v


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(HERE, "..", "build", "bench", "benchmarks", "bench_phase"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clips", default=",".join(CLIPS), help="comma-separated corpus clips")
    parser.add_argument("--readme", help="README.md whose Performance section to rewrite")
    args = parser.parse_args()
    clips = args.clips.split(",")
    if torch is None:
        print("torchaudio is not importable by %s: install the peer with `sudo apt-get install "
              "python3-torchaudio` and run this script with /usr/bin/python3. Its columns stay empty.\n"
              % sys.executable, file=sys.stderr)

    peers = peers_table()
    lines = []
    out = lines.append
    out("Measured %s by `benchmarks/compare_peers` on %s (%d CPUs), specinv and torchaudio %s "
        "in the same run, clip by clip; float32, n_fft 1024, hop 256, %d iterations from zero phase; "
        "times are medians of %d runs." % (datetime.date.today().isoformat(), cpu_model(), os.cpu_count(),
                                           torchaudio.__version__ if torch else "(not installed)", ITERATIONS,
                                           args.repeats))
    out("")
    out("| clip | frames | floor ms | FGLA ms/it | vs floor | torchaudio ms/it | speed-up | "
        "FGLA 2 thr ms/it | torchaudio 2 thr | speed-up | ADMM ms/it | vs PEERS ts_admm | RTISI-LA s | vs PEERS ts_rtisi_la | SC dB (torchaudio) |")
    out("|---" * 15 + "|")
    ratios = {key: [] for key in ("floor", "speed1", "speed2", "admm", "rtisi")}

    for clip in clips:
        # Each clip's specinv rows, then the peer on the same clip: the two share the machine's
        # state of the moment as closely as two processes can.
        print("%s: bench_phase, then torchaudio..." % clip, file=sys.stderr, flush=True)
        mine = bench(args.bench, "^(fgla|fgla_2t|admm|rtisi_la)/%s(/|$)" % re.escape(clip), args.repeats)
        fgla = mine[("fgla", clip)]
        floor = fgla["floor_ms_per_iter"]  # timed between the fgla runs (see bench_phase)
        fgla2 = mine[("fgla_2t", clip)]["ms_per_iter"]
        admm = mine[("admm", clip)]["ms_per_iter"]
        rtisi = mine[("rtisi_la", clip)]["ms_per_iter"] / 1e3
        ta_sc = ta1 = ta2 = None
        if torch is not None:
            ta_sc, ta1 = torchaudio_ms_per_iteration(clip, 1, args.repeats)
            _, ta2 = torchaudio_ms_per_iteration(clip, 2, args.repeats)
        peer_admm = peers.get(clip, {}).get("ts_admm")
        peer_rtisi = peers.get(clip, {}).get("ts_rtisi_la")
        ratio = fgla["vs_floor"]
        speed1 = ta1 / fgla["ms_per_iter"] if ta1 else None
        speed2 = ta2 / fgla2 if ta2 else None
        admm_x = peer_admm[1] / admm if peer_admm else None
        rtisi_x = peer_rtisi[1] / 1e3 / rtisi if peer_rtisi else None
        for key, value in (("floor", ratio), ("speed1", speed1), ("speed2", speed2), ("admm", admm_x),
                           ("rtisi", rtisi_x)):
            if value is not None:
                ratios[key].append(value)
        out("| %s | %d | %.3f | %.3f | %.2fx | %s | %s | %.3f | %s | %s | %.3f | %s | %.3f | %s | %.2f (%s) |" % (
            clip, fgla["frames"], floor, fgla["ms_per_iter"], ratio, fmt(ta1, "%.3f"), fmt(speed1, "%.1fx"), fgla2,
            fmt(ta2, "%.3f"), fmt(speed2, "%.1fx"), admm, fmt(admm_x, "%.1fx"), rtisi, fmt(rtisi_x, "%.1fx"),
            fgla["sc_db"], fmt(ta_sc)))

    print("bench_phase: batch rows, then the length row (each in a process of its own)...", file=sys.stderr,
          flush=True)
    mine = bench(args.bench, "^fgla_batch8/", 1)
    mine.update(bench(args.bench, "^fgla_length/", 1))
    length = mine[("fgla_length", "600s_vs_10s")]
    one, two = mine[("fgla_batch8", "threads:1")], mine[("fgla_batch8", "threads:2")]
    batch = two["items_per_s"] / one["items_per_s"]
    out("")
    out("| target (issue 7) | median of the clips (worst) | goal | met by the median |")
    out("|---|---|---|---|")

    def target(what, key, goal, ok, worst_is_max=False):
        values = ratios[key]
        if not values:
            out("| %s | — | %s | — |" % (what, goal))
            return
        median = statistics.median(values)
        worst = max(values) if worst_is_max else min(values)
        out("| %s | %.2fx (%.2fx) | %s | %s |" % (what, median, worst, goal, "yes" if ok(median) else "**no**"))

    target("FGLA time per iteration / FFT floor", "floor", "<= 1.2x", lambda v: v <= 1.2, worst_is_max=True)
    target("speed-up over torchaudio griffinlim, 1 thread", "speed1", ">= 5x", lambda v: v >= 5)
    target("speed-up over torchaudio griffinlim, 2 threads", "speed2", "> 1x", lambda v: v > 1)
    target("ADMM speed-up over PEERS.md's torch_specinv", "admm", ">= 10x", lambda v: v >= 10)
    target("RTISI-LA speed-up over PEERS.md's torch_specinv (1 clip)", "rtisi", ">= 10x", lambda v: v >= 10)
    out("| s per audio s, 600 s / 10 s (%.4f / %.4f, one speech clip) | %.2fx | <= 1.1x | %s |" % (
        length["s_per_audio_s_600"], length["s_per_audio_s_10"], length["linearity"],
        "yes" if length["linearity"] <= 1.1 else "**no**"))
    if "peak_vs_spectrogram" in length:
        out("| peak memory of 600 s FGLA / one complex spectrogram | %.2fx | <= 3x | %s |" % (
            length["peak_vs_spectrogram"], "yes" if length["peak_vs_spectrogram"] <= 3 else "**no**"))
    out("| batch of 8 clips, 2 threads / 1 thread throughput (%.2f / %.2f items/s) | %.2fx | >= 1.8x | %s |" % (
        two["items_per_s"], one["items_per_s"], batch, "yes" if batch >= 1.8 else "**no**"))
    text = "\n".join(lines)
    print(text)

    if args.readme:
        with open(args.readme) as f:
            readme = f.read()
        if BEGIN not in readme or END not in readme:
            sys.exit("%s has no %s ... %s section to rewrite" % (args.readme, BEGIN, END))
        head, rest = readme.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(args.readme, "w") as f:
            f.write(head + BEGIN + "\n" + text + "\n" + END + tail)
        print("\nrewrote the Performance table of %s" % args.readme, file=sys.stderr)


if __name__ == "__main__":
    main()
