#pragma once
// Assertions on Result and Status values, for every unit test: ASSERT_OK / EXPECT_OK (holds a
// value), ASSERT_OK_AND_ASSIGN (binds it), EXPECT_ERROR (fails with a given code).

#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "common/result.h"

// ASSERT_OK(expr): expr is a Result/Status that must hold a value.
#define ASSERT_OK(expr)                                                            \
  do {                                                                             \
    const auto& signet_assert_r_ = (expr);                                         \
    ASSERT_TRUE(signet_assert_r_.has_value()) << signet_assert_r_.error().message; \
  } while (false)
#define EXPECT_OK(expr)                                                            \
  do {                                                                             \
    const auto& signet_expect_r_ = (expr);                                         \
    EXPECT_TRUE(signet_expect_r_.has_value()) << signet_expect_r_.error().message; \
  } while (false)

// ASSERT_OK_AND_ASSIGN(auto x, expr): binds the value of a Result or fails the test.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  SIGNET_ASSERT_OK_AND_ASSIGN_IMPL_(SIGNET_CONCAT_(signet_assign_r_, __LINE__), lhs, expr)
#define SIGNET_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                      \
  ASSERT_TRUE(tmp.has_value()) << tmp.error().message;    \
  lhs = std::move(*tmp)

// EXPECT_ERROR(expr, code): expr must fail with `code`.
#define EXPECT_ERROR(expr, error_code)                                   \
  do {                                                                   \
    const auto& signet_err_r_ = (expr);                                  \
    EXPECT_FALSE(signet_err_r_.has_value());                             \
    if (!signet_err_r_.has_value()) {                                    \
      EXPECT_EQ(signet_err_r_.error().code, error_code)                  \
          << ::signet::ErrorCodeName(signet_err_r_.error().code) << ": " \
          << signet_err_r_.error().message;                              \
    }                                                                    \
  } while (false)

namespace signet::testutil {

// The error message of a failed Result, or "<no error>".
template <class R>
std::string ErrorMessage(const R& r) {
  return r.has_value() ? std::string("<no error>") : r.error().message;
}

}  // namespace signet::testutil
