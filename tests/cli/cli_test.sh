#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of the `specinv` binary, one case per ctest: real clips through every subcommand, and
# every bad input, checking the exit code, the message and that no output file is left behind.
#
#   cli_test.sh <case> <specinv binary> <work dir> <bundled clip> <fixtures dir>
set -uo pipefail
case_name=$1 specinv=$2 work=$3 clip=$4 data=$5
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }

# run ARGS...: runs specinv, keeping stdout, stderr and the exit code.
run() {
  "$specinv" "$@" >stdout.txt 2>stderr.txt
  rc=$?
  echo "\$ specinv $*  -> exit $rc"; cat stdout.txt; cat stderr.txt
}

# ok ARGS...: must succeed.
ok() {
  run "$@"
  [[ $rc -eq 0 ]] || fail "exit $rc, expected 0"
}

# refused REGEX OUT ARGS...: must exit 2 with one line on stderr matching REGEX, write nothing to
# stdout, and leave neither OUT nor a temporary file behind.
refused() {
  local regex=$1 out=$2
  shift 2
  run "$@"
  [[ $rc -eq 2 ]] || fail "exit $rc, expected 2"
  [[ $(wc -l <stderr.txt) -eq 1 ]] || fail "expected exactly one line on stderr"
  grep -Eq -- "^specinv: error: .*$regex" stderr.txt || fail "stderr does not match /$regex/"
  [[ ! -s stdout.txt ]] || fail "expected nothing on stdout"
  [[ ! -e $out ]] || fail "$out was left behind"
  if compgen -G ".specinv-*.tmp" >/dev/null; then fail "a temporary file was left behind"; fi
}

# json_number KEY: the number KEY has in the JSON on stdout (the first object).
json_number() { grep -o "\"$1\":[-0-9.eE+]*" stdout.txt | head -1 | cut -d: -f2; }

# number VALUE WHAT: VALUE is a finite decimal number (not empty, null or inf).
number() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] || fail "$2: '$1' is not a number"; }

# at_most VALUE LIMIT WHAT: VALUE <= LIMIT; at_least VALUE LIMIT WHAT: VALUE >= LIMIT.
at_most() {
  number "$1" "$3"
  awk -v v="$1" -v l="$2" 'BEGIN { exit !(v + 0 <= l + 0) }' || fail "$3 = $1, expected <= $2"
  echo "$3 = $1 (<= $2)"
}
at_least() {
  number "$1" "$3"
  awk -v v="$1" -v l="$2" 'BEGIN { exit !(v + 0 >= l + 0) }' || fail "$3 = $1, expected >= $2"
  echo "$3 = $1 (>= $2)"
}

# the_same A B WHAT: |A - B| <= 1e-3 (dB).
the_same() {
  number "$1" "$3"
  number "$2" "$3"
  awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d <= 1e-3 && d >= -1e-3) }' || fail "$3: $1 != $2"
  echo "$3: $1 == $2"
}

