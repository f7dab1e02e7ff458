// sign and verify: files are hashed here in a streaming way and only digests travel.

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/file_hash.h"
#include "cli/metadata.h"
#include "cli/output.h"
#include "common/duration.h"
#include "crypto/cms.h"
#include "crypto/digest.h"
#include "crypto/sign.h"
#include "crypto/timestamp.h"
#include "crypto/x509.h"
#include "domain/algorithms.h"

namespace signet::cli {
namespace {

// Progress bars appear only for inputs at least this large (and only on a terminal).
constexpr std::uint64_t kProgressThreshold = 16u << 20;

const char* const kAllAlgorithms[] = {"RSASSA_PKCS1_V1_5_SHA256",
                                      "RSASSA_PKCS1_V1_5_SHA384",
                                      "RSASSA_PKCS1_V1_5_SHA512",
                                      "RSASSA_PSS_SHA256",
                                      "RSASSA_PSS_SHA384",
                                      "RSASSA_PSS_SHA512",
                                      "ECDSA_SHA256",
                                      "ECDSA_SHA384",
                                      "ECDSA_SHA512"};

struct SignOptions {
  std::string signer;
  std::string algorithm;
  std::vector<std::string> inputs;
  std::string out;
  std::string out_dir;
  int concurrency = 4;
  int batch_size = 1000;
  bool no_progress = false;
  std::string format = "raw";  // raw | cms
  std::string timestamp_url;   // cms: an RFC 3161 TSA
  bool timestamp_auth = false;
  // --request: ask for access on ApprovalRequired (and --wait for the decision)
  bool request = false;
  std::string justification;
  std::string wait;
  // verify
  std::string in;
  std::string sig;
  std::string cert_file;
  std::string ca_file;      // CMS: trusted roots for the signer's (and the TSA's) chain
  std::string tsa_ca_file;  // CMS: trusted roots for the timestamp's TSA, when other
};

struct Job {
  std::string in;
  std::string out;
  std::uint64_t size = 0;
  std::optional<Error> error;
  client::SignResult result;
};

std::string BaseName(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const std::size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

Error Explain(Error e, const std::string& signer) {
  if (e.code == ErrorCode::kApprovalRequired) {
    e.message +=
        " Request access with: signet request --signer " + signer + " --justification TEXT";
  }
  return e;
}

// DIR/NAME without a doubled slash when DIR ends with one (signatures/ -> signatures/a.sig).
std::string JoinPath(std::string dir, const std::string& name) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir == "/" ? "/" + name : dir + "/" + name;
}

// A detached CMS signature (.p7s, DER) of each input: the signed attributes (content type,
// message digest, signing time, signing-certificate-v2) are built here and only their digest
// is signed by the server; with a TSA, the signature value is timestamped (RFC 3161
// appendix A) and the token added as an unsigned attribute.
Status SignCmsFiles(Context& ctx, const SignOptions& o, domain::SigningAlgorithm algorithm) {
  if (!o.out_dir.empty() && o.inputs.size() > 1 && !o.out.empty()) {
    return InvalidArgument("give either --out or --out-dir, not both");
  }
  if (o.inputs.size() > 1 && o.out_dir.empty()) {
    return InvalidArgument("signing " + std::to_string(o.inputs.size()) +
                           " files needs --out-dir DIR (one DIR/<file>.p7s each)");
  }
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(client::SignerInfo signer,
                          api->ResolveSigner(o.signer, ctx.flags.project));
  SIGNET_ASSIGN_OR_RETURN(client::SignerCertificate bundle, api->GetSignerCertificate(signer.id));
  SIGNET_ASSIGN_OR_RETURN(crypto::Certificate certificate,
                          crypto::Certificate::FromPem(bundle.certificate_pem));
  SIGNET_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain,
                          crypto::ParseCertificateChainPem(bundle.certificate_chain_pem));
  const client::ClientMetadata metadata = SigningMetadata(ctx.argv());
  api::JsonArray results;
  for (const std::string& in : o.inputs) {
    const std::string out = !o.out_dir.empty() ? JoinPath(o.out_dir, BaseName(in) + ".p7s")
                            : !o.out.empty()   ? o.out
                                               : in + ".p7s";
    SIGNET_ASSIGN_OR_RETURN(FileDigests digests, HashFile(in, {algorithm.hash}, nullptr));
    crypto::CmsSignParams params;
    params.signer = &certificate;
    for (const crypto::Certificate& c : chain) params.chain.push_back(&c);
    params.hash = algorithm.hash;
    params.rsa_pss = algorithm.scheme == domain::SignatureScheme::kRsaPss;
    params.content_digest = digests.digests[0];
    params.signing_time = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
    crypto::DigestSigner sign = [&](domain::HashAlgorithm, ByteView digest) -> Result<Bytes> {
      auto r = api->SignDigest(signer.id, o.algorithm, digest, metadata);
      if (!r) return tl::unexpected(Explain(r.error(), o.signer));
      return std::move(r->signature);
    };
    SIGNET_ASSIGN_OR_RETURN(Bytes cms, crypto::SignCms(params, sign));
    api::JsonObject result{{"file", in},
                           {"out", out},
                           {"format", "cms"},
                           {"signingAlgorithm", o.algorithm},
                           {"signerId", signer.id}};
    if (!o.timestamp_url.empty()) {
      SIGNET_ASSIGN_OR_RETURN(crypto::CmsSignatureInfo info, crypto::InspectCms(cms));
      TimestampRequest request{o.timestamp_url,
                               domain::HashAlgorithm::kSha256,
                               crypto::Digest(domain::HashAlgorithm::kSha256, info.signature),
                               "",
                               true,
                               o.timestamp_auth};
      SIGNET_ASSIGN_OR_RETURN(TimestampFetch fetched, FetchTimestamp(ctx, request));
      SIGNET_ASSIGN_OR_RETURN(cms, crypto::AddCmsTimestamp(cms, fetched.response.token));
      result["timestampGenTime"] = FormatTime(fetched.response.info->gen_time);
      result["timestampSerialNumber"] = fetched.response.info->serial_hex;
    }
    SIGNET_TRY(WriteFile(out, AsString(cms)));
    if (!ctx.flags.json) {
      ctx.out() << "Signed " << in << " -> " << out << " (CMS, " << o.algorithm << ", signer "
                << signer.name << (o.timestamp_url.empty() ? "" : ", timestamped") << ")\n";
    }
    results.emplace_back(std::move(result));
  }
  if (ctx.flags.json) {
    if (results.size() == 1) {
      PrintJson(ctx.out(), results[0]);
    } else {
      PrintJson(ctx.out(), results);
    }
  }
  return Ok();
}

Status SignFiles(Context& ctx, const SignOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(domain::SigningAlgorithm algorithm,
                          domain::ParseSigningAlgorithm(o.algorithm));
  if (o.format == "cms") {
    if (o.inputs.empty()) return InvalidArgument("give a file to sign with --in FILE");
    return SignCmsFiles(ctx, o, algorithm);
  }
  if (o.format != "raw") {
    return InvalidArgument("--format " + o.format + " is not one of raw, cms");
  }
  if (!o.timestamp_url.empty()) {
    return InvalidArgument("--timestamp needs --format cms (a raw signature has no room for it)");
  }
  if (o.inputs.empty()) return InvalidArgument("give a file to sign with --in FILE");
  if (!o.out.empty() && !o.out_dir.empty()) {
    return InvalidArgument("give either --out or --out-dir, not both");
  }
  if (o.inputs.size() > 1 && o.out_dir.empty()) {
    return InvalidArgument("signing " + std::to_string(o.inputs.size()) +
                           " files needs --out-dir DIR (one DIR/<file>.sig each)");
  }
  std::vector<Job> jobs(o.inputs.size());
  std::set<std::string> outputs;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < o.inputs.size(); ++i) {
    Job& job = jobs[i];
    job.in = o.inputs[i];
    SIGNET_ASSIGN_OR_RETURN(job.size, FileSize(job.in));
    total += job.size;
    if (!o.out_dir.empty()) {
      job.out = JoinPath(o.out_dir, BaseName(job.in) + ".sig");
    } else {
      job.out = o.out.empty() ? job.in + ".sig" : o.out;
    }
    if (!outputs.insert(job.out).second) {
      return InvalidArgument("two inputs would both write " + job.out + "; sign them separately");
    }
  }
  if (!o.out_dir.empty()) {
    // Created when missing (with its parents), like `mkdir -p`: a CI job's fresh folder.
    struct stat st {};
    if (::stat(o.out_dir.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        return InvalidArgument("--out-dir " + o.out_dir + " is not a directory");
    } else {
      std::error_code ec;
      std::filesystem::create_directories(o.out_dir, ec);
      if (ec)
        return InvalidArgument("--out-dir " + o.out_dir + " cannot be created: " + ec.message());
    }
  }

  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(client::SignerInfo signer,
                          api->ResolveSigner(o.signer, ctx.flags.project));
  const client::ClientMetadata metadata = SigningMetadata(ctx.argv());
  const std::string algorithm_name(o.algorithm);

  const bool show_progress = ctx.terminal().stderr_is_tty && !o.no_progress && !ctx.flags.json &&
                             total >= kProgressThreshold;
  Progress progress(ctx.err(), show_progress, total,
                    jobs.size() == 1 ? "Hashing " + BaseName(jobs[0].in)
                                     : "Hashing " + std::to_string(jobs.size()) + " files");

  // Each file is hashed here (several at once); one file is signed with /sign, several with
  // /sign-batch: one request per batch of digests, each digest recorded as its own operation.
  const bool batch = jobs.size() > 1;
  std::vector<Bytes> digests(jobs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      Job& job = jobs[i];
      auto hashed = HashFile(job.in, {algorithm.hash}, &progress);
      if (!hashed) {
        job.error = hashed.error();
        continue;
      }
      if (batch) {
        digests[i] = std::move(hashed->digests[0]);
        continue;
      }
      auto signed_ = api->SignDigest(signer.id, algorithm_name, hashed->digests[0], metadata);
      if (!signed_) {
        job.error = Explain(signed_.error(), o.signer);
        continue;
      }
      job.result = std::move(*signed_);
      auto written = WriteFile(job.out, AsString(job.result.signature));
      if (!written) job.error = written.error();
    }
  };
  const std::size_t threads =
      std::min<std::size_t>(jobs.size(), static_cast<std::size_t>(std::max(1, o.concurrency)));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  progress.Finish();

