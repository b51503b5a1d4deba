# Finds the Debian 12 packages Docket builds against (see
# ../shared/toolchain.md and tools/dev/deps.sh, which installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(FlatBuffers CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(roaring CONFIG REQUIRED)  # libroaring-dev: the search index's bitmaps
find_package(absl CONFIG REQUIRED)  # libabsl-dev: the read store's batch maps, absl::Cleanup
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++ rdkafka)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
# The allocator of docketd, docketctl and projection_bench (libjemalloc-dev);
# the sanitizers bring their own.
if(NOT DOCKET_SANITIZE)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()
# Links `target` against jemalloc instead of glibc's malloc (RocksDB's
# advice; docs/benchmarks.md, "Memory"); nothing under the sanitizers.
function(docket_use_jemalloc target)
  if(NOT DOCKET_SANITIZE)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
  endif()
endfunction()
if(DOCKET_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)  # the notifier's SMTP client
find_path(STEMMER_INCLUDE_DIR libstemmer.h REQUIRED)
find_library(STEMMER_LIBRARY stemmer REQUIRED)
add_library(Docket::stemmer UNKNOWN IMPORTED)
set_target_properties(Docket::stemmer PROPERTIES
  IMPORTED_LOCATION "${STEMMER_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${STEMMER_INCLUDE_DIR}")
