// SPDX-License-Identifier: MIT
// libFuzzer target: bytes -> examples::read_audio_memory, which opens them with libsndfile's
// virtual I/O (any format it detects: wav, aiff, flac, ogg...) and reads every frame in blocks,
// not trusting the header's frame count. Every malformed input must end in a std::runtime_error
// naming the input; what is read must have a sample rate > 0 and at least one channel, and is
// then mixed to mono.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

#include "common/audio.hpp"

namespace {

[[noreturn]] void violation(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz_audio: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  examples::Audio a;
  try {
    a = examples::read_audio_memory(data, size, "fuzz.audio");
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find("'fuzz.audio'") == std::string::npos) violation("message does not name the input", e.what());
    return 0;
  } catch (const std::exception& e) {
    violation("exception other than std::runtime_error", e.what());
  }
  if (a.sample_rate <= 0) violation("sample rate <= 0 accepted");
  if (a.samples.cols() < 1) violation("no channels accepted");
  const Eigen::VectorXd mono = examples::mix_to_mono(a);
  if (mono.size() != a.samples.rows()) violation("mono mix has the wrong length");
  return 0;
}