  if (batch) {
    // Batches stay within the server's item limit and well within its 1 MiB request body:
    // each item carries the client metadata (the command line may be long).
    const std::size_t item_bytes =
        160 + api::Serialize(client::EncodeClientMetadata(metadata)).size();
    const std::size_t per_batch = std::clamp<std::size_t>((768u << 10) / item_bytes, 1,
                                                          static_cast<std::size_t>(o.batch_size));
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (!jobs[i].error) pending.push_back(i);
    }
    for (std::size_t start = 0; start < pending.size(); start += per_batch) {
      const std::size_t end = std::min(pending.size(), start + per_batch);
      std::vector<Bytes> chunk;
      for (std::size_t k = start; k < end; ++k) chunk.push_back(digests[pending[k]]);
      auto results = api->SignDigestBatch(signer.id, algorithm_name, chunk, metadata);
      for (std::size_t k = start; k < end; ++k) {
        Job& job = jobs[pending[k]];
        if (!results) {
          job.error = Explain(results.error(), o.signer);
          continue;
        }
        auto& r = (*results)[k - start].result;
        if (!r) {
          job.error = Explain(r.error(), o.signer);
          continue;
        }
        job.result = std::move(*r);
        auto written = WriteFile(job.out, AsString(job.result.signature));
        if (!written) job.error = written.error();
      }
    }
  }

  std::size_t failed = 0;
  std::optional<Error> first_error;
  api::JsonArray results;
  for (const Job& job : jobs) {
    if (job.error) {
      ++failed;
      if (!first_error) first_error = job.error;
      if (jobs.size() > 1) ctx.err() << "signet: " << job.in << ": " << job.error->message << '\n';
      continue;
    }
    api::JsonObject r = job.result.raw;
    r["file"] = job.in;
    r["out"] = job.out;
    r["size"] = job.size;
    results.emplace_back(std::move(r));
    if (!ctx.flags.json) {
      ctx.out() << "Signed " << job.in << " -> " << job.out << " (" << job.result.signing_algorithm
                << ", signer " << signer.name << ")\n";
    }
  }
  if (ctx.flags.json) {
    if (jobs.size() == 1 && !results.empty()) {
      PrintJson(ctx.out(), results[0]);
    } else if (jobs.size() > 1) {
      PrintJson(ctx.out(), results);
    }
  }
  if (first_error) {
    if (jobs.size() == 1) return tl::unexpected(*first_error);
    return MakeError(first_error->code, std::to_string(failed) + " of " +
                                            std::to_string(jobs.size()) + " files were not signed");
  }
  return Ok();
}

