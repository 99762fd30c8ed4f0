#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/{npy,audio,stft}/.

Run with Debian's /usr/bin/python3 (it has numpy): `/usr/bin/python3 tests/fuzz/make_seeds.py`.
The output is committed; the build never runs this. Every file is small (well under 4 KB) and the
same on every run, so a regeneration shows up in `git status` only when this script changes.

- npy: valid arrays of every dtype the reader takes, both orders, rank 0 to 3, format 1.0 and 2.0,
  an empty one; and refused ones (truncated, bad header, unsupported dtype, big-endian, huge shape).
- audio: tiny wav files written byte by byte here (16-bit PCM mono and stereo, float32 stereo, one
  whose header claims far more frames than it holds, a truncated one), and flac / aiff / au / IMA ADPCM wav / w64
  written by the system's libsndfile through ctypes (skipped, with a note, if it cannot).
- stft: inputs for fuzz_stft.cpp, encoded by `StftSeed` below, which mirrors `decode()` there
  field by field; keep the two in step.
"""

import ctypes
import ctypes.util
import io
import os
import shutil
import struct
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(kind, name, data):
    path = os.path.join(CORPUS, kind, name)
    with open(path, "wb") as f:
        f.write(data)
    assert len(data) < 4096, (path, len(data))


# ---------------------------------------------------------------------------------------- npy
def npy_bytes(array, version=None, fortran=False):
    buf = io.BytesIO()
    if fortran:
        array = np.asfortranarray(array)
    np.lib.format.write_array(buf, array, version=version, allow_pickle=False)
    return buf.getvalue()


def npy_seeds():
    rng = np.random.default_rng(7)
    write("npy", "f4_rank2_c.npy", npy_bytes(rng.standard_normal((5, 7)).astype("<f4")))
    write("npy", "f8_rank2_fortran.npy", npy_bytes(rng.standard_normal((6, 4)), fortran=True))
    write("npy", "c8_rank2_c.npy", npy_bytes((rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))).astype("<c8")))
    write("npy", "c16_rank3_fortran.npy",
          npy_bytes(rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4)), fortran=True))
    write("npy", "f4_rank3_c.npy", npy_bytes(rng.standard_normal((3, 4, 5)).astype("<f4")))
    write("npy", "f8_rank1.npy", npy_bytes(np.linspace(-1.0, 1.0, 17)))
    write("npy", "f8_rank0.npy", npy_bytes(np.array(3.5)))
    write("npy", "f4_empty.npy", npy_bytes(np.zeros((0, 3), dtype="<f4")))
    write("npy", "f8_version2.npy", npy_bytes(rng.standard_normal((2, 2)), version=(2, 0)))
    special = np.array([[np.nan, np.inf], [-np.inf, 5e-324]])
    write("npy", "f8_specials.npy", npy_bytes(special))
    good = npy_bytes(rng.standard_normal((8, 8)).astype("<f4"))
    write("npy", "truncated.npy", good[: len(good) - 40])
    write("npy", "bad_header.npy", good[:10] + b"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (8, 8), }".ljust(118) + b"\n")
    write("npy", "int16.npy", npy_bytes(np.arange(12, dtype="<i2").reshape(3, 4)))
    write("npy", "big_endian.npy", npy_bytes(np.arange(6, dtype=">f4").reshape(2, 3)))
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387905, 2, 2), }"
    header = header.ljust(117) + b"\n"
    write("npy", "huge_shape.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(16))
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1099511627776, 2), }".ljust(117) + b"\n"
    write("npy", "empty_huge_dims.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header)
    write("npy", "not_npy.npy", b"this is not a NumPy file\n")


# -------------------------------------------------------------------------------------- audio
def riff_wav(fmt_tag, channels, rate, bits, data, claimed=None):
    """A RIFF/WAVE file: fmt chunk and data chunk; `claimed` overrides the data chunk's size."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits)
    size = len(data) if claimed is None else claimed
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", min(len(body), 0xFFFFFFFF)) + body


def tone(frames, channels, rate=8000):
    t = np.arange(frames) / rate
    return np.stack([0.5 * np.sin(2 * np.pi * (440 + 110 * c) * t) for c in range(channels)], axis=1)