# npy_with_header FILE HEADER: a format 1.0 .npy file whose header dictionary is HEADER, no data.
npy_with_header() {
  local len=${#2}
  printf '\x93NUMPY\x01\x00' >"$1"
  printf '%b' "\\x$(printf %02x $((len & 255)))\\x$(printf %02x $((len >> 8)))" >>"$1"
  printf '%s' "$2" >>"$1"
}

is_png() { [[ $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$1 is not a PNG"; }

case $case_name in
# ---- what must work ----
help)
  for cmd in invert stft compare; do
    ok "$cmd" --help
    grep -q "Usage: specinv $cmd" stdout.txt || fail "$cmd --help has no usage line"
  done
  ok invert --help
  for option in --algo --init --iters --seed --momentum --look-ahead --tol --rho --threads --n-fft --hop --win-length \
                --window --sample-rate --length --mel --bark --mel-scale --mel-norm --f-min --f-max --power --log \
                --inverse --json; do
    grep -q -- "$option" stdout.txt || fail "invert --help does not explain $option"
  done
  grep -q -- "--n-fft INT=1024" stdout.txt || fail "invert --help does not give the defaults"
  for algo in gla fgla admm rtisi-la lbfgs pghi legla rtpghi; do
    grep -q "^ *$algo: " stdout.txt || fail "invert --help does not describe $algo"
  done
  ok --version
  ;;
invert_every_algorithm)
  # The round trip of the bundled clip through every algorithm at its defaults; the limits are the
  # measured SC plus about 2 dB (fgla -26.2, admm -39.7, rtisi-la -30.4, lbfgs -36.9, pghi -25.6,
  # legla -36.4, rtpghi -24.5, gla -16.7).
  ok invert "$clip" 'out_{algo}.wav' --algo all --json
  [[ $(wc -l <stdout.txt) -eq 8 ]] || fail "expected 8 JSON lines"
  while read -r algo limit; do
    line=$(grep "\"algorithm\":\"$algo\"" stdout.txt) || fail "no JSON line for $algo"
    for key in iterations seconds spectral_convergence_db real_time_factor n_fft hop_length sample_rate; do
      grep -q "\"$key\":" <<<"$line" || fail "$algo: no $key in the JSON"
    done
    at_most "$(grep -o '"spectral_convergence_db":[-0-9.eE+]*' <<<"$line" | cut -d: -f2)" "$limit" "$algo SC dB"
    [[ -s out_$algo.wav ]] || fail "out_$algo.wav was not written"
  done <<'EOF'
gla -15
fgla -24
admm -37
rtisi-la -28
lbfgs -34
pghi -23
legla -34
rtpghi -22
EOF
  ;;
invert_human_summary)
  ok invert "$clip" out.wav --algo fgla --init pghi --iters 50
  grep -q "1 channel, 22050 Hz" stdout.txt || fail "no input summary"
  grep -Eq "^fgla +50 +-[0-9.]+ +[0-9.]+ +[0-9.]+x +out.wav$" stdout.txt || fail "no result row"
  [[ -s out.wav ]] || fail "out.wav was not written"
  ;;
mel_npy_round_trip)
  # A model-style mel .npy (power mel, 80 bands) back to audio: inverse filterbank, then FGLA.
  ok stft "$clip" mel.npy --mel 80 --n-fft 1024 --hop 256
  grep -q "float32 (80, 383) mel spectrogram" stdout.txt || fail "unexpected stft summary"
  ok invert mel.npy out.wav --mel 80 --sample-rate 22050 --n-fft 1024 --hop 256 --algo fgla --init pghi --iters 100 --json
  at_most "$(json_number mel_spectral_convergence_db)" -28 "mel SC dB (measured -30.7)"
  at_most "$(json_number spectral_convergence_db)" -19 "SC dB against the inverse filterbank's magnitude (measured -21.3)"
  [[ -s out.wav ]] || fail "out.wav was not written"
  # The same mel in dB (torchaudio AmplitudeToDB) gives the same result once --log db undoes it.
  ok stft "$clip" mel_db.npy --mel 80 --log db
  ok invert mel_db.npy out_db.wav --mel 80 --log db --sample-rate 22050 --algo fgla --init pghi --iters 100 --json
  at_most "$(json_number mel_spectral_convergence_db)" -28 "mel SC dB from dB values"
  ;;
npy_matches_audio_input)
  # A magnitude .npy written by `specinv stft` inverts exactly as the audio it came from.
  ok invert "$clip" from_wav.wav --algo pghi --json
  sc_wav=$(json_number spectral_convergence_db)
  ok stft "$clip" magnitude.npy --magnitude
  ok invert magnitude.npy from_npy.wav --algo pghi --sample-rate 22050 --length 97874 --json
  the_same "$(json_number spectral_convergence_db)" "$sc_wav" "SC of the .npy and the audio input"
  ;;
npy_fortran_float64)
  ok invert "$data/magnitude_f64_fortran.npy" out.wav --n-fft 256 --hop 128 --sample-rate 22050 --algo fgla --json
  at_most "$(json_number spectral_convergence_db)" -23 "SC dB (measured -25.2)"
  [[ $(json_number samples) -eq 12672 ]] || fail "expected (100 - 1) * 128 samples"
  ;;
