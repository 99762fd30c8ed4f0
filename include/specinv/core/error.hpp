// SPDX-License-Identifier: MIT
#pragma once

/// \file
/// \brief The two exception types specinv throws, and the macros that throw and assert.

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace specinv {

/// \brief A caller passed an argument outside its documented range.
///
/// The message always has the shape `<where>: <param> = <value>; expected <range>`, so that it
/// names the parameter, the value given and what was expected. Nothing is clamped silently.
class invalid_argument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// \brief The environment failed: FFTW could not create a plan, memory ran out.
class runtime_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace specinv

/// Throws `e`, or prints its message and aborts when the translation unit is built without
/// exceptions (plugin hosts often are).
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define SPECINV_HAS_EXCEPTIONS 1
#define SPECINV_THROW(e) throw e
#else
#define SPECINV_HAS_EXCEPTIONS 0
#define SPECINV_THROW(e) (std::fprintf(stderr, "specinv: %s\n", (e).what()), std::abort())
#endif

/// Debug-only precondition for hot paths whose arguments were validated at construction.
#ifndef SPECINV_ASSERT
#define SPECINV_ASSERT(x) assert(x)
#endif