// Trusted roots from a PEM file (one or more certificates).
Result<std::vector<crypto::Certificate>> ReadRoots(const std::string& file, const char* flag) {
  SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(file));
  auto roots = crypto::ParseCertificateChainPem(pem);
  if (!roots) return InvalidArgument(std::string(flag) + " " + file + ": " + roots.error().message);
  if (roots->empty()) {
    return InvalidArgument(std::string(flag) + " " + file + " holds no PEM certificate");
  }
  return std::move(*roots);
}

// A CMS signature (signet sign --format cms): the digest and signature against the
// certificate it carries (or the signer's / --certificate, which must be the one that signed),
// the timestamp token when there is one, and the signer's chain to a trusted root: --ca-file,
// or with --signer the top of the signer's chain as the server gives it. The chain is checked
// at the timestamp's time when the timestamp verifies (a timestamped signature outlives its
// certificate), else now.
Status VerifyCmsFile(Context& ctx, const SignOptions& o, ByteView der) {
  SIGNET_ASSIGN_OR_RETURN(crypto::CmsSignatureInfo info, crypto::InspectCms(der));
  std::optional<crypto::Certificate> expected;
  std::vector<crypto::Certificate> roots;
  std::string trust;  // where the roots came from
  if (!o.ca_file.empty()) {
    SIGNET_ASSIGN_OR_RETURN(roots, ReadRoots(o.ca_file, "--ca-file"));
    trust = o.ca_file;
  }
  if (!o.cert_file.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(o.cert_file));
    SIGNET_ASSIGN_OR_RETURN(expected, crypto::Certificate::FromPem(pem));
  } else if (!o.signer.empty()) {
    SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
    SIGNET_ASSIGN_OR_RETURN(client::SignerInfo signer,
                            api->ResolveSigner(o.signer, ctx.flags.project));
    SIGNET_ASSIGN_OR_RETURN(client::SignerCertificate cert, api->GetSignerCertificate(signer.id));
    SIGNET_ASSIGN_OR_RETURN(expected, crypto::Certificate::FromPem(cert.certificate_pem));
    if (roots.empty()) {
      SIGNET_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain,
                              crypto::ParseCertificateChainPem(cert.certificate_chain_pem));
      roots.push_back(chain.empty() ? expected->Clone() : chain.back().Clone());
      trust = "the server's chain of signer " + signer.name;
    }
  }
  if (!expected && !info.signer) {
    return InvalidArgument(o.sig +
                           " carries no signer certificate; give --signer or --certificate");
  }
  const crypto::Certificate& who = expected ? *expected : *info.signer;
  SIGNET_ASSIGN_OR_RETURN(FileDigests digests, HashFile(o.in, {info.hash}, nullptr));
  if (auto ok = crypto::VerifyCms(der, digests.digests[0], &who); !ok) {
    return InvalidArgument("signature does not verify: " + ok.error().message);
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo cert_info, who.Info());
  api::JsonObject out{{"verified", true},
                      {"file", o.in},
                      {"signature", o.sig},
                      {"format", "cms"},
                      {"certificateSubject", cert_info.subject},
                      {"certificateSerialNumber", cert_info.serial_hex}};
  std::string stamp;
  std::optional<TimePoint> signed_at;
  if (info.timestamp_token) {
    std::vector<crypto::Certificate> tsa_roots;
    if (!o.tsa_ca_file.empty()) {
      SIGNET_ASSIGN_OR_RETURN(tsa_roots, ReadRoots(o.tsa_ca_file, "--tsa-ca-file"));
    } else if (!o.ca_file.empty()) {
      for (const crypto::Certificate& r : roots) tsa_roots.push_back(r.Clone());
    }
    auto ts =
        crypto::VerifyTimestampToken(*info.timestamp_token, info.signature,
                                     tsa_roots.empty() ? nullptr : &tsa_roots, info.certificates);
    if (!ts)
      return InvalidArgument("the signature's timestamp does not verify: " + ts.error().message);
    signed_at = ts->info.gen_time;
    out["timestampGenTime"] = FormatTime(ts->info.gen_time);
    out["timestampSerialNumber"] = ts->info.serial_hex;
    out["timestampAuthority"] = ts->info.tsa_name;
    out["timestampPolicy"] = ts->info.policy_oid;
    out["timestampChainVerified"] = ts->chain_verified;
    stamp = "; timestamped " + FormatTime(ts->info.gen_time) + " by " + ts->info.tsa_name +
            (ts->chain_verified ? ", TSA trusted" : ", TSA chain not checked");
  } else if (!o.tsa_ca_file.empty()) {
    return InvalidArgument("--tsa-ca-file: " + o.sig + " carries no timestamp");
  }
  std::string chain_text = "; chain not checked (give --ca-file or --signer)";
  out["chainVerified"] = false;
  if (!roots.empty()) {
    std::vector<crypto::Certificate> intermediates;
    for (const crypto::Certificate& c : info.certificates) intermediates.push_back(c.Clone());
    if (auto ok = crypto::VerifyCertificateChain(who, intermediates, roots, "any", signed_at);
        !ok) {
      return InvalidArgument("the signer's certificate does not chain to a root of " + trust +
                             (signed_at ? " at the timestamp's time" : "") + ": " +
                             ok.error().message);
    }
    out["chainVerified"] = true;
    out["chainCheckedAt"] = signed_at ? "timestamp" : "now";
    chain_text = "; chain to " + trust + " verified" + (signed_at ? " at the timestamp" : "");
  }
  ctx.Show(out, [&](const api::JsonValue&) {
    ctx.out() << "Verified OK: " << o.in << " was signed by " << cert_info.subject << " (CMS, "
              << domain::HashName(info.hash) << stamp << chain_text << ")\n";
  });
  return Ok();
}