stereo_flac_threads)
  ok invert "$data/stereo.flac" out.wav --algo fgla --init pghi --iters 50 --threads 2 --json
  [[ $(json_number channels) -eq 2 ]] || fail "expected 2 channels"
  at_most "$(json_number spectral_convergence_db)" -24 "SC dB over both channels (measured -26.7)"
  ok stft "$data/stereo.flac" stereo.npy --magnitude
  grep -q "float32 (2, 513, 130) magnitude" stdout.txt || fail "expected a (channels, freq, frames) array"
  ok invert stereo.npy out2.wav --sample-rate 22050 --algo pghi --json
  [[ $(json_number channels) -eq 2 ]] || fail "expected 2 channels from the rank-3 .npy"
  ;;
npy_channels_fortran)
  ok invert "$data/channels_f64_fortran.npy" out.wav --n-fft 256 --hop 128 --sample-rate 22050 --algo fgla --json
  [[ $(json_number channels) -eq 2 ]] || fail "expected 2 channels from (2, 129, 20)"
  at_most "$(json_number spectral_convergence_db)" -15 "SC dB"
  ;;
threads_same_result)
  ok invert "$data/stereo.flac" one.wav --algo fgla --threads 1 --json
  sc_one=$(json_number spectral_convergence_db)
  ok invert "$data/stereo.flac" two.wav --algo fgla --threads 2 --json
  the_same "$(json_number spectral_convergence_db)" "$sc_one" "SC with 2 threads and with 1"
  # Bit for bit only when FFTW_MEASURE picked the same kernels in both runs (fft/fftw.hpp); an
  # identical file has an infinite SNR, which the JSON writes as null.
  if cmp -s one.wav two.wav; then
    echo "2 threads wrote the same samples as 1"
  else
    ok compare one.wav two.wav --json
    snr=$(json_number snr_db)
    if [[ -z $snr ]]; then  # equal samples in files that differ (a zero's sign): infinite SNR, null
      echo "2 threads wrote samples equal to 1 thread's"
    else
      at_least "$snr" 60 "SNR dB of 2 threads' output against 1 thread's"
    fi
  fi
  # Mono: the threads split the frames of the one channel (fgla, admm). In one process any thread
  # count gives the same bits (tests/phase/test_threads.cpp); across two processes FFTW_MEASURE may
  # pick other kernels, which 30 ADMM iterations amplify to a few hundredths of a dB.
  for algo in fgla admm; do
    ok invert "$data/speech.ogg" one.wav --algo $algo --iters 30 --threads 1 --json
    sc_one=$(json_number spectral_convergence_db)
    ok invert "$data/speech.ogg" three.wav --algo $algo --iters 30 --threads 3 --json
    [[ $(json_number threads) -eq 3 ]] || fail "expected threads 3 in the JSON"
    sc_three=$(json_number spectral_convergence_db)
    awk -v a="$sc_one" -v b="$sc_three" 'BEGIN { d = a - b; exit !(d <= 0.1 && d >= -0.1) }' ||
      fail "$algo: SC with 3 threads ($sc_three) is not within 0.1 dB of 1 thread's ($sc_one)"
    echo "$algo: SC with 3 threads $sc_three, with 1 $sc_one"
  done
  ;;
ogg_input)
  ok invert "$data/speech.ogg" out.wav --algo fgla --json
  at_most "$(json_number spectral_convergence_db)" -24 "SC dB (measured -26.1)"
  ;;
truncated_wav)
  # A wav cut off inside its data chunk (its header still announces 97874 samples) gives the
  # samples that are there, as libsndfile (and so Python's soundfile) reads it; the half sample at
  # the cut is dropped.
  head -c $((44 + 2 * 10000 + 1)) "$clip" >cut.wav
  ok stft cut.wav cut.npy --magnitude
  grep -q "float32 (513, 40) magnitude" stdout.txt || fail "expected 1 + 10000 / 256 = 40 frames"
  ok invert cut.wav out.wav --algo pghi --json
  [[ $(json_number samples) -eq 10000 ]] || fail "expected the 10000 samples the file holds"
  ;;
compare_and_plot)
  ok invert "$clip" est.wav --algo fgla --json
  sc_invert=$(json_number spectral_convergence_db)
  ok compare "$clip" est.wav --plot plot.png --json
  the_same "$(json_number spectral_convergence_db)" "$sc_invert" "compare's SC and invert's"
  at_least "$(json_number ser_db)" 20 "SER dB"
  at_least "$(json_number snr_db)" 20 "SNR dB"
  is_png plot.png
  [[ $(stat -c %s plot.png) -gt 20000 ]] || fail "plot.png is suspiciously small"
  ok compare "$clip" "$clip"
  grep -q "SNR.*inf" stdout.txt || fail "a file against itself should have an infinite SNR"
  ;;