def libsndfile():
    name = ctypes.util.find_library("sndfile")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    lib.sf_open.restype = ctypes.c_void_p
    lib.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
    lib.sf_writef_short.restype = ctypes.c_int64
    lib.sf_writef_short.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    lib.sf_close.argtypes = [ctypes.c_void_p]
    lib.sf_strerror.restype = ctypes.c_char_p
    lib.sf_strerror.argtypes = [ctypes.c_void_p]
    return lib


class SfInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


SFM_WRITE = 0x20
SF_FORMAT_WAV, SF_FORMAT_AIFF, SF_FORMAT_AU, SF_FORMAT_W64, SF_FORMAT_FLAC = 0x010000, 0x020000, 0x030000, 0x0B0000, 0x170000
SF_FORMAT_PCM_16, SF_FORMAT_PCM_U8, SF_FORMAT_ULAW, SF_FORMAT_IMA_ADPCM = 0x0002, 0x0005, 0x0010, 0x0012


def sndfile_bytes(lib, fmt, samples, rate=8000):
    """`samples` (frames, channels) in [-1, 1] written by libsndfile in `fmt`; None on failure."""
    pcm = np.ascontiguousarray(np.round(samples * 32767).astype("<i2"))
    info = SfInfo(0, rate, samples.shape[1], fmt, 0, 0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "seed").encode()
        f = lib.sf_open(path, SFM_WRITE, ctypes.byref(info))
        if not f:
            print(f"  libsndfile cannot write format {fmt:#x}: {lib.sf_strerror(None).decode()}", file=sys.stderr)
            return None
        written = lib.sf_writef_short(f, pcm.ctypes.data, pcm.shape[0])
        lib.sf_close(f)
        if written != pcm.shape[0]:
            return None
        with open(path, "rb") as g:
            return g.read()


