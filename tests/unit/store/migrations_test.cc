// The published schema migrations of both backends. A migration that a deployed store has
// applied is never edited (store/sqlite_migrations.h): a store records only the version it
// reached, so an edit would reach new stores and never the old ones, and the two would then
// differ without anything saying so. The SHA-256 of every published text is kept here; a new
// migration appends its two digests in the commit that adds it.

#include <gtest/gtest.h>

#include <span>
#include <string>

#include "common/bytes.h"
#include "common/encoding.h"
#include "crypto/digest.h"
#include "store/postgres_migrations.h"
#include "store/sqlite_migrations.h"

namespace signet::store {
namespace {

struct Published {
  int version;
  std::string_view sqlite_sha256;
  std::string_view postgres_sha256;
};

constexpr Published kPublished[] = {
    {1, "d22ba4aa16168e18b7e9cba3ddc94978dff82f7d42623c810624658464fbf941",
     "27feccae9a0b6c086ade082c211379eabeef20728f8024a41f017499a36a873b"},
    {2, "294f1a69e99d36edc5b6cce48a509a28fecabf7bc58569b7cd31d76b5b47b516",
     "e85fcb7ea517de18883356d9a6a98ada2ac3ac66ae881b5b423ea97ec757f9cc"},
    {3, "cbba7c42e25a7f4889c1149bc1f92f59db0a9bad89b4f838dfae3b443826c28c",
     "9b6982386dc013a1dee6c0fc648ced50afc4f2d6974da4c3deb347fbd43d60ca"},
    {4, "be0ec394a83deaa34e1d397e7abbbb63e160707409974bcf3c74945534d44675",
     "2e1d23e945e68267268daa1000d161e4423543169dacc0baa8069d0cc78d0f96"},
    {5, "107d14c0df8fbcf86e7b857ba9e8442fdff12dfc39eb135454b70fd119a8e6dc",
     "58f702508fce1647696af4a7be772a6235897bbb6e59028465a162def87443cf"},
    {6, "db2045866ce7906d2c54cef40aa8b0b1f79613f122258371a50033e92d20b0f0",
     "d3b4c1e84487c0164af5851af352428f21e73d2854b3681a849152a3cba007ca"},
    {7, "1813ad00613022d796958f0b86115fa576c349e148626b019196bccfd8b9f33c",
     "1813ad00613022d796958f0b86115fa576c349e148626b019196bccfd8b9f33c"},
    {8, "b474cee4fc17fcf4e041791d7266bf70eca37a102b16c2fe0b62129b91d6254f",
     "b474cee4fc17fcf4e041791d7266bf70eca37a102b16c2fe0b62129b91d6254f"},
};

std::string Sha256Hex(std::string_view text) { return HexEncode(crypto::Sha256(AsBytes(text))); }

void ExpectVersionsFromOne(std::span<const sql::Migration> migrations, const char* dialect) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1) << dialect << " migration #" << i;
    EXPECT_FALSE(migrations[i].sql.empty()) << dialect << " migration " << migrations[i].version;
  }
}

TEST(Migrations, BothDialectsNumberTheSameVersionsFromOne) {
  ExpectVersionsFromOne(SqliteMigrations(), "SQLite");
  ExpectVersionsFromOne(PostgresMigrations(), "PostgreSQL");
  EXPECT_EQ(SqliteMigrations().size(), PostgresMigrations().size())
      << "a schema change is one migration in each dialect, with the same number";
}

TEST(Migrations, PublishedTextsAreNeverEdited) {
  const auto sqlite = SqliteMigrations();
  const auto postgres = PostgresMigrations();
  ASSERT_EQ(sqlite.size(), std::size(kPublished))
      << "a new migration appends its version and the SHA-256 of both texts to kPublished";
  ASSERT_EQ(postgres.size(), std::size(kPublished));
  for (std::size_t i = 0; i < std::size(kPublished); ++i) {
    const Published& p = kPublished[i];
    EXPECT_EQ(Sha256Hex(sqlite[i].sql), p.sqlite_sha256)
        << "SQLite migration " << p.version
        << " was edited; published migrations are never edited, add a new one instead";
    EXPECT_EQ(Sha256Hex(postgres[i].sql), p.postgres_sha256)
        << "PostgreSQL migration " << p.version
        << " was edited; published migrations are never edited, add a new one instead";
  }
}

}  // namespace
}  // namespace signet::store