// On ApprovalRequired with --request: asks for access, prints the request and its console
// link, and (with --wait) waits for the decision. Ok once approved; otherwise the error
// says why, with exit code 6 (rejected, cancelled, expired) or 7 (still pending).
Status RequestAndWait(Context& ctx, const SignOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string signer_id, SignerId(ctx, o.signer));
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(
      api::JsonValue request,
      api->Call(client::HttpMethod::kPost, PathOf({"/api/v1/pki/signers", signer_id, "requests"}),
                api::JsonValue(api::JsonObject{{"justification", o.justification}})));
  const std::string id = TextAt(request, "id");
  ctx.err() << "signet: signing with " << o.signer << " needs approval; requested it: " << id
            << "\n  " << RequestLink(ctx, id) << '\n';
  if (TextAt(request, "status") == "approved") return Ok();
  if (o.wait.empty()) {
    ctx.failure_exit_code = kExitWaitTimedOut;
    return MakeError(
        ErrorCode::kApprovalRequired,
        "request " + id + " is pending; sign again once it is approved (or use --wait)");
  }
  SIGNET_ASSIGN_OR_RETURN(
      Millis wait, ParseDuration(o.wait, "--wait", Millis(1000), std::chrono::hours(24 * 30)));
  ctx.err() << "signet: waiting up to " << o.wait << " for the decision...\n";
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::string last_step = TextAt(request, "currentStep");
  SIGNET_ASSIGN_OR_RETURN(
      api::JsonValue last, WaitForDecision(ctx, id, deadline, [&](const api::JsonValue& v) {
        const std::string step = TextAt(v, "currentStep");
        if (TextAt(v, "status") == "pending" && step != last_step) {
          // currentStep counts from 0; people count from 1.
          const bool number =
              !step.empty() && step.find_first_not_of("0123456789") == std::string::npos;
          ctx.err() << "signet: request " << id << " moved on to step "
                    << (number ? std::to_string(std::stoll(step) + 1) : step) << '\n';
        }
        last_step = step;
      }));
  const std::string status = TextAt(last, "status");
  if (status == "approved") {
    ctx.err() << "signet: request " << id << " approved; signing\n";
    return Ok();
  }
  if (status == "pending") {
    ctx.failure_exit_code = kExitWaitTimedOut;
    return MakeError(ErrorCode::kApprovalRequired,
                     "request " + id + " is still pending after " + o.wait);
  }
  ctx.failure_exit_code = kExitRequestDenied;
  return MakeError(ErrorCode::kPermissionDenied,
                   "request " + id + " was " + status + "; nothing was signed");
}

