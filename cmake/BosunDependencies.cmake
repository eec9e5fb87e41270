# Finds every third-party dependency. All come from Debian/Ubuntu packages; when one is
# missing, configuration stops with one message naming every package to install.
find_package(PkgConfig QUIET)
find_package(Threads REQUIRED)
set(bosun_missing_packages "")

macro(bosun_need found debian_package what)
  if(NOT ${found})
    list(APPEND bosun_missing_packages "${debian_package}")
    message(STATUS "bosun: ${what} not found (Debian package: ${debian_package})")
  endif()
endmacro()

find_package(yaml-cpp CONFIG QUIET)
bosun_need(yaml-cpp_FOUND libyaml-cpp-dev "yaml-cpp")
if(TARGET yaml-cpp AND NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()

find_package(Poco CONFIG QUIET COMPONENTS Foundation Net Util JSON Data DataSQLite Redis JWT Crypto)
bosun_need(Poco_FOUND libpoco-dev "Poco (Foundation Net Util JSON Data DataSQLite Redis JWT Crypto)")

find_package(SQLite3 QUIET)
bosun_need(SQLite3_FOUND libsqlite3-dev "SQLite3")

find_package(OpenSSL QUIET)
bosun_need(OpenSSL_FOUND libssl-dev "OpenSSL")

find_package(spdlog CONFIG QUIET)
bosun_need(spdlog_FOUND libspdlog-dev "spdlog")

find_package(libssh CONFIG QUIET)
bosun_need(libssh_FOUND libssh-dev "libssh")

set(bosun_libgit2_found FALSE)
if(PkgConfig_FOUND)
  pkg_check_modules(LIBGIT2 QUIET IMPORTED_TARGET libgit2)
  if(LIBGIT2_FOUND)
    set(bosun_libgit2_found TRUE)
  endif()
endif()
bosun_need(bosun_libgit2_found libgit2-dev "libgit2 (via pkg-config)")

# The postgres and mysql checks and engines speak to the servers through their client libraries.
set(bosun_libpq_found FALSE)
set(bosun_libmariadb_found FALSE)
if(PkgConfig_FOUND)
  pkg_check_modules(LIBPQ QUIET IMPORTED_TARGET libpq)
  pkg_check_modules(LIBMARIADB QUIET IMPORTED_TARGET libmariadb)
  set(bosun_libpq_found ${LIBPQ_FOUND})
  set(bosun_libmariadb_found ${LIBMARIADB_FOUND})
endif()
bosun_need(bosun_libpq_found libpq-dev "libpq (via pkg-config)")
bosun_need(bosun_libmariadb_found libmariadb-dev "MariaDB Connector/C (via pkg-config)")

find_package(Boost 1.74 QUIET COMPONENTS filesystem system)
bosun_need(Boost_FOUND "libboost-dev libboost-filesystem-dev libboost-system-dev" "Boost (Process, Asio, Filesystem)")

find_path(BOSUN_TL_EXPECTED_INCLUDE tl/expected.hpp)
bosun_need(BOSUN_TL_EXPECTED_INCLUDE libexpected-dev "tl::expected")
if(BOSUN_TL_EXPECTED_INCLUDE AND NOT TARGET bosun_tl_expected)
  add_library(bosun_tl_expected INTERFACE)
  target_include_directories(bosun_tl_expected SYSTEM INTERFACE "${BOSUN_TL_EXPECTED_INCLUDE}")
endif()

if(BOSUN_BUILD_TESTS)
  find_package(GTest QUIET)
  bosun_need(GTest_FOUND "libgtest-dev libgmock-dev" "GoogleTest")
endif()

if(bosun_missing_packages)
  list(REMOVE_DUPLICATES bosun_missing_packages)
  string(REPLACE ";" " " bosun_missing_text "${bosun_missing_packages}")
  message(FATAL_ERROR
    "bosun: missing build dependencies. Install them with:\n"
    "  sudo apt-get install ${bosun_missing_text}\n"
    "or run scripts/install-deps, which installs everything bosun needs.")
endif()
