# SPDX-License-Identifier: MIT
# FindFFTW3: FFTW 3 in double (libfftw3) and single (libfftw3f) precision, through pkg-config,
# because Debian ships only fftw3.pc / fftw3f.pc and no CMake package.
#
# Imported targets: FFTW3::fftw3 (double), FFTW3::fftw3f (float).
# Result variables: FFTW3_FOUND, FFTW3_VERSION.
# Installed with specinv so that its package config can find FFTW the same way.

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(_SPECINV_FFTW3 QUIET IMPORTED_TARGET fftw3)
  pkg_check_modules(_SPECINV_FFTW3F QUIET IMPORTED_TARGET fftw3f)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(FFTW3
  REQUIRED_VARS _SPECINV_FFTW3_FOUND _SPECINV_FFTW3F_FOUND
  VERSION_VAR _SPECINV_FFTW3_VERSION
  REASON_FAILURE_MESSAGE "install libfftw3-dev (Debian), or configure with -DSPECINV_FFT_BACKEND=kiss")

if(FFTW3_FOUND)
  set(FFTW3_VERSION ${_SPECINV_FFTW3_VERSION})
  if(NOT TARGET FFTW3::fftw3)
    add_library(FFTW3::fftw3 INTERFACE IMPORTED)
    target_link_libraries(FFTW3::fftw3 INTERFACE PkgConfig::_SPECINV_FFTW3)
  endif()
  if(NOT TARGET FFTW3::fftw3f)
    add_library(FFTW3::fftw3f INTERFACE IMPORTED)
    target_link_libraries(FFTW3::fftw3f INTERFACE PkgConfig::_SPECINV_FFTW3F)
  endif()
endif()
