// SPDX-License-Identifier: MIT
// libFuzzer target: StftParams, a signal and a spectrogram decoded from the bytes (any shape and
// any value: n_fft = 1, odd sizes, hop > win, out-of-range enumerators, NaN, Inf, huge and
// denormal samples), through validation, Stft construction, forward, inverse (with and without a
// length), the free stft / istft and the geometry functions, for float and double and for both
// FFT backends. It aborts (which libFuzzer reports) when
//   - anything throws other than specinv::invalid_argument, or that one's message is not shaped
//     `<where>: <name> = <value>; expected <range>`;
//   - validate() and the constructor disagree, or an output has the wrong shape;
//   - finite, moderate input (|values| <= 1e3, window too) gives a non-finite output;
//   - istft(stft(x), length = x.size()) is not x where the overlap-add envelope is not small.
// Sizes are bounded (n_fft <= 4096, a transform's frames * n_fft * FFT cost per sample <= 2^21)
// so that every input runs in milliseconds; parameters beyond that still go through validate()
// and the geometry functions, which allocate nothing.

// Instant FFTW planning: the fuzzer sees a new size on almost every input, and the default
// FFTW_MEASURE would time each one (and make results differ from run to run). A build that
// compiles the library once for every target (SPECINV_SHARED_INSTANCES) has set it already.
#ifndef SPECINV_FFTW_PLANNER_FLAGS
#define SPECINV_FFTW_PLANNER_FLAGS FFTW_ESTIMATE
#endif

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <specinv/stft.hpp>

