// SPDX-License-Identifier: MIT
// Numerical hostility: every public entry point against every hostile input (all-zero input, a
// single frame, signals shorter than n_fft with and without center and with each pad mode,
// denormal, huge and largest-finite values, n_fft = 1, 2, 3 and 511, hop = win_length, an
// all-zero window), in float and double. Each pair either works (every output finite; the
// reported SC never NaN and +inf only for an all-zero target, -inf being an exact match; the
// history never NaN) or refuses: throws specinv::invalid_argument naming a parameter
// ("<where>: <name> = <value>; expected ..."), or, for the non-throwing StreamingReconstructor,
// answers PushStatus::bad_magnitude. Nothing else: no other exception, no NaN, no crash. Some
// pairs must refuse (the inverse STFT of a window/hop pair that violates NOLA). The counts per
// entry point are printed (and every refusal with SPECINV_HOSTILE_VERBOSE set). A last test
// checks that a huge target is reconstructed as well as a unit one (no silent zeroing).

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <specinv/specinv.hpp>

#include "../support/catch.hpp"

using specinv::Index;
using specinv::Init;
using specinv::Magnitude;
using specinv::PadMode;
using specinv::Signal;
using specinv::Spectrogram;
using specinv::StftParams;
using specinv::WindowKind;

namespace {

/// One hostile input: an STFT configuration, a signal for the analysis entry points, a target
/// magnitude for the synthesis ones, and the output length they ask for.
template <class T>
struct Case {
  std::string name;
  StftParams stft;
  Signal<T> signal;                // for stft, mel, bark, the metrics of signals
  Magnitude<T> magnitude;          // (n_fft / 2 + 1, frames): for the inverse, phase recovery, metrics
  std::optional<Index> length;     // output length of the inverse entry points (none: torch's default)
  bool silent = false;             // all-zero target: an infinite SC is documented (-inf / +inf)
  std::set<std::string> must_refuse;  // entry points that must throw invalid_argument here
  std::vector<std::string> must_work;  // entry points (name prefixes) that must work here
};

/// Uniform values in [lo, hi) from a seeded generator, mapped by hand (portable).
template <class T>
Magnitude<T> uniform(Index rows, Index cols, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Magnitude<T> m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) {
      const double u = double(rng() >> 11) / 9007199254740992.0;
      m(i, j) = T(lo * (1 - u) + hi * u);  // not lo + (hi - lo) u, which overflows near the largest double
    }
  return m;
}

/// Frames of a signal of n samples under p, as the geometry counts them whatever the pad mode
/// (the inputs of the synthesis entry points have this many, even where the forward refuses).
Index frames_of(const StftParams& p, Index n) {
  const Index hop = p.hop_length > 0 ? p.hop_length : p.n_fft / 4;
  const Index padded = n + 2 * Index(p.pad) + (p.center ? 2 * (p.n_fft / 2) : 0);
  return padded >= p.n_fft ? 1 + (padded - p.n_fft) / hop : 1;
}

StftParams params(int n_fft, int hop, bool center = true, PadMode pad = PadMode::reflect, int win = 0,
                  WindowKind window = WindowKind::hann) {
  StftParams p;
  p.n_fft = n_fft;
  p.hop_length = hop;
  p.win_length = win;
  p.center = center;
  p.pad_mode = pad;
  p.window = window;
  return p;
}

/// Options P (an IterationOptions) of a short run from `init` that evaluates every iteration.
template <class P>
P short_run(int max_iter, Init init, std::optional<Index> length) {
  P p;
  p.max_iter = max_iter;
  p.eval_every = 1;
  p.init = init;
  p.length = length;
  return p;
}

/// A case whose signal has n samples of amplitude `scale` and whose target has the matching
/// frame count and values in [0.5, top) * scale.
template <class T>
Case<T> make_case(std::string name, const StftParams& p, Index n, double scale, std::optional<Index> length = {},
                  double top = 1.5) {
  Case<T> c;
  c.name = std::move(name);
  c.stft = p;
  c.signal = uniform<T>(n, 1, -scale, scale, 17);
  c.magnitude = uniform<T>(p.n_fft / 2 + 1, frames_of(p, n), 0.5 * scale, top * scale, 29);
  c.length = length;
  return c;
}

