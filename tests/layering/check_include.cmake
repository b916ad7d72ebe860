# cmake -DCOMPILER=... -DLANGUAGE=c++|c -DFLAGS="-I...|-D..." -DHEADER="<...>" -DEXPECT=allowed|refused
#       -DSOURCE=probe.cpp -P check_include.cmake
# Compiles SOURCE (syntax only) including HEADER with one target's flags. `allowed` must compile;
# `refused` must fail because that very header is not found, not for any other reason.
string(REPLACE "|" ";" flags "${FLAGS}")
list(REMOVE_ITEM flags "")
execute_process(
  COMMAND ${COMPILER} -x ${LANGUAGE} -std=${STANDARD} -fsyntax-only ${flags} "-DWVP_PROBE_HEADER=${HEADER}" ${SOURCE}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
string(REGEX REPLACE "^[<\"](.*)[>\"]$" "\\1" name "${HEADER}")
if(EXPECT STREQUAL "allowed")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${HEADER} should compile with these flags but does not:\n${output}")
  endif()
  message(STATUS "${HEADER}: found, as the arrows allow")
elseif(EXPECT STREQUAL "refused")
  if(result EQUAL 0)
    message(FATAL_ERROR "${HEADER} compiles with these flags: the build no longer enforces this arrow")
  endif()
  string(FIND "${output}" "${name}: No such file or directory" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${HEADER} failed for another reason than not being found:\n${output}")
  endif()
  message(STATUS "${HEADER}: not found, as the arrows require")
else()
  message(FATAL_ERROR "EXPECT must be allowed or refused, not '${EXPECT}'")
endif()