Status SignWithRequest(Context& ctx, const SignOptions& o) {
  if (!o.request && (!o.justification.empty() || !o.wait.empty())) {
    return InvalidArgument("--justification and --wait go with --request");
  }
  if (o.request && o.justification.empty()) {
    return InvalidArgument("--request needs --justification TEXT (why you need to sign)");
  }
  if (!o.wait.empty()) {
    SIGNET_TRY(ParseDuration(o.wait, "--wait", Millis(1000), std::chrono::hours(24 * 30)));
  }
  Status signed_ = SignFiles(ctx, o);
  if (signed_ || !o.request || signed_.error().code != ErrorCode::kApprovalRequired) return signed_;
  SIGNET_TRY(RequestAndWait(ctx, o));
  return SignFiles(ctx, o);
}

Status VerifyFile(Context& ctx, const SignOptions& o) {
  {
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadTextFile(o.sig, 1 << 20));
    if (crypto::InspectCms(AsBytes(text))) return VerifyCmsFile(ctx, o, AsBytes(text));
  }
  if (!o.ca_file.empty() || !o.tsa_ca_file.empty()) {
    return InvalidArgument("--ca-file and --tsa-ca-file check CMS signatures; " + o.sig +
                           " is a raw signature (check its certificate with openssl verify)");
  }
  if (o.signer.empty() == o.cert_file.empty()) {
    return InvalidArgument(
        "give --signer NAME (its certificate comes from the server) or "
        "--certificate FILE");
  }
  std::string pem;
  std::string who;
  if (!o.cert_file.empty()) {
    SIGNET_ASSIGN_OR_RETURN(pem, ReadTextFile(o.cert_file));
    who = o.cert_file;
  } else {
    SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
    SIGNET_ASSIGN_OR_RETURN(client::SignerInfo signer,
                            api->ResolveSigner(o.signer, ctx.flags.project));
    SIGNET_ASSIGN_OR_RETURN(client::SignerCertificate cert, api->GetSignerCertificate(signer.id));
    pem = std::move(cert.certificate_pem);
    who = "signer " + signer.name;
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::Certificate certificate, crypto::Certificate::FromPem(pem));
  SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey key, certificate.PublicKey());
  SIGNET_ASSIGN_OR_RETURN(crypto::CertificateInfo info, certificate.Info());

  std::vector<domain::SigningAlgorithm> candidates;
  std::vector<std::string> names;
  if (!o.algorithm.empty()) {
    SIGNET_ASSIGN_OR_RETURN(domain::SigningAlgorithm a, domain::ParseSigningAlgorithm(o.algorithm));
    if (domain::RequiredKeyType(a) != key.type()) {
      return InvalidArgument(o.algorithm + " needs an " +
                             std::string(domain::KeyTypeName(domain::RequiredKeyType(a))) +
                             " key; the certificate has an " +
                             std::string(domain::KeyTypeName(key.type())) + " key");
    }
    candidates.push_back(a);
    names.push_back(o.algorithm);
  } else {
    for (const char* name : kAllAlgorithms) {
      auto a = domain::ParseSigningAlgorithm(name);
      if (a && domain::RequiredKeyType(*a) == key.type()) {
        candidates.push_back(*a);
        names.emplace_back(name);
      }
    }
  }
  std::vector<domain::HashAlgorithm> hashes;
  for (const auto& a : candidates) {
    if (std::find(hashes.begin(), hashes.end(), a.hash) == hashes.end()) hashes.push_back(a.hash);
  }

  SIGNET_ASSIGN_OR_RETURN(std::string signature_text, ReadTextFile(o.sig, 64 * 1024));
  const ByteView signature = AsBytes(signature_text);
  SIGNET_ASSIGN_OR_RETURN(std::uint64_t size, FileSize(o.in));
  Progress progress(ctx.err(),
                    ctx.terminal().stderr_is_tty && !ctx.flags.json && size >= kProgressThreshold,
                    size, "Hashing " + BaseName(o.in));
  SIGNET_ASSIGN_OR_RETURN(FileDigests digests, HashFile(o.in, hashes, &progress));
  progress.Finish();

  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::size_t h =
        std::find(hashes.begin(), hashes.end(), candidates[i].hash) - hashes.begin();
    if (!crypto::Verify(key, candidates[i], digests.digests[h], true, signature)) continue;
    const auto now = std::chrono::system_clock::now();
    const bool expired = now > info.not_after;
    api::JsonObject out{{"verified", true},
                        {"file", o.in},
                        {"signature", o.sig},
                        {"signingAlgorithm", names[i]},
                        {"certificateSubject", info.subject},
                        {"certificateSerialNumber", info.serial_hex},
                        {"certificateExpired", expired}};
    if (!o.signer.empty()) out["signer"] = o.signer;
    ctx.Show(out, [&](const api::JsonValue&) {
      ctx.out() << "Verified OK: " << o.in << " was signed by " << who << " (" << names[i]
                << "; certificate " << info.subject << ", serial " << info.serial_hex << ")\n";
      if (expired) {
        ctx.err() << "note: the certificate expired on " << FormatTime(info.not_after) << '\n';
      }
    });
    return Ok();
  }
  return InvalidArgument("signature does not verify: " + o.sig + " is not a signature of " + o.in +
                         " by " + who + (o.algorithm.empty() ? "" : " with " + o.algorithm) +
                         " (the file may have changed)");
}

}  // namespace