template <class T>
std::vector<Case<T>> hostile_cases() {
  constexpr bool is_float = std::is_same_v<T, float>;
  const double denormal = is_float ? 1e-40 : 1e-310;
  const double huge = is_float ? 1e30 : 1e300;
  const StftParams base = params(64, 16);
  std::vector<Case<T>> cases;

  Case<T> zero = make_case<T>("all zero", base, 256, 1.0);
  zero.signal.setZero();
  zero.magnitude.setZero();
  zero.silent = true;
  cases.push_back(zero);

  cases.push_back(make_case<T>("single frame, center off", params(64, 16, false), 64, 1.0));
  // One centred frame of an even n_fft leaves no output sample: torch.istft raises there.
  Case<T> one = make_case<T>("single frame, center on", params(64, 16, true, PadMode::constant), 15, 1.0);
  one.must_refuse = {"istft"};
  cases.push_back(one);
  cases.push_back(make_case<T>("single frame, center on, odd n_fft", params(63, 16, true, PadMode::constant), 15,
                               1.0, Index(15)));

  // Shorter than n_fft: refused without center (no full frame), with each pad mode with it.
  Case<T> short_off = make_case<T>("40 < n_fft samples, center off", params(64, 16, false), 40, 1.0, Index(40));
  short_off.must_refuse = {"stft", "Stft::forward/inverse", "mel_spectrogram", "bark_spectrogram"};
  cases.push_back(short_off);
  for (const PadMode mode : {PadMode::reflect, PadMode::constant, PadMode::replicate, PadMode::circular}) {
    for (const Index n : {Index(40), Index(20), Index(1)}) {
      Case<T> c = make_case<T>(std::to_string(n) + " < n_fft samples, center, " + specinv::to_string(mode),
                               params(64, 16, true, mode), n, 1.0, n);
      // reflect needs more than n_fft / 2 samples, circular at least n_fft / 2.
      if ((mode == PadMode::reflect && n <= 32) || (mode == PadMode::circular && n < 32))
        c.must_refuse = {"stft", "Stft::forward/inverse"};
      cases.push_back(c);
    }
  }
  cases.push_back(make_case<T>("20 < n_fft samples, center, default length", params(64, 16, true, PadMode::constant),
                               20, 1.0));

  cases.push_back(make_case<T>("denormal values", base, 256, denormal));
  Case<T> mixed = make_case<T>("mixed denormal and normal values", base, 256, 1.0);
  for (Index i = 0; i < mixed.signal.size(); i += 2) mixed.signal[i] *= T(denormal);
  for (Index j = 0; j < mixed.magnitude.cols(); ++j)
    for (Index i = j % 2; i < mixed.magnitude.rows(); i += 2) mixed.magnitude(i, j) *= T(denormal);
  cases.push_back(mixed);
  Case<T> one_tiny = make_case<T>("one denormal bin, the rest zero", base, 256, 1.0);
  one_tiny.signal.setZero();
  one_tiny.signal[100] = T(denormal);
  one_tiny.magnitude.setZero();
  one_tiny.magnitude(5, 3) = T(denormal);
  cases.push_back(one_tiny);
  Case<T> huge_values = make_case<T>("huge values", base, 256, huge, {}, 1.0);  // float: up to the 1e30 limit
  if (is_float)  // within range: the projections must not overflow (double's 1e300 is refused)
    huge_values.must_work = {"stft", "istft", "Stft::", "griffin_lim", "admm", "legla", "rtisi_la", "pghi",
                             "rtpghi", "phase_init", "StreamingReconstructor", "InverseFilterbank/nnls"};
  cases.push_back(huge_values);
  Case<T> huge_mixed = make_case<T>("huge and normal values", base, 256, 1.0);
  huge_mixed.signal.head(64) *= T(huge);
  huge_mixed.magnitude.leftCols(3) *= T(huge / 1.5);
  cases.push_back(huge_mixed);
  Case<T> largest = make_case<T>("largest finite values", base, 256, double(std::numeric_limits<T>::max()), {}, 1.0);
  largest.must_refuse = {"stft", "istft", "Stft::forward/inverse", "griffin_lim GLA init=zero_phase"};
  cases.push_back(largest);

  cases.push_back(make_case<T>("n_fft = 1", params(1, 1), 16, 1.0));
  cases.push_back(make_case<T>("n_fft = 2", params(2, 1), 32, 1.0));
  cases.push_back(make_case<T>("n_fft = 2, center off", params(2, 1, false), 32, 1.0));
  cases.push_back(make_case<T>("n_fft = 3", params(3, 1), 32, 1.0, Index(32)));
  cases.push_back(make_case<T>("n_fft = 511", params(511, 128), 1500, 1.0, Index(1500)));
  cases.push_back(make_case<T>("n_fft = 511, center off, default length", params(511, 128, false), 1535, 1.0));

  // hop = win_length: a Hann window's overlap-add envelope vanishes at every frame start (NOLA
  // holds only between them), so every inverse must refuse; a rectangular window is fine.
  const std::set<std::string> inverse_entries = {"istft", "Stft::forward/inverse"};
  Case<T> hann_off = make_case<T>("hann, hop = win_length, center off", params(64, 64, false), 320, 1.0);
  hann_off.must_refuse = inverse_entries;
  cases.push_back(hann_off);
  Case<T> hann_on = make_case<T>("hann, hop = win_length, center on", params(64, 64), 320, 1.0);
  hann_on.must_refuse = inverse_entries;
  cases.push_back(hann_on);
  Case<T> hann_short = make_case<T>("hann 32 in n_fft 64, hop = win_length", params(64, 32, true, PadMode::reflect, 32),
                                    320, 1.0);
  hann_short.must_refuse = inverse_entries;
  cases.push_back(hann_short);
  cases.push_back(make_case<T>("rectangular, hop = win_length", params(64, 64, true, PadMode::reflect, 0,
                                                                       WindowKind::rectangular),
                               320, 1.0));
  StftParams zero_window = base;
  zero_window.custom_window = Signal<double>::Zero(64);
  Case<T> no_window = make_case<T>("all-zero custom window", zero_window, 256, 1.0);
  no_window.must_refuse = inverse_entries;
  cases.push_back(no_window);
  return cases;
}

