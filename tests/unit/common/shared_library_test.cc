// SharedLibrary: what signetd loads at run time instead of linking (libpq, libcurl).
#include "common/shared_library.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace signet {
namespace {

TEST(SharedLibraryTest, MissingFileIsUnavailableNamingTheFileAndItsPurpose) {
  Result<SharedLibrary> lib = SharedLibrary::Open("libsignet-no-such-library.so.0", "does X");
  ASSERT_FALSE(lib);
  EXPECT_EQ(lib.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(lib.error().message.find("cannot load libsignet-no-such-library.so.0, which does X: "),
            std::string::npos)
      << lib.error().message;
}

TEST(SharedLibraryTest, ResolvesEntryPointsAndNamesAMissingOne) {
  Result<SharedLibrary> lib = SharedLibrary::Open("libc.so.6", "is the C library");
  ASSERT_TRUE(lib) << lib.error().message;
  decltype(&std::strlen) length = nullptr;
  ASSERT_TRUE(lib->Resolve("strlen", length));
  EXPECT_EQ(length("signet"), 6U);

  int (*missing)() = nullptr;
  EXPECT_FALSE(lib->Resolve("signet_no_such_symbol", missing));
  EXPECT_EQ(missing, nullptr);
  const Error e = lib->error();
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_NE(e.message.find("cannot use libc.so.6: "), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("signet_no_such_symbol"), std::string::npos) << e.message;
}

// What the loading is for: signetd itself does not link libpq or libcurl, so a node on SQLite
// that sends no notification never maps them or the libraries they bring (about 4 MiB of an
// idle signetd's resident set, docs/performance.md).
TEST(SharedLibraryTest, SignetdLinksNeitherLibpqNorLibcurl) {
  const char* build = std::getenv("SIGNET_BUILD_DIR");
  ASSERT_NE(build, nullptr);
  const std::string signetd = std::string(build) + "/bin/signetd";
  if (!std::ifstream(signetd)) GTEST_SKIP() << signetd << " is not built";
  const std::string command = "readelf -d '" + signetd + "'";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string needed;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    if (std::strstr(line, "(NEEDED)") != nullptr) needed += line;
  }
  ASSERT_EQ(pclose(pipe), 0) << command;
  EXPECT_NE(needed.find("libsqlite3.so"), std::string::npos) << needed;  // the list was read
  EXPECT_EQ(needed.find("libpq"), std::string::npos) << needed;
  EXPECT_EQ(needed.find("libcurl"), std::string::npos) << needed;
}

}  // namespace
}  // namespace signet
