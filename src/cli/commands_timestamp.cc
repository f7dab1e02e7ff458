// RFC 3161 timestamps: `signet timestamp FILE --tsa URL` (a bare .tsr), and the token fetch
// that `signet sign --format cms --timestamp URL` uses. Only a digest travels to the TSA.

#include "cli/commands.h"
#include "cli/file_hash.h"
#include "cli/output.h"
#include "common/encoding.h"
#include "crypto/timestamp.h"

namespace signet::cli {

Result<TimestampFetch> FetchTimestamp(Context& ctx, const TimestampRequest& r) {
  crypto::TimestampQuery query;
  query.hash = r.hash;
  query.imprint = r.imprint;
  query.cert_req = r.cert_req;
  if (!r.policy_oid.empty()) query.policy_oid = r.policy_oid;
  SIGNET_ASSIGN_OR_RETURN(query.nonce_der, crypto::RandomNonce());
  SIGNET_ASSIGN_OR_RETURN(Bytes der, crypto::EncodeTimestampQuery(query));

  client::ClientOptions options;
  options.server_url = r.url;
  options.timeout = std::chrono::seconds(ctx.flags.timeout_seconds);
  auto ca = ctx.CaCert();
  if (ca) options.ca_cert_path = *ca;
  if (r.auth) {
    // The token goes only where the user sends it: --auth is explicit.
    SIGNET_ASSIGN_OR_RETURN(options.token, ctx.Token());
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes reply, client::PostTimestampQuery(options, der));
  SIGNET_ASSIGN_OR_RETURN(crypto::TimestampResponse parsed, crypto::ParseTimestampResponse(reply));
  if (parsed.status != crypto::TsaStatus::kGranted &&
      parsed.status != crypto::TsaStatus::kGrantedWithMods) {
    std::string why;
    for (crypto::TsaFailure f : parsed.failures) {
      why += (why.empty() ? "" : ", ") + std::string(crypto::TsaFailureName(f));
    }
    return FailedPrecondition("the TSA refused the query" + (why.empty() ? "" : " (" + why + ")") +
                              (parsed.status_text.empty() ? "" : ": " + parsed.status_text));
  }
  if (!parsed.info || parsed.token.empty()) {
    return InvalidArgument("the TSA granted the query but sent no token");
  }
  // The token must answer this query: same imprint, our nonce.
  if (parsed.info->hash != r.hash || parsed.info->imprint != r.imprint) {
    return InvalidArgument("the TSA's token is for another message imprint");
  }
  if (parsed.info->nonce_der != query.nonce_der) {
    return InvalidArgument("the TSA's token does not carry the query's nonce");
  }
  return TimestampFetch{std::move(reply), std::move(parsed)};
}

namespace {

struct TimestampOptions {
  std::string in;
  std::string tsa;
  std::string out;
  std::string hash = "SHA256";
  std::string policy;
  bool no_cert_req = false;
  bool auth = false;
};

Result<domain::HashAlgorithm> HashNamed(std::string name) {
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name == "SHA256" || name == "SHA-256") return domain::HashAlgorithm::kSha256;
  if (name == "SHA384" || name == "SHA-384") return domain::HashAlgorithm::kSha384;
  if (name == "SHA512" || name == "SHA-512") return domain::HashAlgorithm::kSha512;
  return InvalidArgument("--hash " + name + " is not one of SHA256, SHA384, SHA512");
}

Status TimestampFile(Context& ctx, const TimestampOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(domain::HashAlgorithm hash, HashNamed(o.hash));
  SIGNET_ASSIGN_OR_RETURN(FileDigests digests, HashFile(o.in, {hash}, nullptr));
  TimestampRequest request{o.tsa, hash, digests.digests[0], o.policy, !o.no_cert_req, o.auth};
  SIGNET_ASSIGN_OR_RETURN(TimestampFetch fetched, FetchTimestamp(ctx, request));
  const std::string out = o.out.empty() ? o.in + ".tsr" : o.out;
  SIGNET_TRY(WriteFile(out, AsString(fetched.reply)));
  const crypto::TstInfo& info = *fetched.response.info;
  api::JsonObject json{{"file", o.in},
                       {"out", out},
                       {"hashAlgorithm", std::string(domain::HashName(hash))},
                       {"messageImprint", HexEncode(info.imprint)},
                       {"serialNumber", info.serial_hex},
                       {"genTime", FormatTime(info.gen_time)},
                       {"policyOid", info.policy_oid},
                       {"tsa", info.tsa_name}};
  ctx.Show(json, [&](const api::JsonValue&) {
    ctx.out() << "Timestamped " << o.in << " -> " << out << " (" << FormatTime(info.gen_time)
              << ", serial " << info.serial_hex
              << (info.tsa_name.empty() ? "" : ", " + info.tsa_name) << ")\n";
  });
  return Ok();
}

}  // namespace

void AddTimestampCommands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<TimestampOptions>();
  CLI::App* ts = app.add_subcommand(
      "timestamp",
      "Get an RFC 3161 timestamp of a file (hashed here; only the digest is sent).\n"
      "  signet timestamp FILE --tsa https://signet.example.com/tsa [--out FILE.tsr]\n"
      "Check it with: openssl ts -verify -data FILE -in FILE.tsr -CAfile ROOT.pem");
  ts->add_option("file", o->in, "The file to timestamp")->required();
  ts->add_option("--tsa", o->tsa, "The TSA's URL (e.g. https://HOST/tsa)")->required();
  ts->add_option("--out", o->out, "The reply (DER TimeStampResp; default FILE.tsr)");
  ts->add_option("--hash", o->hash, "SHA256, SHA384 or SHA512")->capture_default_str();
  ts->add_option("--policy", o->policy, "Ask for this TSA policy (dotted OID)");
  ts->add_flag("--no-cert-req", o->no_cert_req,
               "Do not ask for the TSA's certificates in the token");
  ts->add_flag("--auth", o->auth, "Send the signet login token (for TSAs with requireAuth)");
  OnRun(ts, ctx, [&ctx, o] { return TimestampFile(ctx, *o); });
}

}  // namespace signet::cli