void AddSignCommands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SignOptions>();

  CLI::App* sign = app.add_subcommand(
      "sign",
      "Sign files: each is hashed here (streaming) and only its digest is sent.\n"
      "  signet sign --signer NAME --algorithm ALG --in FILE [--out FILE.sig]\n"
      "  signet sign --signer NAME --algorithm ALG --out-dir DIR --in A --in B ...");
  sign->add_option("--signer", o->signer, "Signer name or id")->required();
  sign->add_option("--algorithm", o->algorithm,
                   "RSASSA_PKCS1_V1_5_SHA256|384|512, RSASSA_PSS_SHA256|384|512 or "
                   "ECDSA_SHA256|384|512")
      ->required();
  sign->add_option("--in,files", o->inputs, "File(s) to sign (repeatable)");
  sign->add_option("--out", o->out, "Signature file (default: <file>.sig)");
  sign->add_option("--out-dir", o->out_dir, "Directory for <file>.sig of each input");
  sign->add_option("--concurrency", o->concurrency, "Files signed at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  sign->add_option("--batch-size", o->batch_size,
                   "Digests per sign-batch request when signing several files (at most the "
                   "server's --max-batch-items)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  sign->add_flag("--no-progress", o->no_progress, "Never show a progress bar");
  sign->add_option("--format", o->format,
                   "raw: the bare signature (<file>.sig); cms: a detached CMS/PKCS#7 signature "
                   "with signed attributes and the chain (<file>.p7s)")
      ->capture_default_str();
  sign->add_option("--timestamp", o->timestamp_url,
                   "With --format cms: add an RFC 3161 timestamp from this TSA URL");
  sign->add_flag("--timestamp-auth", o->timestamp_auth,
                 "Send the login token to the TSA (for TSAs with requireAuth)");
  sign->add_flag("--request", o->request,
                 "When the signer's policy needs approval, request access (with --justification)");
  sign->add_option("--justification", o->justification, "Why you need to sign (with --request)");
  sign->add_option("--wait", o->wait,
                   "With --request: wait this long for the decision (e.g. 30m), then sign; exit 6 "
                   "when rejected, cancelled or expired, 7 when still pending");
  OnRun(sign, ctx, [&ctx, o] { return SignWithRequest(ctx, *o); });

  CLI::App* verify = app.add_subcommand(
      "verify",
      "Check a signature locally against the signer's certificate (exit 0 when it verifies)");
  verify->add_option("--signer", o->signer, "Signer name or id");
  verify->add_option("--certificate", o->cert_file,
                     "Verify against this certificate (PEM) instead; no server needed");
  verify->add_option("--in", o->in, "The signed file")->required();
  verify->add_option("--sig", o->sig, "The signature file")->required();
  verify->add_option("--algorithm", o->algorithm,
                     "Signing algorithm (default: every algorithm for the key type)");
  verify->add_option("--ca-file", o->ca_file,
                     "CMS: trusted root certificate(s), PEM; the signer's chain must lead to one "
                     "(default with --signer: the top of its chain on the server)");
  verify->add_option("--tsa-ca-file", o->tsa_ca_file,
                     "CMS: trusted root(s) for the timestamp's TSA (default: --ca-file)");
  OnRun(verify, ctx, [&ctx, o] { return VerifyFile(ctx, *o); });
}

}  // namespace signet::cli
