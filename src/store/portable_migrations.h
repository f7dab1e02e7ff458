#pragma once
// The migrations whose SQL is the same in both dialects, written once and numbered in both
// lists (store/sqlite_migrations.cc, store/postgres_migrations.cc). A migration goes here
// when each of its statements reads the same to SQLite and PostgreSQL: `ALTER TABLE … ADD
// COLUMN` of TEXT columns, a default, a reference. Published migrations are never edited
// (tests/unit/store/migrations_test.cc keeps their digests).

#include <string_view>

namespace signet::store::portable {

// 7: a project's compliance profile ("none" or "csbr", service/compliance.h).
inline constexpr std::string_view kComplianceProfile = R"sql(
ALTER TABLE projects ADD COLUMN compliance_profile TEXT NOT NULL DEFAULT 'none';
)sql";

// 8: a TSA's certificate is a row of `certificates` like any other (listed, revocable), and
// its key may be in the HSM.
inline constexpr std::string_view kTsaCertificates = R"sql(
ALTER TABLE timestamp_authorities ADD COLUMN certificate_id TEXT REFERENCES certificates(id);
ALTER TABLE timestamp_authorities ADD COLUMN key_source TEXT NOT NULL DEFAULT 'software';
)sql";

}  // namespace signet::store::portable
