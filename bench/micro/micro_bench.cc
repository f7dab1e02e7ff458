// Micro-benchmarks of the sign path's pieces: request decode, token lookup (cache hit),
// policy decision, signing per algorithm, audit append (one per transaction and grouped).
// Run: build/bin/signet_micro_bench  (bench/run.sh runs it and records the results).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "api/json.h"
#include "audit/audit_log.h"
#include "auth/authenticator.h"
#include "auth/password.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "common/uuid.h"
#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/sign.h"
#include "policy/access.h"
#include "policy/signing_policy.h"
#include "store/sqlite_store.h"

namespace signet {
namespace {

std::string TempDb(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / ("signet-bench-" + NewUuid());
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void BM_DecodeSignRequest(benchmark::State& state) {
  const std::string body =
      R"({"data":")" + Base64Encode(crypto::Sha256(AsBytes("payload"))) +
      R"(","signingAlgorithm":"ECDSA_SHA256","isDigest":true,"clientMetadata":{"tool":"bench","hostname":"ci-1"}})";
  for (auto _ : state) {
    auto object = api::ParseObject(body);
    api::Fields f(*object);
    auto data = f.String("data", 1024);
    auto alg = f.String("signingAlgorithm", 64);
    auto digest = f.Bool("isDigest", false);
    auto decoded = Base64Decode(*data);
    benchmark::DoNotOptimize(decoded);
    benchmark::DoNotOptimize(alg);
    benchmark::DoNotOptimize(digest);
  }
}
BENCHMARK(BM_DecodeSignRequest);

void BM_TokenLookupCached(benchmark::State& state) {
  auto store = *store::OpenSqlite(TempDb("auth.db"));
  SystemClock clock;
  auth::AuthOptions options;
  options.cache_ttl = std::chrono::hours(1);
  auth::Authenticator authenticator(*store, clock, options);
  domain::User user{NewUuid(),
                    "bench@example.com",
                    *auth::HashPassword(SecretBytes::FromString("benchmark-pw")),
                    domain::OrgRole::kMember,
                    clock.Now(),
                    clock.Now()};
  auto tx = *store->BeginWrite();
  (void)tx->InsertUser(user);
  domain::Principal p{domain::PrincipalType::kUser, user.id, user.email, user.org_role};
  auto token = *authenticator.IssueToken(*tx, p, std::chrono::hours(8));
  (void)tx->Commit();
  tx.reset();
  const std::string text(token.token.string_view());
  for (auto _ : state) benchmark::DoNotOptimize(authenticator.Authenticate(text));
}
BENCHMARK(BM_TokenLookupCached);

void BM_PolicyDecision(benchmark::State& state) {
  const domain::Principal p{domain::PrincipalType::kIdentity, NewUuid(), "ci",
                            domain::OrgRole::kMember};
  domain::Grant g;
  g.status = domain::GrantStatus::kActive;
  g.max_signings = 1000;
  g.used_signings = 10;
  g.window_start = FromUnixMillis(0);
  g.scope.hostname = "ci-1";
  domain::SigningScope seen;
  seen.hostname = "ci-1";
  const TimePoint now = FromUnixMillis(1'000'000);
  for (auto _ : state) {
    const bool sign = policy::CanSign({p, std::nullopt, domain::SignerRole::kOperator});
    const bool usable = policy::GrantUsableAt(g, now);
    benchmark::DoNotOptimize(policy::ScopeMismatch(g.scope, seen));
    benchmark::DoNotOptimize(sign && usable);
  }
}
BENCHMARK(BM_PolicyDecision);

void BM_Sign(benchmark::State& state, domain::KeyAlgorithm key_alg, const char* alg_name) {
  const auto key = *crypto::PrivateKey::Generate(key_alg);
  const auto alg = *domain::ParseSigningAlgorithm(alg_name);
  const Bytes digest = crypto::Digest(alg.hash, AsBytes("payload"));
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sign(key, alg, digest, true));
}
BENCHMARK_CAPTURE(BM_Sign, rsa2048_pkcs1, domain::KeyAlgorithm::kRsa2048,
                  "RSASSA_PKCS1_V1_5_SHA256");
BENCHMARK_CAPTURE(BM_Sign, rsa2048_pss, domain::KeyAlgorithm::kRsa2048, "RSASSA_PSS_SHA256");
BENCHMARK_CAPTURE(BM_Sign, rsa3072_pkcs1, domain::KeyAlgorithm::kRsa3072,
                  "RSASSA_PKCS1_V1_5_SHA256");
BENCHMARK_CAPTURE(BM_Sign, p256, domain::KeyAlgorithm::kEcP256, "ECDSA_SHA256");
BENCHMARK_CAPTURE(BM_Sign, p384, domain::KeyAlgorithm::kEcP384, "ECDSA_SHA384");

// Audit append: state.range(0) events per write transaction (1 = no grouping), durable
// (synchronous=FULL) as shipped.
void BM_AuditAppend(benchmark::State& state) {
  auto store = *store::OpenSqlite(TempDb("audit.db"));
  auto log = *audit::AuditLog::Create("bench", *crypto::RandomSecret(32));
  SystemClock clock;
  const int per_tx = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto tx = *store->BeginWrite();
    for (int i = 0; i < per_tx; ++i) {
      audit::AuditEventInput in;
      in.event_type = "sign.success";
      in.actor_type = "identity";
      in.actor_id = "00000000-0000-4000-8000-000000000000";
      in.details_json = R"({"signingAlgorithm":"ECDSA_SHA256"})";
      (void)log->Append(*tx, in, clock.Now());
    }
    (void)tx->Commit();
  }
  state.SetItemsProcessed(state.iterations() * per_tx);
}
BENCHMARK(BM_AuditAppend)->Arg(1)->Arg(16)->Arg(128)->UseRealTime();

}  // namespace
}  // namespace signet

BENCHMARK_MAIN();
