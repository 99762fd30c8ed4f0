// SPDX-License-Identifier: MIT
// A wav file through specinv's StreamingReconstructor the way an audio plugin runs it: the host
// calls process() with blocks of any size (here a cycle of sizes that are not multiples of the
// hop); the plugin analyses its input frame by frame, throws the phase away, and rebuilds audio
// from the magnitudes alone in real time, with a fixed latency it reports to the host.
//
//   stream_plugin [in.wav] [out.wav] [--algo rtpghi|rtisi-la] [--n-fft N] [--hop H] [--look-ahead L]
//
// With no input it uses the bundled speech recording; out.wav is optional. It prints the latency,
// the real-time factor of process() and the spectral convergence of the output against the
// input (aligned by the latency), and fails if the output is not finite or worse than -10 dB.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <specinv/specinv.hpp>

#include "common/audio.hpp"

namespace {

/// The plugin. prepare() allocates; process() does not (nor does anything it calls).
class SpectralResynth {
 public:
  SpectralResynth(const specinv::StftParams& stft, const specinv::StreamingParams& params)
      : m_stft(stft),
        m_analysis(one_frame(stft)),
        m_stream(stft, params),
        m_hop(m_stream.hop_length()),
        m_window_in(stft.n_fft),
        m_frame(m_stream.frame_size(), 1),
        m_magnitude(m_stream.frame_size()),
        m_fifo(std::size_t(m_hop)) {
    // The analysis starts with n_fft / 2 zeros: frame j is centred on input sample j * hop, as
    // with center = true and constant (zero) padding, so the stream's start-up, whose envelope
    // covers fewer frames, falls inside the padding the stream never outputs.
    m_window_in.setZero();
    m_filled = stft.n_fft / 2;
  }

  /// Input-to-output delay in samples: frame j is complete n_fft - n_fft / 2 - 1 samples after
  /// input sample j * hop (its centre), and the stream's latency (look_ahead * hop + n_fft / 2)
  /// follows.
  Eigen::Index latency() const { return m_stft.n_fft - m_stft.n_fft / 2 - 1 + m_stream.latency(); }
  Eigen::Index look_ahead() const { return m_stream.look_ahead(); }

  /// The real-time callback: `n` samples in, `n` samples out, any n.
  void process(const float* in, float* out, int n) noexcept {
    for (int i = 0; i < n; ++i) {
      m_window_in[m_filled++] = std::isfinite(in[i]) ? in[i] : 0.0f;  // a host's NaN must not end the show
      if (m_filled == m_window_in.size()) analyse_and_resynthesise();
      out[i] = m_fifo_size > 0 ? m_fifo[std::size_t(m_fifo_read++)] : 0.0f;
      if (m_fifo_size > 0) --m_fifo_size;
    }
  }

 private:
  static specinv::StftParams one_frame(specinv::StftParams p) {
    p.center = false;
    return p;
  }

  void analyse_and_resynthesise() noexcept {
    // One frame of the input (m_analysis has center = false: n_fft samples, one frame).
    m_analysis.forward(m_window_in, m_frame);
    m_magnitude = m_frame.col(0).cwiseAbs();
    if (m_stream.push(m_magnitude) == specinv::PushStatus::accepted) {
      m_stream.pop(m_fifo.data());
      m_fifo_size = m_hop;
      m_fifo_read = 0;
    }
    // Slide the analysis window by one hop.
    std::copy(m_window_in.data() + m_hop, m_window_in.data() + m_window_in.size(), m_window_in.data());
    m_filled -= m_hop;
  }

  specinv::StftParams m_stft;
  specinv::Stft<float> m_analysis;
  specinv::StreamingReconstructor<float> m_stream;
  Eigen::Index m_hop;
  specinv::Signal<float> m_window_in;  // the last n_fft input samples
  Eigen::Index m_filled = 0;
  specinv::Spectrogram<float> m_frame;
  specinv::Signal<float> m_magnitude;
  std::vector<float> m_fifo;  // one hop of output
  Eigen::Index m_fifo_size = 0, m_fifo_read = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string in_path = SPECINV_DEMO_CLIP, out_path;
  specinv::StftParams stft;
  stft.n_fft = 1024;
  stft.hop_length = 256;
  stft.pad_mode = specinv::PadMode::constant;  // a stream has no samples before its start
  specinv::StreamingParams params;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--n-fft") && has_value) stft.n_fft = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--hop") && has_value) stft.hop_length = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--look-ahead") && has_value) params.look_ahead = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--algo") && has_value) {
      const std::string algo = argv[++i];
      if (algo == "rtisi-la") params.algorithm = specinv::StreamAlgorithm::rtisi_la;
      else if (algo != "rtpghi") {
        std::fprintf(stderr, "stream_plugin: --algo must be rtpghi or rtisi-la, not %s\n", algo.c_str());
        return 2;
      }
    } else if (argv[i][0] != '-' && positional == 0) in_path = argv[i], ++positional;
    else if (argv[i][0] != '-' && positional == 1) out_path = argv[i], ++positional;
    else {
      std::fprintf(stderr, "usage: stream_plugin [in.wav] [out.wav] [--algo rtpghi|rtisi-la] [--n-fft N] [--hop H] "
                           "[--look-ahead L]\n");
      return 2;
    }
  }

  try {
    int rate = 0;
    const Eigen::VectorXf input = examples::read_mono(in_path, &rate).cast<float>();
    SpectralResynth plugin(stft, params);  // the host's prepare(): everything is allocated here
    const Eigen::Index delay = plugin.latency();
    // Feed the clip and then `delay` samples of silence, to flush the last input out.
    Eigen::VectorXf padded = Eigen::VectorXf::Zero(input.size() + delay);
    padded.head(input.size()) = input;
    Eigen::VectorXf output(padded.size());
    const int blocks[] = {64, 100, 333, 512, 1000, 17, 256, 441};  // what hosts do
    const auto start = std::chrono::steady_clock::now();
    Eigen::Index done = 0;
    for (int b = 0; done < padded.size(); ++b) {
      const int n = int(std::min<Eigen::Index>(blocks[b % 8], padded.size() - done));
      plugin.process(padded.data() + done, output.data() + done, n);
      done += n;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const Eigen::VectorXf aligned = output.segment(delay, input.size());

    const double sc = specinv::spectral_convergence_db<float>(aligned, input, stft);
    const double audio_seconds = double(input.size()) / rate;
    std::printf("stream_plugin: %s, n_fft %d, hop %d, look-ahead %lld frames, %d Hz\n",
                specinv::to_string(params.algorithm), stft.n_fft, stft.hop_length,
                static_cast<long long>(plugin.look_ahead()), rate);
    std::printf("  latency %lld samples (%.1f ms), blocks of 17 to 1000 samples\n", static_cast<long long>(delay),
                1e3 * double(delay) / rate);
    std::printf("  %.2f s of audio in %.4f s: %.0fx real time\n", audio_seconds, seconds, audio_seconds / seconds);
    std::printf("  spectral convergence of the output against the input: %.2f dB\n", sc);
    if (!out_path.empty()) examples::write_wav(out_path, aligned.cast<double>(), rate);
    if (!aligned.allFinite() || !(sc < -10.0)) {
      std::fprintf(stderr, "stream_plugin: the output is not what it should be\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_plugin: %s\n", e.what());
    return 1;
  }
  return 0;
}