/// A refusal by a documented status instead of an exception (StreamingReconstructor::push,
/// which never throws, answers PushStatus::bad_magnitude).
struct StatusRefusal {};

/// Outcome counts of one entry point.
struct Tally {
  int tried = 0, works = 0, refused = 0;
};

template <class T>
bool finite(const Eigen::MatrixBase<T>& m) {
  return m.allFinite();
}

/// The checks on a returned reconstruction: a finite signal; an SC that is finite, or -inf (an
/// exact match: 20 log10 0), or +inf only for an all-zero target (spectral_convergence_db's
/// documented values); a history without NaN (its values may be infinite as documented: RTISI-LA
/// scores the frames committed so far, whose targets may all be zero).
template <class T>
void check_reconstruction(const Case<T>& c, const specinv::Reconstruction<T>& r) {
  CHECK(r.signal.size() >= 1);
  CHECK(finite(r.signal));
  CHECK_FALSE(std::isnan(r.spectral_convergence_db));
  if (!c.silent) CHECK(r.spectral_convergence_db < std::numeric_limits<double>::infinity());
  for (const double h : r.history) CHECK_FALSE(std::isnan(h));
}

/// A metric of a non-exact estimate: finite, or (for silent input, as documented) infinite,
/// never NaN.
void check_metric(bool silent, double value) {
  CHECK_FALSE(std::isnan(value));
  if (!silent) CHECK(std::isfinite(value));
}

/// The target as a complex spectrogram with a deterministic phase pattern.
template <class T>
Spectrogram<T> with_phase(const Magnitude<T>& mag) {
  Spectrogram<T> s(mag.rows(), mag.cols());
  for (Index j = 0; j < mag.cols(); ++j)
    for (Index i = 0; i < mag.rows(); ++i)
      s(i, j) = std::polar(mag(i, j), T(std::fmod(0.3 * double(i) + 1.1 * double(j), 6.283185307179586)));
  return s;
}