def audio_seeds():
    pcm16 = lambda x: np.round(x * 32767).astype("<i2").tobytes()
    write("audio", "pcm16_mono.wav", riff_wav(1, 1, 8000, 16, pcm16(tone(64, 1))))
    write("audio", "pcm16_stereo.wav", riff_wav(1, 2, 16000, 16, pcm16(tone(48, 2, 16000))))
    write("audio", "float32_stereo.wav", riff_wav(3, 2, 44100, 32, tone(40, 2, 44100).astype("<f4").tobytes()))
    write("audio", "pcm8_mono.wav", riff_wav(1, 1, 8000, 8, (np.round(tone(32, 1) * 127) + 128).astype("u1").tobytes()))
    # A header that claims about 2^31 bytes of samples over 32 real ones: read as what is there.
    write("audio", "claims_billions.wav", riff_wav(1, 1, 8000, 16, pcm16(tone(16, 1)), claimed=0x7FFFFFF0))
    write("audio", "truncated.wav", riff_wav(1, 2, 8000, 16, pcm16(tone(32, 2)))[:70])
    write("audio", "zero_rate.wav", riff_wav(1, 1, 0, 16, pcm16(tone(8, 1))))
    write("audio", "not_audio.wav", b"this is not audio\n")
    lib = libsndfile()
    if lib is None:
        print("  no libsndfile: flac, aiff, au, adpcm and w64 seeds skipped", file=sys.stderr)
        return
    for name, fmt, frames, channels in [("mono.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 256, 1),
                                        ("stereo.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 96, 2),
                                        ("mono.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 64, 1),
                                        ("ulaw.au", SF_FORMAT_AU | SF_FORMAT_ULAW, 64, 1),
                                        ("ima_adpcm.wav", SF_FORMAT_WAV | SF_FORMAT_IMA_ADPCM, 600, 1),
                                        ("stereo.w64", SF_FORMAT_W64 | SF_FORMAT_PCM_16, 32, 2)]:
        data = sndfile_bytes(lib, fmt, tone(frames, channels))
        if data is not None:
            write("audio", name, data)


# --------------------------------------------------------------------------------------- stft
WINDOWS = {"hann": 0, "hamming": 1, "blackman": 2, "bartlett": 3, "rectangular": 4, "kaiser": 5}
PAD_MODES = {"reflect": 0, "constant": 1, "replicate": 2, "circular": 3}
NORMS = {"none": 0, "window": 1, "frame_length": 2}
SPECIALS = {"nan": 0, "inf": 1, "-inf": 2, "dbl_max": 3, "denorm": 4, "-0": 5, "1e300": 6, "1e-300": 7,
            "flt_max": 8, "flt_denorm": 9, "1e38": 10, "1e-40": 11}


class StftSeed:
    """Bytes that fuzz_stft.cpp's decode() turns into the given case (see the C++ for each field)."""

    def __init__(self):
        self.out = bytearray()

    def u8(self, v):
        self.out += struct.pack("<B", v & 0xFF)

    def u16(self, v):
        self.out += struct.pack("<H", v & 0xFFFF)

    def size(self, n):
        """decode_size(): 1..4096 powers of two, small values, anything to 4096, or an extreme."""
        extremes = [0, -1, -2**31, 2**31 - 1, 4097, 1 << 20, 8192, 3]
        if -2 <= n <= 17:
            self.u8(0), self.u16(n + 2)
        elif n > 0 and n & (n - 1) == 0 and n <= 4096:
            self.u8(1), self.u16(n.bit_length() - 1)
        elif 0 <= n <= 4096:
            self.u8(2), self.u16(n)
        else:
            self.u8(3), self.u16(extremes.index(n))

    def relative(self, v):
        """decode_relative(): 0 (default), or a value (through decode_size, else raw 0..65535)."""
        if v == 0:
            self.u8(0), self.u16(0)
        elif -2 <= v <= 4096 or v in (4097, 8192, 1 << 20, -2**31, 2**31 - 1, -1):
            self.u8(3), self.u16(0), self.size(v)
        else:
            self.u8(4), self.u16(v)

    def values(self, kind, data=(), specials=()):
        """decode_values(): kind zeros | small | f64 | f32 | noise, then (index, special) pairs."""
        kinds = ["zeros", "small", "f64", "f32", "noise"]
        self.u8(kinds.index(kind))
        if kind in ("small", "f64", "f32"):
            self.u16(len(data))  # then repeated to the length
        if kind == "small":
            for v in data:
                self.u8(int(round(v * 64)) & 0xFF)
        elif kind == "f64":
            for v in data:
                self.out += struct.pack("<d", v)
        elif kind == "f32":
            for v in data:
                self.out += struct.pack("<f", v)
        elif kind == "noise":
            self.out += struct.pack("<I", data)
        self.u8(len(specials))
        for at, name in specials:
            self.u16(at), self.u8(SPECIALS[name])

    def case(self, *, double=False, fftw=False, center=True, onesided=True, n_fft=16, hop=0, win=0,
             window="hann", pad_mode="reflect", normalized="none", beta=12.0, pad=0, custom=None,
             samples=64, signal=("noise", 1, ()), rows=None, cols=4, spec=("noise", 2, ()), length=None,
             geometry=None):
        """One input. `window`, `pad_mode`, `normalized` may also be raw ints (out of range)."""
        flags = (double << 0) | (fftw << 1) | ((not center) << 2) | ((not onesided) << 3)
        flags |= ((custom is not None) << 4) | ((length is not None) << 5)
        self.u8(flags)
        self.size(n_fft)
        self.relative(hop)
        self.relative(win)
        self.u8(WINDOWS.get(window, window) + 1)
        self.u8(PAD_MODES.get(pad_mode, pad_mode) + 1)
        self.u8(NORMS.get(normalized, normalized) + 1)
        self.u8(1)
        self.out += struct.pack("<d", beta)
        if pad == 0:
            self.u8(0), self.u16(0)
        elif pad in (-1, 2**31 - 1):
            self.u8(3), self.u16(1 if pad == -1 else 0)
        elif pad < 64:
            self.u8(1), self.u16(pad)
        elif pad <= 0xFFFF:
            self.u8(2), self.u16(pad)
        else:
            raise ValueError(pad)
        if custom is not None:
            delta, data = custom  # the window's size: the resolved win_length + delta (-2..2)
            if delta == 0:
                self.u8(0)
            else:
                self.u8(1), self.u8(delta + 2)
            self.values(*data)
        self.u8(1), self.u16(samples)  # samples = the u16 itself
        self.values(*signal)
        if rows is None:
            self.u8(0)  # n_freqs
        else:
            self.u8(2), self.u8(rows)
        self.u16(cols)
        self.values(*spec)
        if length is not None:
            self.u8(1), self.out.extend(struct.pack("<I", length))
        if geometry is None:
            self.u8(0), self.out.extend(bytes(8))
        else:
            frames, samples_ = geometry
            self.u8(3), self.out.extend(struct.pack("<Q", (frames << 1) & (2**64 - 1)))
            assert samples_ == frames, "one u64 serves both counts"
        return bytes(self.out)


def stft_seeds():
    seeds = {
        "hann_16_float_kiss": dict(),
        "hann_16_double_fftw": dict(double=True, fftw=True, length=60),
        "n_fft_1": dict(n_fft=1, hop=1, window="rectangular", center=False, samples=5, signal=("small", [0.5, -1, 2], ())),
        "n_fft_2_hamming_constant": dict(n_fft=2, hop=1, window="hamming", pad_mode="constant", normalized="window",
                                         samples=9, fftw=True),
        "odd_kaiser_two_sided": dict(double=True, n_fft=15, hop=4, win=11, window="kaiser", beta=8.6,
                                     pad_mode="replicate", normalized="frame_length", onesided=False, pad=3,
                                     samples=50, cols=6, length=45),
        "hop_over_win_forward": dict(n_fft=32, hop=40, win=16, window="blackman", center=False, samples=200, cols=0),
        "circular_bartlett": dict(double=True, fftw=True, n_fft=64, hop=16, window="bartlett", pad_mode="circular",
                                  samples=32, cols=9),
        "custom_window": dict(n_fft=8, hop=2, custom=(0, ("small", [0.1, 0.5, 1, 1, 0.5, 0.1, 0.05, 0.02], ())),
                              normalized="window", samples=40, cols=12, length=33),
        "custom_window_wrong_size": dict(n_fft=8, hop=2, custom=(-1, ("noise", 9, ())), samples=40),
        "specials_signal": dict(double=True, n_fft=32, hop=8, samples=300,
                                signal=("noise", 3, ((5, "nan"), (77, "inf"), (130, "denorm"))),
                                spec=("noise", 4, ((3, "1e300"),))),
        "specials_float": dict(n_fft=32, hop=8, samples=300, fftw=True,
                               signal=("f64", [1e300, -1e-310, 3.0e38, 0.0], ()),
                               spec=("noise", 5, ((1, "flt_max"), (2, "-inf")))),
        "wrong_rows": dict(n_fft=64, hop=16, samples=100, rows=20, cols=7),
        "n_fft_4096_long": dict(double=True, fftw=True, n_fft=4096, hop=1024, samples=16384, cols=3, length=5000),
        "reflect_too_short": dict(n_fft=256, hop=64, samples=100, pad_mode="reflect"),
        "length_zero": dict(n_fft=16, hop=4, length=0, cols=5),
        "torchaudio_pad": dict(double=True, n_fft=24, hop=6, pad=10, samples=50, cols=8, length=50),
        "bad_enums": dict(window=6, pad_mode=4, normalized=-1),
        "bad_window_minus_1": dict(window=-1, pad_mode=-1, normalized=3),
        "bad_kaiser_beta": dict(window="kaiser", beta=float("nan")),
        "bad_n_fft": dict(n_fft=0),
        "bad_n_fft_int_min": dict(n_fft=-2**31, hop=-1),
        "n_fft_huge_valid": dict(n_fft=2**31 - 1, hop=2**31 - 1),
        "bad_pad": dict(pad=-1),
        "bad_win_length": dict(n_fft=16, win=17),
        "default_hop_zero": dict(n_fft=3),
        "empty_signal": dict(samples=0, cols=0),
        "geometry_large": dict(n_fft=512, hop=128, geometry=(1 << 40, 1 << 40)),
    }
    for name, kwargs in seeds.items():
        write("stft", name + ".bin", StftSeed().case(**kwargs))


def main():
    for kind, make in (("npy", npy_seeds), ("audio", audio_seeds), ("stft", stft_seeds)):
        directory = os.path.join(CORPUS, kind)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        make()
        print(f"{kind}: {len(os.listdir(directory))} seeds in {os.path.relpath(directory, os.path.dirname(os.path.dirname(HERE)))}")


if __name__ == "__main__":
    main()
