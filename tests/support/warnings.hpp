// SPDX-License-Identifier: MIT
#pragma once

// CaptureWarnings: collects what specinv's warning hook reports, for the scope of the object.

#include <string>
#include <vector>

#include <specinv/core/warning.hpp>

namespace test {

/// Routes specinv warnings into `messages()` while alive (starting empty), then restores the
/// handler that was installed before. Not thread-safe: tests warn from one thread.
class CaptureWarnings {
 public:
  CaptureWarnings() : m_previous(specinv::set_warning_handler(&capture)) { store().clear(); }
  ~CaptureWarnings() { specinv::set_warning_handler(m_previous); }
  CaptureWarnings(const CaptureWarnings&) = delete;
  CaptureWarnings& operator=(const CaptureWarnings&) = delete;

  /// The warnings reported so far, in order.
  const std::vector<std::string>& messages() const { return store(); }

 private:
  static std::vector<std::string>& store() {
    static std::vector<std::string> messages;
    return messages;
  }
  static void capture(const char* message) { store().emplace_back(message); }

  specinv::WarningHandler m_previous;
};

}  // namespace test