/// The mel filterbank the filterbank entry points use (8 filters up to 4 kHz at 8 kHz).
template <class T>
Magnitude<T> filterbank(const StftParams& p) {
  return specinv::mel_filterbank<T>(p.n_fft / 2 + 1, 0.0, 4000.0, 8, 8000);
}

/// fb^T * magnitude, computed in double and divided by the largest filter sum: the hostile values
/// themselves, at their own scale, as a filtered spectrogram.
template <class T>
Magnitude<T> filtered(const Case<T>& c) {
  const Magnitude<double> fb = filterbank<double>(c.stft);
  const double gain = std::max(1.0, fb.colwise().sum().maxCoeff());
  return ((fb / gain).transpose() * c.magnitude.template cast<double>()).template cast<T>();
}

template <class T>
using Entry = std::pair<std::string, std::function<void(const Case<T>&)>>;

template <class T>
std::vector<Entry<T>> entry_points() {
  std::vector<Entry<T>> e;
  e.emplace_back("stft", [](const Case<T>& c) {
    const Spectrogram<T> s = specinv::stft<T>(c.signal, c.stft);
    CHECK(finite(s));
  });
  e.emplace_back("istft", [](const Case<T>& c) {
    const Signal<T> x = specinv::istft<T>(with_phase(c.magnitude), c.stft, c.length);
    CHECK(finite(x));
  });
  e.emplace_back("Stft::forward/inverse", [](const Case<T>& c) {
    specinv::Stft<T> stft(c.stft);
    const Spectrogram<T> s = stft.forward(c.signal);
    CHECK(finite(s));
    const Signal<T> x = stft.inverse(s, c.signal.size());
    CHECK(finite(x));
  });
  e.emplace_back("mel_spectrogram", [](const Case<T>& c) {
    specinv::MelParams mel;
    mel.sample_rate = 8000;
    mel.n_mels = 8;
    const Magnitude<T> m = specinv::mel_spectrogram<T>(c.signal, c.stft, mel);
    CHECK(finite(m));
  });
  e.emplace_back("bark_spectrogram", [](const Case<T>& c) {
    specinv::BarkParams bark;
    bark.sample_rate = 8000;
    bark.n_barks = 8;
    const Magnitude<T> m = specinv::bark_spectrogram<T>(c.signal, c.stft, bark);
    CHECK(finite(m));
  });
  for (const auto method : {specinv::InverseMethod::least_squares, specinv::InverseMethod::nnls,
                            specinv::InverseMethod::gradient, specinv::InverseMethod::lbfgsb}) {
    e.emplace_back(std::string("InverseFilterbank/") + specinv::to_string(method), [method](const Case<T>& c) {
      specinv::InverseParams p;
      p.method = method;
      p.max_iter = 5;
      const specinv::InverseFilterbank<T> inverse(filterbank<T>(c.stft), p);
      specinv::InverseReport report;
      const Magnitude<T> linear = inverse(filtered(c), report);
      CHECK(finite(linear));
      CHECK((linear.array() >= T(0)).all());
      CHECK(std::isfinite(report.residual));
    });
  }
  const Init inits[] = {Init::zero_phase, Init::random, Init::phase_init, Init::pghi};
  for (const Init init : inits) {
    const std::string suffix = std::string(" init=") + specinv::to_string(init);
    for (const double momentum : {0.0, 0.99}) {
      e.emplace_back((momentum == 0 ? "griffin_lim GLA" : "griffin_lim FGLA") + suffix,
                     [init, momentum](const Case<T>& c) {
                       auto p = short_run<specinv::GriffinLimParams>(4, init, c.length);
                       p.momentum = momentum;
                       check_reconstruction(c, specinv::griffin_lim<T>(c.magnitude, c.stft, p));
                     });
    }
    e.emplace_back("admm" + suffix, [init](const Case<T>& c) {
      const auto p = short_run<specinv::AdmmParams>(4, init, c.length);
      check_reconstruction(c, specinv::admm<T>(c.magnitude, c.stft, p));
    });
    e.emplace_back("legla" + suffix, [init](const Case<T>& c) {
      const auto p = short_run<specinv::LeglaParams>(3, init, c.length);
      check_reconstruction(c, specinv::legla<T>(c.magnitude, c.stft, p));
    });
    e.emplace_back("lbfgs magnitude" + suffix, [init](const Case<T>& c) {
      const auto p = short_run<specinv::LbfgsParams>(4, init, c.length);
      check_reconstruction(c, specinv::lbfgs<T>(c.magnitude, c.stft, p));
    });
  }
  e.emplace_back("griffin_lim given", [](const Case<T>& c) {
    specinv::GriffinLimParams p;
    p.max_iter = 3;
    p.eval_every = 1;
    p.length = c.length;
    check_reconstruction(c, specinv::griffin_lim<T>(with_phase(c.magnitude), c.stft, p));
  });
  for (const auto rep : {specinv::Representation::power, specinv::Representation::mel,
                         specinv::Representation::log1p_mel}) {
    e.emplace_back(std::string("lbfgs ") + specinv::to_string(rep), [rep](const Case<T>& c) {
      specinv::LbfgsParams p;
      p.max_iter = 4;
      p.eval_every = 1;
      p.representation = rep;
      p.length = c.length;
      Magnitude<T> target = c.magnitude;
      if (rep != specinv::Representation::power) {
        p.filterbank = filterbank<double>(c.stft);
        target = filtered(c);
        if (rep == specinv::Representation::log1p_mel) target = target.array().log1p().matrix();
      }
      check_reconstruction(c, specinv::lbfgs<T>(target, c.stft, p));
    });
  }
  for (const bool asymmetric : {false, true}) {
    e.emplace_back(asymmetric ? "rtisi_la asymmetric" : "rtisi_la", [asymmetric](const Case<T>& c) {
      specinv::RtisiLaParams p;
      p.iters_per_frame = 2;
      p.eval_every = 1;
      p.asymmetric_window = asymmetric;
      p.length = c.length;
      check_reconstruction(c, specinv::rtisi_la<T>(c.magnitude, c.stft, p));
    });
  }
  e.emplace_back("pghi", [](const Case<T>& c) {
    specinv::PghiParams p;
    p.length = c.length;
    check_reconstruction(c, specinv::pghi<T>(c.magnitude, c.stft, p));
  });
  for (const int look_ahead : {0, 1}) {
    e.emplace_back("rtpghi look_ahead=" + std::to_string(look_ahead), [look_ahead](const Case<T>& c) {
      specinv::RtpghiParams p;
      p.look_ahead = look_ahead;
      p.length = c.length;
      check_reconstruction(c, specinv::rtpghi<T>(c.magnitude, c.stft, p));
    });
  }
  e.emplace_back("phase_init", [](const Case<T>& c) {
    const Spectrogram<T> s = specinv::phase_init<T>(c.magnitude, c.stft);
    CHECK(finite(s));
  });
  for (const auto algorithm : {specinv::StreamAlgorithm::rtpghi, specinv::StreamAlgorithm::rtisi_la}) {
    e.emplace_back(std::string("StreamingReconstructor ") + specinv::to_string(algorithm),
                   [algorithm](const Case<T>& c) {
                     specinv::StreamingParams p;
                     p.algorithm = algorithm;
                     p.iters_per_frame = 2;
                     specinv::StreamingReconstructor<T> stream(c.stft, p);
                     Signal<T> hop(stream.hop_length());
                     for (Index t = 0; t < c.magnitude.cols(); ++t) {
                       const specinv::PushStatus status = stream.push(c.magnitude.col(t));
                       if (status == specinv::PushStatus::bad_magnitude) throw StatusRefusal{};
                       REQUIRE(status == specinv::PushStatus::accepted);
                       REQUIRE(stream.pop(hop.data()) == stream.hop_length());
                       CHECK(finite(hop));
                     }
                   });
  }
  e.emplace_back("spectral_convergence_db", [](const Case<T>& c) {
    const Magnitude<T> estimate = c.magnitude * T(0.75);
    check_metric(c.silent, specinv::spectral_convergence_db(estimate, c.magnitude));
    const double exact = specinv::spectral_convergence_db(c.magnitude, c.magnitude);
    CHECK(exact == -std::numeric_limits<double>::infinity());  // documented: an exact match
  });
  e.emplace_back("spectral_convergence_db of signals", [](const Case<T>& c) {
    const Signal<T> estimate = c.signal * T(0.75);
    const bool no_window = c.stft.custom_window.size() && c.stft.custom_window.isZero();  // silent STFTs
    check_metric(c.silent || no_window, specinv::spectral_convergence_db<T>(estimate, c.signal, c.stft));
  });
  e.emplace_back("ser_db", [](const Case<T>& c) {
    const Signal<T> estimate = c.signal * T(0.75);
    check_metric(c.silent, specinv::ser_db(estimate, c.signal));
  });
  e.emplace_back("snr_db", [](const Case<T>& c) {
    const Signal<T> estimate = c.signal * T(0.75);
    check_metric(c.silent, specinv::snr_db(estimate, c.signal));
  });
  return e;
}