# ---- what must be refused: exit 2, one line, no output ----
npy_nan) refused "nan.npy: NaN or infinite values" out.wav invert "$data/nan.npy" out.wav --sample-rate 22050 ;;
npy_shape_overflow) refused "overflow.npy: shape .* is too large" out.wav invert "$data/overflow.npy" out.wav --sample-rate 22050 ;;
empty_mel_filters) refused "--mel 128 with 129 frequency bins .* all zero" out.wav invert "$clip" out.wav --mel 128 --n-fft 256 ;;
log_with_audio) refused "--log applies to a .npy IN" out.wav invert "$clip" out.wav --log db ;;
filter_option_without_filter) refused "--mel-scale applies with --mel" out.wav invert "$clip" out.wav --mel-scale slaney ;;
kaiser_beta_without_kaiser) refused "--kaiser-beta applies with --window kaiser" out.wav invert "$clip" out.wav --kaiser-beta 8 ;;
algorithm_twice) refused "names fgla twice" 'o_fgla.wav' invert "$clip" 'o_{algo}.wav' --algo fgla,fgla ;;
several_algorithms_bad_option)
  # fgla's momentum is checked before gla runs: no o_gla.wav.
  refused "momentum = 1" o_gla.wav invert "$clip" 'o_{algo}.wav' --algo gla,fgla --momentum 1
  ;;
missing_file) refused "nothing.wav: no such file" out.wav invert nothing.wav out.wav ;;
missing_npy) refused "nothing.npy: no such file" out.wav invert nothing.npy out.wav --sample-rate 22050 ;;
not_audio)
  echo "this is not audio" >notes.wav
  refused "cannot read audio file 'notes.wav'" out.wav invert notes.wav out.wav
  ;;
npy_complex)
  ok stft "$clip" complex.npy
  refused "dtype complex64: expected float32 or float64" out.wav invert complex.npy out.wav --sample-rate 22050
  ;;
npy_int16) refused "dtype int16 \('<i2'\): expected float32 or float64" out.wav invert "$data/int16.npy" out.wav --sample-rate 22050 ;;
npy_big_endian) refused "big-endian float32" out.wav invert "$data/bigendian.npy" out.wav --sample-rate 22050 ;;
npy_rank1) refused "shape \(513,\) has rank 1" out.wav invert "$data/rank1.npy" out.wav --sample-rate 22050 ;;
npy_rank4) refused "has rank 4" out.wav invert "$data/rank4.npy" out.wav --sample-rate 22050 ;;
npy_truncated)
  refused "truncated.npy: truncated: shape \(513, 40\) needs" out.wav invert "$data/truncated.npy" out.wav --sample-rate 22050
  ;;
npy_not_npy)
  cp "$data/CREDITS.txt" notes.npy
  refused "notes.npy: not a NumPy .npy file" out.wav invert notes.npy out.wav --sample-rate 22050
  ;;
frequency_mismatch)
  refused "129 rows, but --n-fft 1024 expects 513" out.wav invert "$data/magnitude_f64_fortran.npy" out.wav --sample-rate 22050
  ;;
mel_mismatch)
  ok stft "$clip" mel.npy --mel 80
  refused "80 rows, but --mel 64 expects 64" out.wav invert mel.npy out.wav --mel 64 --sample-rate 22050
  ;;
log_values_without_log)
  ok stft "$clip" mel_db.npy --mel 80 --log db
  refused "negative values .*pass --log" out.wav invert mel_db.npy out.wav --mel 80 --sample-rate 22050
  ;;
npy_without_sample_rate)
  refused "--sample-rate is required" out.wav invert "$data/magnitude_f64_fortran.npy" out.wav --n-fft 256 --hop 128
  ;;
