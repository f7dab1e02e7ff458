#pragma once
// The conformance suite of store::Store/Tx: every backend must pass it. It is written against
// the interface only. A backend instantiates it with a factory of harnesses, each owning one
// fresh, empty database:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreBackend{"sqlite", MakeSqliteHarness}),
//                            BackendName);
//
// and links store_conformance.cc into its test binary (compile it as a source of the binary,
// not through a static library, so that its tests are registered).

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/result.h"
#include "store/store.h"

namespace signet::store::testing {

// What a migrated schema holds for one table, as the database itself reports it.
struct TableShape {
  std::set<std::string> columns;
  // Unique keys (the primary key too): the constraint's name ("" where the backend names
  // none) and its columns in key order.
  std::vector<std::pair<std::string, std::vector<std::string>>> unique;
  bool insertion_order = false;  // rows can be ordered by insertion (rowid, row_seq)
};

// One fresh, empty database for one test. Open() may be called more than once; every Store
// it returns is a handle on the same database.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  [[nodiscard]] virtual Result<std::unique_ptr<Store>> Open() = 0;
  // The shape of `table` in the database (after Open()); kNotFound when there is no such
  // table.
  [[nodiscard]] virtual Result<TableShape> Describe(const std::string& table) = 0;
};

struct StoreBackend {
  std::string name;  // a valid test-name fragment: letters, digits, underscore
  std::function<std::unique_ptr<StoreHarness>()> make_harness;
};

std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info);

class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Store& store() { return *store_; }

  std::unique_ptr<StoreHarness> harness_;
  std::unique_ptr<Store> store_;
};

}  // namespace signet::store::testing