/// A refusal must name a parameter: "<where>: <name> = <value>; expected <range>".
bool names_parameter(const std::string& message) {
  return message.find(" = ") != std::string::npos && message.find("expected") != std::string::npos;
}

}  // namespace

TEMPLATE_TEST_CASE("every entry point works or refuses clearly on hostile input", "[robustness][hostile]", float,
                   double) {
  using T = TestType;
  const specinv::WarningHandler previous = specinv::set_warning_handler(nullptr);  // empty mel filters
  const std::vector<Case<T>> cases = hostile_cases<T>();
  const std::vector<Entry<T>> entries = entry_points<T>();
  std::map<std::string, Tally> tally;
  int total = 0, refused = 0;
  const bool verbose = std::getenv("SPECINV_HOSTILE_VERBOSE") != nullptr;  // print every refusal
  for (const Case<T>& c : cases) {
    for (const auto& [name, run] : entries) {
      INFO(c.name << " / " << name);
      Tally& t = tally[name];
      ++t.tried;
      ++total;
      bool threw = false;
      try {
        run(c);
        ++t.works;
      } catch (const specinv::invalid_argument& e) {
        threw = true;
        ++t.refused;
        ++refused;
        INFO("refused: " << e.what());
        CHECK(names_parameter(e.what()));
        if (verbose) std::printf("%s / %s: %s\n", c.name.c_str(), name.c_str(), e.what());
      } catch (const StatusRefusal&) {
        threw = true;
        ++t.refused;
        ++refused;
      } catch (const std::exception& e) {
        FAIL_CHECK("unexpected exception: " << e.what());
      }
      if (c.must_refuse.count(name)) CHECK(threw);
      for (const std::string& prefix : c.must_work)
        if (name.rfind(prefix, 0) == 0) CHECK_FALSE(threw);
    }
  }
  specinv::set_warning_handler(previous);
  std::printf("hostile input, %s: %d combinations (%zu cases x %zu entry points), %d work, %d refused\n",
              std::is_same_v<T, float> ? "float" : "double", total, cases.size(), entries.size(), total - refused,
              refused);
  for (const auto& [name, t] : tally)
    std::printf("  %-40s tried %3d  works %3d  refused %3d\n", name.c_str(), t.tried, t.works, t.refused);
}

