# SPDX-License-Identifier: MIT
# Configures, builds and runs tests/cmake/consumer in MODE find_package (against the installed
# package in PREFIX) or add_subdirectory (against the source tree). Run with cmake -P.
foreach(var MODE SOURCE_DIR BINARY_DIR PREFIX SPECINV_SOURCE_DIR FFT_BACKEND GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${BINARY_DIR}")
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BINARY_DIR} -G ${GENERATOR}
          -DCMAKE_BUILD_TYPE=Release -DCONSUMER_MODE=${MODE} -DCMAKE_PREFIX_PATH=${PREFIX}
          -DSPECINV_SOURCE_DIR=${SPECINV_SOURCE_DIR} -DSPECINV_FFT_BACKEND=${FFT_BACKEND}
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer (${MODE}): configure failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer (${MODE}): build failed")
endif()
execute_process(COMMAND ${BINARY_DIR}/consumer RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "consumer (${MODE}): run failed")
endif()
