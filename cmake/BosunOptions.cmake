# Build-wide settings and the switches a developer or CI flips.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

# Warnings are errors in CI (CI=true) by default; developers can opt in with -DBOSUN_WERROR=ON.
if(DEFINED ENV{CI} AND NOT "$ENV{CI}" STREQUAL "" AND NOT "$ENV{CI}" STREQUAL "false")
  set(bosun_werror_default ON)
else()
  set(bosun_werror_default OFF)
endif()
option(BOSUN_WERROR "Treat compiler warnings as errors" ${bosun_werror_default})
option(BOSUN_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(BOSUN_FUZZ "Build libFuzzer targets (needs clang)" OFF)
option(BOSUN_BUILD_TESTS "Build the GoogleTest suites" ON)

if(BOSUN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

find_program(BOSUN_CCACHE ccache)
if(BOSUN_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${BOSUN_CCACHE}")
endif()
