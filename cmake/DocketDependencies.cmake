# Finds the Debian 12 packages Docket builds against (see
# ../shared/toolchain.md and tools/dev/deps.sh, which installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(FlatBuffers CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++ rdkafka)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
if(DOCKET_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
