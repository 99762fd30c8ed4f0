// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief `require()`: the one way specinv validates an argument and words the error.

#include <sstream>
#include <string>

#include "../core/error.hpp"

namespace specinv::detail {

/// Formats `<where>: <name> = <value>; expected <expected>`. Kept out of line from `require` so
/// that the success path of every check is one predictable branch.
template <class V>
[[noreturn]] void throw_invalid(const char* where, const char* name, const V& value,
                                const std::string& expected) {
  std::ostringstream msg;
  msg.precision(17);
  msg << where << ": " << name << " = " << value << "; expected " << expected;
  SPECINV_THROW(specinv::invalid_argument(msg.str()));
}

/// \brief Throws `specinv::invalid_argument` naming `name` and `value` unless `ok`.
///
/// `expected` is a literal so that a passing check costs no string construction (hot paths call
/// this); where the expectation must quote computed values, test the condition and call
/// `throw_invalid` with a built string instead.
/// \param where the function or struct checking, e.g. "StftParams" or "istft"
/// \param expected the valid range in words, e.g. "1 <= hop_length <= win_length"
template <class V>
void require(bool ok, const char* where, const char* name, const V& value, const char* expected) {
  if (!ok) throw_invalid(where, name, value, expected);
}

}  // namespace specinv::detail
