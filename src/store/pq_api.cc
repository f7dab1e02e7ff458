#include "store/pq_api.h"

#include "common/shared_library.h"

namespace signet::store {

Result<PqApi> LoadPqApi(const char* file) {
  Result<SharedLibrary> lib = SharedLibrary::Open(file, "connects to PostgreSQL");
  if (!lib) return tl::unexpected(lib.error());
  PqApi api;
  const bool ok =
      lib->Resolve("PQclear", api.PQclear) && lib->Resolve("PQcmdStatus", api.PQcmdStatus) &&
      lib->Resolve("PQcmdTuples", api.PQcmdTuples) &&
      lib->Resolve("PQconnectdbParams", api.PQconnectdbParams) &&
      lib->Resolve("PQenterPipelineMode", api.PQenterPipelineMode) &&
      lib->Resolve("PQerrorMessage", api.PQerrorMessage) && lib->Resolve("PQexec", api.PQexec) &&
      lib->Resolve("PQexitPipelineMode", api.PQexitPipelineMode) &&
      lib->Resolve("PQfinish", api.PQfinish) && lib->Resolve("PQgetResult", api.PQgetResult) &&
      lib->Resolve("PQgetisnull", api.PQgetisnull) &&
      lib->Resolve("PQgetlength", api.PQgetlength) && lib->Resolve("PQgetvalue", api.PQgetvalue) &&
      lib->Resolve("PQntuples", api.PQntuples) &&
      lib->Resolve("PQpipelineSync", api.PQpipelineSync) &&
      lib->Resolve("PQprepare", api.PQprepare) &&
      lib->Resolve("PQresultErrorField", api.PQresultErrorField) &&
      lib->Resolve("PQresultErrorMessage", api.PQresultErrorMessage) &&
      lib->Resolve("PQresultStatus", api.PQresultStatus) &&
      lib->Resolve("PQsendQueryPrepared", api.PQsendQueryPrepared) &&
      lib->Resolve("PQsetNoticeProcessor", api.PQsetNoticeProcessor) &&
      lib->Resolve("PQstatus", api.PQstatus) &&
      lib->Resolve("PQtransactionStatus", api.PQtransactionStatus);
  if (!ok) return tl::unexpected(lib->error());
  return api;
}

Result<const PqApi*> Pq() {
  // Loaded once; a failure is kept too (the library does not appear while the server runs).
  static const Result<PqApi> loaded = LoadPqApi(kPqLibrary);
  if (!loaded) return tl::unexpected(loaded.error());
  return &*loaded;
}

}  // namespace signet::store