sample_rate_differs) refused "--sample-rate 16000 differs from .* 22050 Hz" out.wav invert "$clip" out.wav --sample-rate 16000 ;;
unknown_algorithm) refused "unknown algorithm 'foo' for --algo: expected gla, fgla" out.wav invert "$clip" out.wav --algo foo ;;
unknown_init) refused "unknown --init 'best'" out.wav invert "$clip" out.wav --init best ;;
unknown_window) refused "unknown --window 'triangle'" out.wav invert "$clip" out.wav --window triangle ;;
option_not_applicable) refused "--iters does not apply to --algo pghi" out.wav invert "$clip" out.wav --algo pghi --iters 5 ;;
unknown_option) refused "--bogus" out.wav invert "$clip" out.wav --bogus ;;
bad_hop) refused "hop_length" out.wav invert "$clip" out.wav --n-fft 512 --hop 1024 ;;
bad_momentum) refused "momentum" out.wav invert "$clip" out.wav --algo fgla --momentum 1 ;;
several_algorithms_one_output) refused "must contain \{algo\}" out.wav invert "$clip" out.wav --algo fgla,pghi ;;
output_not_wav) refused "OUT 'out.mp3' must end in .wav" out.mp3 invert "$clip" out.mp3 ;;
output_directory_missing) refused "directory 'no/such' does not exist" no/such/out.wav invert "$clip" no/such/out.wav ;;
existing_output_kept)
  # A failed run leaves an existing OUT as it was.
  echo "keep me" >out.wav
  "$specinv" invert "$data/int16.npy" out.wav --sample-rate 22050 >/dev/null 2>&1
  [[ $? -eq 2 ]] || fail "expected exit 2"
  [[ $(cat out.wav) == "keep me" ]] || fail "out.wav was overwritten by a failed run"
  ;;
stft_bad_dtype) refused "unknown --dtype 'int8'" out.npy stft "$clip" out.npy --dtype int8 ;;
stft_power_without_magnitude) refused "--power and --log apply to a magnitude" out.npy stft "$clip" out.npy --power 2 ;;
compare_rate_mismatch)
  ok invert "$data/magnitude_f64_fortran.npy" slow.wav --n-fft 256 --hop 128 --sample-rate 16000 --algo pghi
  refused "compare needs one sample rate" plot.png compare "$clip" slow.wav --plot plot.png
  ;;
compare_plot_not_png) refused "--plot 'plot.jpg' must end in .png" plot.jpg compare "$clip" "$clip" --plot plot.jpg ;;
npy_bad_header)
  printf '\x93NUMPY\x04\x00\x00\x00' >v4.npy
  refused "v4.npy: unsupported .npy format version 4" out.wav invert v4.npy out.wav --sample-rate 22050
  printf '\x93NUMPY\x01\x00\x76' >cut.npy  # the header length cut after one of its two bytes
  refused "cut.npy: truncated .npy header" out.wav invert cut.npy out.wav --sample-rate 22050
  printf '\x93NUMPY\x02\x00\xff\xff\xff\x00' >long.npy  # a header of 16 MiB
  refused "long.npy: corrupt .npy header" out.wav invert long.npy out.wav --sample-rate 22050
  printf '\x93NUMPY\x01\x00\x76\x00{' >short.npy  # 118 header bytes announced, 1 there
  refused "short.npy: truncated .npy header" out.wav invert short.npy out.wav --sample-rate 22050
  npy_with_header no_dtype.npy "{'fortran_order': False, 'shape': (513, 4), }"
  refused "no_dtype.npy: no dtype in the .npy header" out.wav invert no_dtype.npy out.wav --sample-rate 22050
  npy_with_header no_order.npy "{'descr': '<f4', 'shape': (513, 4), }"
  refused "no_order.npy: no fortran_order in the .npy header" out.wav invert no_order.npy out.wav --sample-rate 22050
  npy_with_header no_shape.npy "{'descr': '<f4', 'fortran_order': False, }"
  refused "no_shape.npy: no shape in the .npy header" out.wav invert no_shape.npy out.wav --sample-rate 22050
  npy_with_header bad_shape.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (513, x), }"
  refused "bad_shape.npy: bad shape \(513, x\) in the .npy header" out.wav invert bad_shape.npy out.wav --sample-rate 22050
  ;;
