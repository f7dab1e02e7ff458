# One static library per module of ARCHITECTURE.md. The dependency table below is the
# contract: signet_module() refuses a dependency the table does not allow, and each module
# sees on its include path only its own headers and those of the modules it links, so an
# #include of a forbidden module fails to compile.
set(SIGNET_ALLOWED_common   "")
set(SIGNET_ALLOWED_domain   common)
set(SIGNET_ALLOWED_crypto   common domain)
set(SIGNET_ALLOWED_store    common domain)
set(SIGNET_ALLOWED_keystore common domain crypto store)
set(SIGNET_ALLOWED_auth     common domain crypto store)
set(SIGNET_ALLOWED_audit    common domain crypto store)
set(SIGNET_ALLOWED_policy   common domain)
set(SIGNET_ALLOWED_notify   common domain crypto store)
set(SIGNET_ALLOWED_service  common domain crypto store keystore auth audit policy notify)
set(SIGNET_ALLOWED_api      common domain)
set(SIGNET_ALLOWED_http     common api service auth)
set(SIGNET_ALLOWED_client   common api)
set(SIGNET_ALLOWED_pkcs11   common domain api client crypto)
set(SIGNET_ALLOWED_cli      common domain api client crypto)
set(SIGNET_ALLOWED_app      common domain crypto store keystore auth audit policy notify service api http)

# signet_module(NAME SOURCES a.cc b.cc DEPS common domain LIBS OpenSSL::Crypto)
function(signet_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  if(NOT DEFINED SIGNET_ALLOWED_${name})
    message(FATAL_ERROR "signet_module(${name}): not a module of ARCHITECTURE.md")
  endif()
  foreach(dep IN LISTS M_DEPS)
    if(NOT dep IN_LIST SIGNET_ALLOWED_${name})
      message(FATAL_ERROR "module '${name}' may not depend on '${dep}' (ARCHITECTURE.md layering)")
    endif()
  endforeach()
  add_library(signet_${name} STATIC ${M_SOURCES})
  set(inc ${CMAKE_BINARY_DIR}/include/${name})
  file(MAKE_DIRECTORY ${inc})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${name} ${inc}/${name} SYMBOLIC)
  target_include_directories(signet_${name} PUBLIC ${inc})
  list(TRANSFORM M_DEPS PREPEND signet_)
  target_link_libraries(signet_${name} PUBLIC ${M_DEPS} ${M_LIBS})
endfunction()

# signet_test(NAME SOURCES x_test.cc DEPS common ...) — a GoogleTest binary under ctest.
function(signet_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  list(TRANSFORM T_DEPS PREPEND signet_)
  target_link_libraries(${name} PRIVATE ${T_DEPS} ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  # The environment goes on the discovered tests from a file ctest includes after the
  # discovery's (gtest_discover_tests's PROPERTIES cannot carry a list: CMake 3.25 splits
  # ENVIRONMENT "A=1;B=2" into separate arguments, and all but the first are lost).
  set(env SIGNET_BUILD_DIR=${CMAKE_BINARY_DIR} SIGNET_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          ${SIGNET_SANITIZER_TEST_ENV})
  set(file ${CMAKE_CURRENT_BINARY_DIR}/${name}_environment.cmake)
  file(WRITE ${file} "if(${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES "
                     "ENVIRONMENT [==[${env}]==])\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${file})
endfunction()