TEMPLATE_TEST_CASE("windows that violate NOLA are refused naming hop_length", "[robustness][hostile]", float,
                   double) {
  using T = TestType;
  for (const Case<T>& c : hostile_cases<T>()) {
    if (!c.must_refuse.count("istft") || c.name.find("hop = win_length") == std::string::npos) continue;
    INFO(c.name);
    CHECK_THROWS_MATCHES(specinv::istft<T>(with_phase(c.magnitude), c.stft), specinv::invalid_argument,
                         test::Mentions("hop_length = "));
    CHECK_THROWS_MATCHES(specinv::griffin_lim<T>(c.magnitude, c.stft), specinv::invalid_argument,
                         test::Mentions("hop_length = "));
    CHECK_THROWS_MATCHES(specinv::StreamingReconstructor<T>(c.stft), specinv::invalid_argument,
                         test::Mentions("hop_length = "));
  }
}

TEMPLATE_TEST_CASE("a huge target is reconstructed as well as a unit one", "[robustness][hostile]", float, double) {
  // Every algorithm is homogeneous in the target (but for the 1e-16 of the projection, far below
  // these bins): a power-of-two scale scales every value exactly, so the SC must not change. A
  // projection that overflowed to 0 or NaN on the way (float |z|^2 of a 1e29 spectrum) shows here.
  using T = TestType;
  const double scale = std::is_same_v<T, float> ? std::ldexp(1.0, 96) : std::ldexp(1.0, 330);  // 7.9e28, 2.2e99
  const StftParams p = params(64, 16);
  const Magnitude<T> unit = uniform<T>(33, 17, 0.5, 1.5, 29);
  const Magnitude<T> huge = unit * T(scale);
  auto same_sc = [&](const char* name, auto run) {
    INFO(name);
    const specinv::Reconstruction<T> a = run(unit), b = run(huge);
    CHECK(finite(b.signal));
    CHECK(b.spectral_convergence_db == Approx(a.spectral_convergence_db).margin(0.01));
    CHECK(test::rel_error((b.signal / T(scale)).eval(), a.signal) < 1e-3);
  };
  for (const double momentum : {0.0, 0.99}) {
    for (const Init init : {Init::zero_phase, Init::random, Init::phase_init, Init::pghi}) {
      specinv::GriffinLimParams g;
      g.max_iter = 8;
      g.momentum = momentum;
      g.init = init;
      same_sc("griffin_lim", [&](const Magnitude<T>& m) { return specinv::griffin_lim<T>(m, p, g); });
    }
  }
  specinv::AdmmParams a;
  a.max_iter = 8;
  same_sc("admm", [&](const Magnitude<T>& m) { return specinv::admm<T>(m, p, a); });
  specinv::LeglaParams l;
  l.max_iter = 8;
  same_sc("legla", [&](const Magnitude<T>& m) { return specinv::legla<T>(m, p, l); });
  specinv::RtisiLaParams r;
  r.iters_per_frame = 4;
  same_sc("rtisi_la", [&](const Magnitude<T>& m) { return specinv::rtisi_la<T>(m, p, r); });
  {
    // A start in digital silence: RTISI-LA's first analysed bins are exactly 0 and take phase 0
    // (target / 1e-16 overflows float there for targets above 3.4e22, which must not matter).
    Magnitude<T> quiet = unit;
    quiet.leftCols(3).setZero();
    const specinv::Reconstruction<T> a = specinv::rtisi_la<T>(quiet, p, r);
    const specinv::Reconstruction<T> b = specinv::rtisi_la<T>((quiet * T(scale)).eval(), p, r);
    CHECK(finite(b.signal));
    CHECK(b.spectral_convergence_db == Approx(a.spectral_convergence_db).margin(0.01));
    CHECK(test::rel_error((b.signal / T(scale)).eval(), a.signal) < 1e-3);
  }
  same_sc("pghi", [&](const Magnitude<T>& m) { return specinv::pghi<T>(m, p); });
  same_sc("rtpghi", [&](const Magnitude<T>& m) { return specinv::rtpghi<T>(m, p); });
  for (const auto algorithm : {specinv::StreamAlgorithm::rtpghi, specinv::StreamAlgorithm::rtisi_la}) {
    INFO(specinv::to_string(algorithm));
    specinv::StreamingParams sp;
    sp.algorithm = algorithm;
    sp.iters_per_frame = 4;
    specinv::StreamingReconstructor<T> small(p, sp), large(p, sp);
    Signal<T> a_hop(small.hop_length()), b_hop(large.hop_length());
    for (Index t = 0; t < unit.cols(); ++t) {
      REQUIRE(small.push(unit.col(t)) == specinv::PushStatus::accepted);
      REQUIRE(large.push(huge.col(t)) == specinv::PushStatus::accepted);
      small.pop(a_hop.data());
      large.pop(b_hop.data());
      CHECK(finite(b_hop));
      CHECK(((b_hop / T(scale)) - a_hop).norm() <= T(1e-3) * (a_hop.norm() + T(1e-30)));
    }
  }
}