npy_empty)
  npy_with_header empty.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (513, 0), }"
  refused "empty.npy: shape \(513, 0\) is empty" out.wav invert empty.npy out.wav --sample-rate 22050
  ;;
npy_unreadable)
  # Root reads any file: only another user can be refused one (exit 77: skipped).
  [[ $EUID -ne 0 ]] || { echo "skipped: running as root"; exit 77; }
  cp "$data/magnitude_f64_fortran.npy" locked.npy && chmod 000 locked.npy
  refused "locked.npy: cannot open the file" out.wav invert locked.npy out.wav --sample-rate 22050
  ;;
input_is_directory)
  mkdir in.wav
  refused "in.wav: is a directory, not an audio file" out.wav invert in.wav out.wav
  ;;
empty_audio)
  # A 16-bit mono 22050 Hz wav header whose data chunk is empty.
  printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x22\x56\x00\x00\x44\xac\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00' >empty.wav
  refused "empty.wav: the audio file has no samples" out.wav invert empty.wav out.wav
  ;;
output_is_directory)
  mkdir out.wav
  refused "out.wav: is a directory" none.wav invert "$clip" out.wav
  [[ -d out.wav ]] || fail "out.wav is no longer a directory"
  ;;
output_not_writable)
  # /proc refuses new files to every user, root included (exit 77: skipped where there is none).
  [[ -d /proc/self ]] || { echo "skipped: no /proc"; exit 77; }
  refused "cannot write '/proc/specinv-test.wav'" /proc/specinv-test.wav invert "$clip" /proc/specinv-test.wav
  ;;
bad_filter_options)
  # Each is refused before the input is read.
  refused "--mel and --bark exclude each other" out.wav invert "$clip" out.wav --mel 40 --bark 20
  refused "--mel -3: expected a number of filters >= 1" out.wav invert "$clip" out.wav --mel -3
  refused "--bark -2: expected a number of filters >= 1" out.wav invert "$clip" out.wav --bark -2
  refused "--power -1[.0-9]*: expected a finite exponent > 0" out.wav invert "$clip" out.wav --power -1
  refused "unknown --log 'log2'" out.wav invert "$clip" out.wav --log log2
  refused "--log-floor 0[.0-9]*: expected a finite value > 0" out.wav invert "$clip" out.wav --log-floor 0
  refused "unknown --mel-scale 'mels'" out.wav invert "$clip" out.wav --mel 40 --mel-scale mels
  refused "unknown --mel-norm 'area'" out.wav invert "$clip" out.wav --mel 40 --mel-norm area
  refused "unknown --bark-scale 'zwicker'" out.wav invert "$clip" out.wav --bark 20 --bark-scale zwicker
  refused "--f-min -5[.0-9]*: expected >= 0 Hz" out.wav invert "$clip" out.wav --mel 40 --f-min -5
  refused "--f-max -5[.0-9]*: expected > 0 Hz" out.wav invert "$clip" out.wav --mel 40 --f-max -5
  ;;
bad_numbers)
  refused "--threads 0: expected at least 1" out.wav invert "$clip" out.wav --threads 0
  refused "--iters -1: expected 0" out.wav invert "$clip" out.wav --iters -1
  refused "--length -1: expected 0" out.wav invert "$clip" out.wav --length -1
  refused "--sample-rate -5: expected > 0" out.wav invert "$clip" out.wav --sample-rate -5
  refused "--look-ahead -2: expected -1 or more" out.wav invert "$clip" out.wav --algo rtisi-la --look-ahead -2
  ;;
unknown_pad_mode) refused "unknown --pad-mode 'mirror'" out.wav invert "$clip" out.wav --pad-mode mirror ;;
pad_mode_without_center)
  refused "--pad-mode applies to centred frames" out.wav invert "$clip" out.wav --no-center --pad-mode constant
  ;;
inverse_without_filter) refused "--inverse applies with --mel or --bark" out.wav invert "$clip" out.wav --inverse nnls ;;
unknown_inverse) refused "unknown --inverse 'magic'" out.wav invert "$clip" out.wav --mel 80 --inverse magic ;;
compare_channel_mismatch)
  refused "stereo.flac has 2 channels, .* 1: compare needs the same channels" plot.png \
    compare "$clip" "$data/stereo.flac" --plot plot.png
  ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
