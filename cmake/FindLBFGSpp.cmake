# SPDX-License-Identifier: MIT
# FindLBFGSpp: the header-only L-BFGS / L-BFGS-B library on Eigen. Debian's liblbfgspp-dev (0.1.0)
# installs LBFGS.h, LBFGSB.h and LBFGSpp/ straight into /usr/include with no CMake package (upstream
# 0.2 and later export an un-namespaced `lbfgspp`), so the headers are found by path.
#
# Imported target: LBFGSpp::LBFGSpp. Result variables: LBFGSpp_FOUND, LBFGSpp_INCLUDE_DIR.
# Installed with specinv so that its package config can find LBFGSpp the same way.

find_path(LBFGSpp_INCLUDE_DIR NAMES LBFGSB.h PATH_SUFFIXES LBFGSpp include)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LBFGSpp REQUIRED_VARS LBFGSpp_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "install liblbfgspp-dev (Debian) or set LBFGSpp_INCLUDE_DIR")

if(LBFGSpp_FOUND AND NOT TARGET LBFGSpp::LBFGSpp)
  add_library(LBFGSpp::LBFGSpp INTERFACE IMPORTED)
  set_target_properties(LBFGSpp::LBFGSpp PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${LBFGSpp_INCLUDE_DIR}")
endif()
mark_as_advanced(LBFGSpp_INCLUDE_DIR)
