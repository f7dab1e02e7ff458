// libpq is loaded by the first PostgreSQL connection (store/pq_api.h): the library Debian
// installs resolves, and a library without libpq's entry points is refused, named.
#include "store/pq_api.h"

#include <gtest/gtest.h>

#include <string>

namespace signet::store {
namespace {

TEST(PqApiTest, LoadsLibpqAndRefusesALibraryWithoutItsEntryPoints) {
  Result<PqApi> api = LoadPqApi(kPqLibrary);
  ASSERT_TRUE(api) << api.error().message;
  EXPECT_NE(api->PQconnectdbParams, nullptr);
  EXPECT_NE(api->PQpipelineSync, nullptr);
  Result<const PqApi*> loaded = Pq();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ((*loaded)->PQresultStatus(nullptr), PGRES_FATAL_ERROR);  // libpq's answer for no result

  Result<PqApi> wrong = LoadPqApi("libc.so.6");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(wrong.error().message.find("libc.so.6"), std::string::npos);
  EXPECT_NE(wrong.error().message.find("PQclear"), std::string::npos) << wrong.error().message;
  Result<PqApi> missing = LoadPqApi("libpq-no-such.so.5");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("which connects to PostgreSQL"), std::string::npos)
      << missing.error().message;
}

}  // namespace
}  // namespace signet::store