namespace {

using specinv::Index;

[[noreturn]] void violation(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz_stft: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

/// Reads the fuzzer's bytes front to back; past the end every read is 0, so every input decodes.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
  std::uint8_t u8() { return m_pos < m_size ? m_data[m_pos++] : 0; }
  // Little-endian, low part first: each read is its own statement, since the order in which the
  // operands of | are evaluated is unspecified (the seeds must decode alike under every compiler).
  std::uint16_t u16() {
    const std::uint16_t lo = u8();
    return std::uint16_t(lo | (u8() << 8));
  }
  std::uint32_t u32() {
    const std::uint32_t lo = u16();
    return lo | (std::uint32_t(u16()) << 16);
  }
  std::uint64_t u64() {
    const std::uint64_t lo = u32();
    return lo | (std::uint64_t(u32()) << 32);
  }
  double f64() {
    const std::uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  float f32() {
    const std::uint32_t bits = u32();
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::size_t left() const { return m_size - m_pos; }

 private:
  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
};

constexpr int int_min = std::numeric_limits<int>::min();
constexpr int int_max = std::numeric_limits<int>::max();
constexpr Index max_n_fft = 4096;          // transforms only run up to this size
constexpr Index max_pad = 4096;            // ... and this much torchaudio padding
constexpr Index max_signal = Index(1) << 16;
constexpr Index max_values = Index(1) << 17;  // spectrogram values decoded
constexpr Index max_cost = Index(1) << 21;     // frames * n_fft * fft_cost_factor() per transform
constexpr Index max_length = Index(1) << 17;

/// A size-like int: small values, powers of two, anything up to 4096, or extremes.
int decode_size(Bytes& in) {
  const std::uint8_t mode = in.u8();
  const std::uint16_t v = in.u16();
  switch (mode % 4) {
    case 0: return int(v % 20) - 2;          // -2 .. 17
    case 1: return 1 << (v % 13);            // 1 .. 4096
    case 2: return int(v % 4097);            // 0 .. 4096
    default: {
      constexpr int extremes[] = {0, -1, int_min, int_max, 4097, 1 << 20, 8192, 3};
      return extremes[v % 8];
    }
  }
}

/// hop_length or win_length, often relative to n_fft.
int decode_relative(Bytes& in, int n_fft) {
  const std::uint8_t mode = in.u8();
  const std::uint16_t v = in.u16();
  const long long n = std::clamp<long long>(n_fft, -8192, 8192);
  switch (mode % 5) {
    case 0: return 0;                                                 // the default
    case 1: return int(n / (1 + v % 8));                              // n_fft / k
    case 2: return int(std::clamp<long long>(n + int(v % 9) - 4, int_min, int_max));  // about n_fft
    case 3: return decode_size(in);
    default: return int(v);                                           // anything to 65535
  }
}

/// A value of one of the kinds that break numerical code.
double special(std::uint8_t k) {
  constexpr double specials[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::max(),
                                 std::numeric_limits<double>::denorm_min(), -0.0, 1e300, 1e-300,
                                 double(std::numeric_limits<float>::max()), double(std::numeric_limits<float>::denorm_min()),
                                 1e38, 1e-40};
  return specials[k % (sizeof specials / sizeof specials[0])];
}

/// `count` values: zeros, up to a u16-counted number of small integers, raw float or double IEEE
/// bits from the input (repeated to `count`), or noise; then a few special values at chosen places.
void decode_values(Bytes& in, double* out, Index count) {
  const std::uint8_t kind = in.u8() % 5;
  if (kind == 0) {
    std::fill_n(out, count, 0.0);
  } else if (kind <= 3) {
    const Index given = std::min<Index>(count, in.u16());
    for (Index i = 0; i < given; ++i)
      out[i] = kind == 1 ? double(std::int8_t(in.u8())) / 64.0 : kind == 2 ? in.f64() : double(in.f32());
    for (Index i = given; i < count; ++i) out[i] = given > 0 ? out[i % given] : 0.0;
  } else {
    std::uint64_t state = in.u32() | 1;  // a fixed-seed generator: long signals from short inputs
    for (Index i = 0; i < count; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      out[i] = double(std::int64_t(state >> 11) - (std::int64_t(1) << 52)) / double(std::int64_t(1) << 52);
    }
  }
  if (count == 0) return;
  for (int specials = in.u8() % 4; specials > 0; --specials) {
    const std::uint16_t at = in.u16();
    out[at % count] = special(in.u8());
  }
}

struct Case {
  specinv::StftParams params;
  bool use_double = false;
  bool use_fftw = false;
  Eigen::VectorXd signal;
  Index spec_rows = 0, spec_cols = 0;
  Eigen::VectorXd spec_values;  // 2 * rows * cols: real, imaginary
  std::optional<Index> length;
  Index geometry_frames = 1;    // for istft_length(), which allocates nothing: may be huge
  Index geometry_samples = 1;   // for n_frames()
};

Case decode(Bytes& in) {
  Case c;
  const std::uint8_t flags = in.u8();
  c.use_double = flags & 1;
  c.use_fftw = flags & 2;
  specinv::StftParams& p = c.params;
  p.center = !(flags & 4);
  p.onesided = !(flags & 8);
  const bool custom = flags & 16;
  const bool has_length = flags & 32;
  p.n_fft = decode_size(in);
  p.hop_length = decode_relative(in, p.n_fft);
  p.win_length = decode_relative(in, p.n_fft);
  p.window = static_cast<specinv::WindowKind>(int(in.u8() % 9) - 1);     // -1 .. 7: two out of range
  p.pad_mode = static_cast<specinv::PadMode>(int(in.u8() % 7) - 1);      // -1 .. 5
  p.normalized = static_cast<specinv::Normalization>(int(in.u8() % 6) - 1);  // -1 .. 4
  const std::uint8_t beta_mode = in.u8();
  switch (beta_mode % 3) {
    case 0: p.kaiser_beta = double(in.u8()) / 10.0; break;
    case 1: p.kaiser_beta = in.f64(); break;
    default: {
      constexpr double betas[] = {700.0, 700.0000000001, -0.0, -1e-300, 699.99, 0.0};
      p.kaiser_beta = betas[in.u8() % 6];
    }
  }
  const std::uint8_t pad_mode = in.u8();
  const std::uint16_t pad = in.u16();
  p.pad = pad_mode % 4 == 0 ? 0 : pad_mode % 4 == 1 ? int(pad % 64) : pad_mode % 4 == 2 ? int(pad) : (pad & 1 ? -1 : int_max);
  if (custom) {
    const Index resolved = p.win_length > 0 ? p.win_length : p.n_fft;
    const std::uint8_t size_mode = in.u8();
    Index size = size_mode % 3 == 0 ? resolved : size_mode % 3 == 1 ? resolved + int(in.u8() % 5) - 2 : Index(in.u8());
    size = std::clamp<Index>(size, 0, max_n_fft + 2);
    p.custom_window.resize(size);
    decode_values(in, p.custom_window.data(), size);
  }

  const std::uint8_t length_mode = in.u8();
  const std::uint16_t length_value = in.u16();
  Index samples;
  switch (length_mode % 4) {
    case 0: samples = length_value % 64; break;
    case 1: samples = length_value; break;
    case 2: samples = Index(std::clamp(p.n_fft, 0, int(max_n_fft))) / 2 + int(length_value % 5) - 2; break;
    default: samples = Index(length_value) * 16; break;
  }
  samples = std::clamp<Index>(samples, 0, max_signal);
  c.signal.resize(samples);
  decode_values(in, c.signal.data(), samples);

  const Index n_freqs = p.n_fft >= 1 && p.n_fft <= max_n_fft ? (p.onesided ? p.n_fft / 2 + 1 : p.n_fft) : 1;
  const std::uint8_t rows_mode = in.u8();
  c.spec_rows = rows_mode % 3 == 0 ? n_freqs : rows_mode % 3 == 1 ? n_freqs + int(in.u8() % 5) - 2 : Index(in.u8());
  c.spec_rows = std::clamp<Index>(c.spec_rows, 0, max_n_fft + 2);
  c.spec_cols = in.u16() % 512;
  if (c.spec_rows * c.spec_cols > max_values) c.spec_cols = max_values / std::max<Index>(1, c.spec_rows);
  c.spec_values.resize(2 * c.spec_rows * c.spec_cols);
  decode_values(in, c.spec_values.data(), c.spec_values.size());

  if (has_length) {
    const std::uint8_t mode = in.u8();
    const std::uint32_t v = in.u32();
    c.length = mode % 3 == 0 ? Index(v % 4096) - 2 : mode % 3 == 1 ? Index(v % max_length) : -Index(v % 3);
  }
  // The geometry functions take any count (they allocate nothing): huge ones look for overflow.
  const std::uint8_t geometry_mode = in.u8();
  const std::uint64_t g = in.u64();
  c.geometry_frames = geometry_mode & 1 ? Index(g >> 1) : std::max<Index>(1, c.spec_cols);
  c.geometry_samples = geometry_mode & 2 ? Index(g >> 1) : c.signal.size();
  return c;
}

/// SPECINV_FUZZ_VERBOSE=1 prints the decoded case and what each call did, for reading a reproducer.
bool verbose() {
  static const bool on = std::getenv("SPECINV_FUZZ_VERBOSE") != nullptr;
  return on;
}

/// The decoded case in words.
void describe(const Case& c) {
  const specinv::StftParams& p = c.params;
  std::fprintf(stderr,
               "fuzz_stft case: %s %s n_fft=%d hop_length=%d win_length=%d window=%d kaiser_beta=%.17g "
               "custom_window=%lld center=%d pad_mode=%d pad=%d normalized=%d onesided=%d signal=%lld "
               "spectrogram=%lldx%lld length=%s geometry_frames=%lld geometry_samples=%lld\n",
               c.use_double ? "double" : "float", c.use_fftw ? "fftw" : "kiss", p.n_fft, p.hop_length, p.win_length,
               int(p.window), p.kaiser_beta, static_cast<long long>(p.custom_window.size()), int(p.center),
               int(p.pad_mode), p.pad, int(p.normalized), int(p.onesided), static_cast<long long>(c.signal.size()),
               static_cast<long long>(c.spec_rows), static_cast<long long>(c.spec_cols),
               c.length ? std::to_string(*c.length).c_str() : "none", static_cast<long long>(c.geometry_frames),
               static_cast<long long>(c.geometry_samples));
}

/// Runs `f`; true if it returned. specinv::invalid_argument is the one way to refuse, and its
/// message has the documented shape; any other exception is a bug.
template <class F>
bool refused_or_ran(const char* what, F&& f) {
  try {
    f();
    if (verbose()) std::fprintf(stderr, "  %s: ran\n", what);
    return true;
  } catch (const specinv::invalid_argument& e) {
    const std::string msg = e.what();
    if (verbose()) std::fprintf(stderr, "  %s: refused: %s\n", what, msg.c_str());
    if (msg.find(" = ") == std::string::npos || msg.find("expected") == std::string::npos)
      violation("invalid_argument message without ' = ' and 'expected'", std::string(what) + ": " + msg);
    return false;
  } catch (const std::exception& e) {
    violation("exception other than specinv::invalid_argument", std::string(what) + ": " + e.what());
  } catch (...) {
    violation("non-standard exception", what);
  }
}

/// Finite with |v| <= 1e3 (one plain loop: Eigen's allFinite() is slow under the fuzzer's
/// instrumentation).
template <class Scalar>
bool moderate(const Scalar* v, Index n) {
  for (Index i = 0; i < n; ++i)
    if (!(std::abs(v[i]) <= Scalar(1e3))) return false;  // NaN fails the comparison too
  return true;
}

template <class Scalar>
bool all_finite(const Scalar* v, Index n) {
  for (Index i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

/// Operations per sample of one FFT of size n: about log n, but KissFFT's butterfly for a prime
/// factor p costs p per sample (n_fft = 3 * 1283 takes 5 ms a frame), so sizes with a large prime
/// factor are kept to a few frames.
Index fft_cost_factor(Index n, bool kiss) {
  if (!kiss) return 16;
  Index rest = n, largest = 1;
  for (Index f = 2; f * f <= rest; ++f) {
    while (rest % f == 0) {
      largest = f;
      rest /= f;
    }
  }
  return std::max<Index>({16, 2 * largest, 2 * rest});
}

/// Frames a signal of `samples` gives, computed without the library, or -1 if it is refused or
/// too much work to run.
Index forward_frames(const specinv::StftParams& p, Index samples, Index cost_factor) {
  const Index n = p.n_fft;
  const Index hop = p.hop_length > 0 ? p.hop_length : n / 4;
  if (hop < 1) return -1;
  const Index padded = samples + 2 * Index(p.pad) + (p.center ? 2 * (n / 2) : 0);
  if (padded < n) return -1;
  const Index frames = 1 + (padded - n) / hop;
  return frames * n * cost_factor <= max_cost ? frames : -1;
}

/// istft(stft(x), length = x.size()) == x wherever the window-sum-square envelope is not small
/// (where it is, rounding is amplified; where it vanishes the inverse refuses): perfect
/// reconstruction, for every shape, window, padding and normalisation the inverse accepts.
template <class T, class Backend>
void check_round_trip(specinv::Stft<T, Backend>& stft, const specinv::Signal<T>& x,
                      const specinv::Spectrogram<T>& spectrum) {
  specinv::Signal<T> y;
  if (!refused_or_ran("Stft::inverse(forward, x.size())", [&] { y = stft.inverse(spectrum, x.size()); })) return;
  if (y.size() != x.size()) violation("round trip length");
  const specinv::StftParams& p = stft.params();
  const Index n = stft.n_fft(), hop = stft.hop_length(), frames = spectrum.cols();
  const Index offset = (p.center ? n / 2 : 0) + p.pad;  // output sample 0 in the overlap-added signal
  const Index covered = std::min<Index>(x.size(), n + hop * (frames - 1) - offset);
  if (covered <= 0) return;
  std::vector<double> envelope(std::size_t(covered), 0.0);
  for (Index t = 0; t < frames; ++t) {
    for (Index m = 0; m < n; ++m) {
      const Index j = t * hop + m - offset;
      if (j >= 0 && j < covered) envelope[std::size_t(j)] += double(stft.window()[m]) * double(stft.window()[m]);
    }
  }
  const double top = *std::max_element(envelope.begin(), envelope.end());
  double scale = 0.0;
  for (Index i = 0; i < x.size(); ++i) scale = std::max(scale, double(std::abs(x[i])));
  const double tol = (std::is_same_v<T, float> ? 2e-3 : 1e-9) * scale + 1e-30;
  for (Index j = 0; j < covered; ++j) {
    if (!(envelope[std::size_t(j)] >= 1e-3 * top)) continue;
    const double error = std::abs(double(y[j]) - double(x[j]));
    if (!(error <= tol))
      violation("no perfect reconstruction", "sample " + std::to_string(j) + ": " + std::to_string(double(y[j])) +
                                                 " instead of " + std::to_string(double(x[j])));
  }
}

template <class T, class Backend>
void run(const Case& c) {
  using Signal = specinv::Signal<T>;
  using Spectrogram = specinv::Spectrogram<T>;
  const specinv::StftParams& p = c.params;

  const bool valid = refused_or_ran("validate", [&] { p.validate(); });
  // Counts up to 2^63 - 1: the frame arithmetic must refuse what it cannot represent, not overflow.
  refused_or_ran("n_frames", [&] { specinv::n_frames(c.geometry_samples, p); });
  refused_or_ran("istft_length", [&] { specinv::istft_length(c.geometry_frames, p, c.length); });
  if (p.n_fft > max_n_fft || p.pad > max_pad) return;  // valid but too big to transform here
  // The constructor's overlap-add envelope costs n_fft^2 / hop (stft/nola.hpp), and the KissFFT
  // backend warms up with one transform each way.
  const Index cost_factor = fft_cost_factor(p.n_fft, std::is_same_v<Backend, specinv::fft::kiss<T>>);
  const Index hop = p.hop_length > 0 ? p.hop_length : p.n_fft / 4;
  if (valid && (Index(p.n_fft) * p.n_fft / hop > max_cost / 4 || 2 * p.n_fft * cost_factor > max_cost)) return;

  std::optional<specinv::Stft<T, Backend>> stft;
  const bool built = refused_or_ran("Stft()", [&] { stft.emplace(p); });
  if (built != valid) violation("validate() and the Stft constructor disagree");
  if (!built) return;

  // Whether finite input must give finite output: moderate window values (a window of zero
  // energy with normalized = window is refused by the constructor).
  const bool finite_expected = moderate(p.custom_window.data(), p.custom_window.size());

  const Signal x = c.signal.cast<T>();
  const bool x_moderate = moderate(x.data(), x.size()) && finite_expected;
  Spectrogram forward_out;
  if (forward_frames(p, x.size(), cost_factor) >= 0) {
    const bool ran = refused_or_ran("Stft::forward", [&] { forward_out = stft->forward(x); });
    if (ran) {
      if (forward_out.rows() != stft->n_freqs() || forward_out.cols() != stft->n_frames(x.size()))
        violation("forward output shape");
      if (x_moderate && !all_finite(reinterpret_cast<const T*>(forward_out.data()), 2 * forward_out.size()))
        violation("non-finite forward output for finite input");
      Spectrogram again;
      if (!refused_or_ran("stft()", [&] { again = specinv::stft<T, Backend>(x, p); }))
        violation("free stft() refused what Stft::forward accepted");
      if (again.rows() != forward_out.rows() || again.cols() != forward_out.cols())
        violation("free stft() and Stft::forward shapes differ");
      if (x_moderate) {
        const double scale = double(forward_out.norm()) + 1e-30;
        if (double((again - forward_out).norm()) > 1e-3 * scale) violation("free stft() and Stft::forward differ");
      }
      // A wrongly sized output is refused, never written past.
      Spectrogram wrong(forward_out.rows() + 1, forward_out.cols());
      if (refused_or_ran("Stft::forward into a wrong size", [&] { stft->forward(x, wrong); }))
        violation("forward into a wrongly sized output was accepted");
      if (x_moderate) check_round_trip(*stft, x, forward_out);
    }
  } else {
    refused_or_ran("Stft::n_frames", [&] { stft->n_frames(x.size()); });
  }

  auto check_inverse = [&](const Spectrogram& s, bool s_moderate, const char* what) {
    for (const bool with_length : {false, true}) {
      if (with_length && !c.length) continue;
      const std::optional<Index> length = with_length ? c.length : std::nullopt;
      Signal out;
      const bool ran = refused_or_ran(what, [&] { out = stft->inverse(s, length); });
      if (!ran) continue;
      if (length && out.size() != *length) violation("inverse output length differs from `length`");
      if (!length && out.size() != stft->output_length(s.cols())) violation("inverse output length");
      if (s_moderate && !all_finite(out.data(), out.size())) violation("non-finite inverse output for finite input", what);
      Signal again;
      if (!refused_or_ran("istft()", [&] { again = specinv::istft<T, Backend>(s, p, length); }))
        violation("free istft() refused what Stft::inverse accepted");
      if (again.size() != out.size()) violation("free istft() and Stft::inverse sizes differ");
      if (s_moderate) {
        const double scale = double(out.norm()) + 1e-30;
        if (double((again - out).norm()) > 1e-3 * scale) violation("free istft() and Stft::inverse differ");
      }
    }
  };
  // The forward's own output (consistent), then the decoded spectrogram (any shape and values).
  if (forward_out.size() != 0 && forward_out.cols() * p.n_fft * cost_factor <= max_cost)
    check_inverse(forward_out, x_moderate, "Stft::inverse of forward");
  Spectrogram s(c.spec_rows, c.spec_cols);
  for (Index i = 0; i < s.size(); ++i)
    s.data()[i] = std::complex<T>(T(c.spec_values[2 * i]), T(c.spec_values[2 * i + 1]));
  const bool s_moderate = moderate(reinterpret_cast<const T*>(s.data()), 2 * s.size()) && finite_expected;
  if (c.spec_cols * p.n_fft * cost_factor <= max_cost) check_inverse(s, s_moderate, "Stft::inverse");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const Case c = decode(in);
  if (verbose()) describe(c);
  if (c.use_double) {
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
    if (c.use_fftw) return run<double, specinv::fft::fftw<double>>(c), 0;
#endif
    run<double, specinv::fft::kiss<double>>(c);
  } else {
#if defined(SPECINV_HAS_FFTW) && SPECINV_HAS_FFTW
    if (c.use_fftw) return run<float, specinv::fft::fftw<float>>(c), 0;
#endif
    run<float, specinv::fft::kiss<float>>(c);
  }
  return 0;
}
