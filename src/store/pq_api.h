#pragma once
// libpq, loaded when a node first opens a PostgreSQL store instead of linked into signetd
// (common/shared_library.h): a node on SQLite, the default, never maps it or what it brings
// (Kerberos, LDAP, SASL, GnuTLS). Compiled against Debian's libpq-dev headers; loads that
// package's runtime library libpq.so.5 (package libpq5, a dependency of the signet package).

#include <libpq-fe.h>

#include "common/result.h"

namespace signet::store {

// The libpq functions the PostgreSQL driver calls, named as libpq names them.
struct PqApi {
  decltype(&::PQclear) PQclear = nullptr;
  decltype(&::PQcmdStatus) PQcmdStatus = nullptr;
  decltype(&::PQcmdTuples) PQcmdTuples = nullptr;
  decltype(&::PQconnectdbParams) PQconnectdbParams = nullptr;
  decltype(&::PQenterPipelineMode) PQenterPipelineMode = nullptr;
  decltype(&::PQerrorMessage) PQerrorMessage = nullptr;
  decltype(&::PQexec) PQexec = nullptr;
  decltype(&::PQexitPipelineMode) PQexitPipelineMode = nullptr;
  decltype(&::PQfinish) PQfinish = nullptr;
  decltype(&::PQgetResult) PQgetResult = nullptr;
  decltype(&::PQgetisnull) PQgetisnull = nullptr;
  decltype(&::PQgetlength) PQgetlength = nullptr;
  decltype(&::PQgetvalue) PQgetvalue = nullptr;
  decltype(&::PQntuples) PQntuples = nullptr;
  decltype(&::PQpipelineSync) PQpipelineSync = nullptr;
  decltype(&::PQprepare) PQprepare = nullptr;
  decltype(&::PQresultErrorField) PQresultErrorField = nullptr;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage = nullptr;
  decltype(&::PQresultStatus) PQresultStatus = nullptr;
  decltype(&::PQsendQueryPrepared) PQsendQueryPrepared = nullptr;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor = nullptr;
  decltype(&::PQstatus) PQstatus = nullptr;
  decltype(&::PQtransactionStatus) PQtransactionStatus = nullptr;
};

// The file Pq() loads.
inline constexpr const char* kPqLibrary = "libpq.so.5";

// Loads `file` and resolves every entry point; kUnavailable with the loader's message when the
// file or a symbol is missing.
Result<PqApi> LoadPqApi(const char* file);

// libpq loaded from kPqLibrary by the first call, which is thread-safe; later calls return the
// same outcome.
Result<const PqApi*> Pq();

}  // namespace signet::store
