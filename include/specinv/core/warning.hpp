// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The process-wide warning hook: where specinv reports a suspicious but valid request
/// (torchaudio's `warnings.warn`), such as a filterbank with an all-zero filter.
///
/// Warnings are not errors: the call goes on and returns its result. By default the message is
/// printed to stderr as `specinv: warning: <message>`; `set_warning_handler` routes it elsewhere
/// (a logger, a test's capture) or, with nullptr, silences it. The handler is read and written
/// atomically, so it may be swapped while other threads work; it is called on the thread that
/// warns and must itself be thread-safe if several threads can warn at once.

#include <atomic>
#include <cstdio>
#include <string>

namespace specinv {

/// A warning receiver: called with the message, a NUL-terminated string valid during the call.
using WarningHandler = void (*)(const char* message);

/// \brief The handler installed at start-up: prints `specinv: warning: <message>` and a newline
/// to stderr.
inline void default_warning_handler(const char* message) noexcept {
  std::fprintf(stderr, "specinv: warning: %s\n", message);
}

namespace detail {
/// The one handler slot of the process: a function-local static of an inline function, so every
/// translation unit shares it (STYLE D4).
inline std::atomic<WarningHandler>& warning_slot() noexcept {
  static std::atomic<WarningHandler> slot{&default_warning_handler};
  return slot;
}
}  // namespace detail

/// \brief Installs `handler` for all later warnings; nullptr silences them.
/// \returns the handler installed before (to restore it later)
inline WarningHandler set_warning_handler(WarningHandler handler) noexcept {
  return detail::warning_slot().exchange(handler);
}

/// \brief The handler currently installed (nullptr when warnings are silenced).
inline WarningHandler warning_handler() noexcept { return detail::warning_slot().load(); }

namespace detail {
/// Passes `message` to the installed handler, if any.
inline void warn(const std::string& message) {
  if (const WarningHandler handler = warning_handler()) handler(message.c_str());
}
}  // namespace detail

}  // namespace specinv
