// ca create|list|show, certificates issue|import|csr|list|show|revoke.

#include "cli/commands.h"
#include "cli/output.h"
#include "common/encoding.h"

namespace signet::cli {
namespace {

constexpr char kCas[] = "/api/v1/pki/ca";
constexpr char kCertificates[] = "/api/v1/pki/certificates";

std::vector<std::string> KeyAlgorithms() {
  return {"RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"};
}

Columns CaFields() {
  return {{"Common name", "commonName"},
          {"ID", "id"},
          {"Type", "type"},
          {"Parent CA", "parentCaId"},
          {"Key algorithm", "keyAlgorithm"},
          {"Serial number", "serialNumber"},
          {"Not before", "notBefore"},
          {"Not after", "notAfter"},
          {"Status", "status"},
          {"Project", "projectId"}};
}
Columns CertificateFields() {
  return {{"Common name", "commonName"},
          {"ID", "id"},
          {"Status", "status"},
          {"Key algorithm", "keyAlgorithm"},
          {"Serial number", "serialNumber"},
          {"Not before", "notBefore"},
          {"Not after", "notAfter"},
          {"Key usages", "keyUsages"},
          {"Extended key usages", "extendedKeyUsages"},
          {"Issuing CA", "caId"},
          {"Revoked at", "revokedAt"},
          {"Project", "projectId"}};
}

struct PkiOptions {
  std::string id;
  std::string common_name;
  std::string key_algorithm = "EC_prime256v1";
  int ttl_days = 0;
  std::string parent;
  std::string ca;
  std::vector<std::string> ekus;
  std::vector<std::string> key_usages;
  std::string out;
  bool pem = false;
  bool code_signing = false;
  Paging paging;
  // import
  std::string cert_file;
  std::string key_file;
  std::string chain_file;
  std::string pkcs12_file;
  bool password_stdin = false;
  std::string pending_id;
  // csr subject
  std::string organization;
  std::string organizational_unit;
  std::string country;
  std::string state;
  std::string locality;
};

void PrintPem(Context& ctx, const std::string& pem) {
  if (pem.empty()) return;
  ctx.out() << pem;
  if (pem.back() != '\n') ctx.out() << '\n';
}

Status ShowPem(Context& ctx, const std::string& path, const std::string& cert_key,
               const std::string& chain_key) {
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply, api->Call(client::HttpMethod::kGet, path));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    PrintPem(ctx, RawStringAt(v, cert_key));
    PrintPem(ctx, RawStringAt(v, chain_key));
  });
  return Ok();
}

Status CreateCa(Context& ctx, const PkiOptions& o) {
  api::JsonObject body{{"commonName", o.common_name},
                       {"keyAlgorithm", o.key_algorithm},
                       {"ttlDays", o.ttl_days > 0 ? o.ttl_days : 3650}};
  if (!ctx.flags.project.empty()) body["projectId"] = ctx.flags.project;
  if (!o.parent.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string parent, CaId(ctx, o.parent));
    body["parentCaId"] = parent;
  }
  return ObjectCommand(ctx, client::HttpMethod::kPost, kCas, api::JsonValue(body), CaFields(),
                       "Created CA:");
}

Status Issue(Context& ctx, const PkiOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string ca_id, CaId(ctx, o.ca));
  api::JsonArray ekus;
  for (const auto& e : o.ekus.empty() ? std::vector<std::string>{"codeSigning"} : o.ekus) {
    ekus.emplace_back(e);
  }
  api::JsonArray kus;
  for (const auto& k :
       o.key_usages.empty() ? std::vector<std::string>{"digitalSignature"} : o.key_usages) {
    kus.emplace_back(k);
  }
  api::JsonObject body{{"caId", ca_id},
                       {"commonName", o.common_name},
                       {"keyAlgorithm", o.key_algorithm},
                       {"ttlDays", o.ttl_days > 0 ? o.ttl_days : 365},
                       {"keyUsages", kus},
                       {"extendedKeyUsages", ekus}};
  if (!ctx.flags.project.empty()) body["projectId"] = ctx.flags.project;
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          api->Call(client::HttpMethod::kPost,
                                    std::string(kCertificates) + "/issue", api::JsonValue(body)));
  if (!o.out.empty()) {
    std::string pem = RawStringAt(reply, "certificate");
    std::string chain = RawStringAt(reply, "certificateChain");
    if (!chain.empty()) pem += (pem.empty() || pem.back() == '\n' ? "" : "\n") + chain;
    SIGNET_TRY(WriteFile(o.out, pem));
  }
  ctx.Show(reply, [&](const api::JsonValue& v) {
    ctx.out() << "Issued certificate:\n";
    std::vector<std::pair<std::string, std::string>> lines{
        {"Certificate ID", TextAt(v, "certificateId")},
        {"Serial number", TextAt(v, "serialNumber")}};
    if (!o.out.empty()) lines.emplace_back("Written to", o.out);
    PrintFields(ctx.out(), lines);
  });
  return Ok();
}

Status Import(Context& ctx, const PkiOptions& o) {
  api::JsonObject body;
  if (!ctx.flags.project.empty()) body["projectId"] = ctx.flags.project;
  std::string path = std::string(kCertificates) + "/import";
  if (!o.pending_id.empty()) {
    // Completes a certificate created with `certificates csr`.
    if (o.cert_file.empty()) return InvalidArgument("--certificate-id needs --cert FILE");
    if (!o.key_file.empty() || !o.pkcs12_file.empty()) {
      return InvalidArgument(
          "--certificate-id takes --cert (and --chain) only: the key is "
          "already on the server");
    }
    body.erase("projectId");
    SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(o.cert_file));
    body["certificatePem"] = pem;
    if (!o.chain_file.empty()) {
      SIGNET_ASSIGN_OR_RETURN(std::string chain, ReadTextFile(o.chain_file));
      body["certificateChainPem"] = chain;
    }
    path = PathOf({kCertificates, o.pending_id, "import-certificate"});
  } else if (!o.pkcs12_file.empty()) {
    if (!o.cert_file.empty() || !o.key_file.empty()) {
      return InvalidArgument("give either --pkcs12 or --cert with --key, not both");
    }
    SIGNET_ASSIGN_OR_RETURN(std::string der, ReadTextFile(o.pkcs12_file));
    body["pkcs12"] = Base64Encode(AsBytes(der));
    SecureWipe(der.data(), der.size());
    if (o.password_stdin) {
      SIGNET_ASSIGN_OR_RETURN(SecretBytes password, ReadSecret(ctx, "PKCS#12 password"));
      body["password"] = password.string_view();
    }
  } else {
    if (o.cert_file.empty() || o.key_file.empty()) {
      return InvalidArgument(
          "give --cert FILE and --key FILE, or --pkcs12 FILE, or "
          "--certificate-id ID with --cert FILE");
    }
    SIGNET_ASSIGN_OR_RETURN(std::string cert, ReadTextFile(o.cert_file));
    SIGNET_ASSIGN_OR_RETURN(std::string key, ReadTextFile(o.key_file));
    body["certificatePem"] = cert;
    body["privateKeyPem"] = key;
    SecureWipe(key.data(), key.size());
    if (!o.chain_file.empty()) {
      SIGNET_ASSIGN_OR_RETURN(std::string chain, ReadTextFile(o.chain_file));
      body["certificateChainPem"] = chain;
    }
  }
  api::JsonValue value(std::move(body));
  Status s = ObjectCommand(ctx, client::HttpMethod::kPost, path, value, CertificateFields(),
                           "Imported certificate:");
  for (const char* secret : {"privateKeyPem", "password", "pkcs12"}) {
    if (api::JsonValue* v = value.as_object().if_contains(secret); v && v->is_string()) {
      SecureWipe(v->as_string().data(), v->as_string().size());
    }
  }
  return s;
}

Status Csr(Context& ctx, const PkiOptions& o) {
  api::JsonObject body{{"commonName", o.common_name}, {"keyAlgorithm", o.key_algorithm}};
  if (!ctx.flags.project.empty()) body["projectId"] = ctx.flags.project;
  api::JsonObject subject;
  if (!o.organization.empty()) subject["organization"] = o.organization;
  if (!o.organizational_unit.empty()) subject["organizationalUnit"] = o.organizational_unit;
  if (!o.country.empty()) subject["country"] = o.country;
  if (!o.state.empty()) subject["state"] = o.state;
  if (!o.locality.empty()) subject["locality"] = o.locality;
  if (!subject.empty()) body["subject"] = subject;
  SIGNET_ASSIGN_OR_RETURN(client::Client * api, ctx.Api());
  SIGNET_ASSIGN_OR_RETURN(api::JsonValue reply,
                          api->Call(client::HttpMethod::kPost, std::string(kCertificates) + "/csr",
                                    api::JsonValue(body)));
  if (!o.out.empty()) SIGNET_TRY(WriteFile(o.out, RawStringAt(reply, "csr")));
  ctx.Show(reply, [&](const api::JsonValue& v) {
    PrintFields(ctx.out(),
                {{"Certificate ID", TextAt(v, "certificateId")}, {"Status", TextAt(v, "status")}});
    if (o.out.empty()) {
      PrintPem(ctx, RawStringAt(v, "csr"));
    } else {
      ctx.out() << "CSR written to " << o.out << "; once signed, run\n  signet certificates "
                << "import --certificate-id " << TextAt(v, "certificateId")
                << " --cert signed.pem\n";
    }
  });
  return Ok();
}

}  // namespace

void AddPkiCommands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<PkiOptions>();

  // ---- ca ----
  CLI::App* ca = app.add_subcommand("ca", "Manage internal certificate authorities");
  ca->require_subcommand(1);
  CLI::App* ca_create = ca->add_subcommand("create", "Create a root or intermediate CA");
  ca_create->add_option("--common-name", o->common_name, "Subject common name")->required();
  ca_create->add_option("--key-algorithm", o->key_algorithm, "Key algorithm")
      ->capture_default_str()
      ->check(CLI::IsMember(KeyAlgorithms()));
  ca_create->add_option("--ttl-days", o->ttl_days, "Validity in days (default 3650)")
      ->check(CLI::Range(1, 36500));
  ca_create->add_option("--parent", o->parent, "Parent CA (common name or id): an intermediate");
  OnRun(ca_create, ctx, [&ctx, o] { return CreateCa(ctx, *o); });

  CLI::App* ca_list = ca->add_subcommand("list", "List CAs");
  AddPagingOptions(ca_list, o->paging);
  OnRun(ca_list, ctx, [&ctx, o] {
    return ListCommand(ctx, kCas, {{"projectId", ctx.flags.project}}, o->paging, "cas",
                       {{"COMMON NAME", "commonName"},
                        {"ID", "id"},
                        {"TYPE", "type"},
                        {"KEY", "keyAlgorithm"},
                        {"NOT AFTER", "notAfter"},
                        {"STATUS", "status"}});
  });

  CLI::App* ca_show = ca->add_subcommand("show", "Show a CA");
  ca_show->add_option("ca", o->id, "CA common name or id")->required();
  ca_show->add_flag("--pem", o->pem, "Print the CA certificate and its chain (PEM)");
  OnRun(ca_show, ctx, [&ctx, o]() -> Status {
    SIGNET_ASSIGN_OR_RETURN(std::string id, CaId(ctx, o->id));
    if (o->pem)
      return ShowPem(ctx, PathOf({kCas, id, "certificate"}), "certificate", "certificateChain");
    return ObjectCommand(ctx, client::HttpMethod::kGet, PathOf({kCas, id}), std::nullopt,
                         CaFields());
  });

  // ---- certificates ----
  CLI::App* certs = app.add_subcommand("certificates", "Manage certificates and their keys");
  certs->require_subcommand(1);

  CLI::App* issue = certs->add_subcommand(
      "issue", "Issue a certificate from an internal CA (the key is generated and kept here)");
  issue->add_option("--ca", o->ca, "Issuing CA (common name or id)")->required();
  issue->add_option("--common-name", o->common_name, "Subject common name")->required();
  issue->add_option("--key-algorithm", o->key_algorithm, "Key algorithm")
      ->capture_default_str()
      ->check(CLI::IsMember(KeyAlgorithms()));
  issue->add_option("--ttl-days", o->ttl_days, "Validity in days (default 365)")
      ->check(CLI::Range(1, 3650));
  issue->add_option("--eku", o->ekus, "Extended key usage (repeatable; default codeSigning)");
  issue->add_option("--key-usage", o->key_usages,
                    "Key usage (repeatable; default digitalSignature)");
  issue->add_option("--out", o->out, "Also write the certificate and chain (PEM) to this file");
  OnRun(issue, ctx, [&ctx, o] { return Issue(ctx, *o); });

  CLI::App* import = certs->add_subcommand(
      "import",
      "Import a certificate with its private key (PEM or PKCS#12), or the signed certificate "
      "for a CSR");
  import->add_option("--cert", o->cert_file, "Certificate PEM file");
  import->add_option("--key", o->key_file, "Private key PEM file");
  import->add_option("--chain", o->chain_file, "Issuer certificates PEM file");
  import->add_option("--pkcs12", o->pkcs12_file, "PKCS#12 (.p12/.pfx) file");
  import->add_flag("--password-stdin", o->password_stdin,
                   "Read the PKCS#12 password from standard input");
  import->add_option("--certificate-id", o->pending_id,
                     "Complete this pending certificate (from `certificates csr`) with --cert");
  OnRun(import, ctx, [&ctx, o] { return Import(ctx, *o); });

  CLI::App* csr = certs->add_subcommand(
      "csr", "Generate a key here and print a CSR for an external CA to sign");
  csr->add_option("--common-name", o->common_name, "Subject common name")->required();
  csr->add_option("--key-algorithm", o->key_algorithm, "Key algorithm")
      ->capture_default_str()
      ->check(CLI::IsMember(KeyAlgorithms()));
  csr->add_option("--organization", o->organization, "Subject O");
  csr->add_option("--organizational-unit", o->organizational_unit, "Subject OU");
  csr->add_option("--country", o->country, "Subject C (two letters)");
  csr->add_option("--state", o->state, "Subject ST");
  csr->add_option("--locality", o->locality, "Subject L");
  csr->add_option("--out", o->out, "Write the CSR (PEM) to this file instead of stdout");
  OnRun(csr, ctx, [&ctx, o] { return Csr(ctx, *o); });

  CLI::App* list = certs->add_subcommand("list", "List certificates");
  list->add_flag("--code-signing", o->code_signing, "Only certificates with EKU codeSigning");
  AddPagingOptions(list, o->paging);
  OnRun(list, ctx, [&ctx, o] {
    return ListCommand(ctx, kCertificates,
                       {{"projectId", ctx.flags.project},
                        {"extendedKeyUsage", o->code_signing ? "codeSigning" : ""}},
                       o->paging, "certificates",
                       {{"COMMON NAME", "commonName"},
                        {"ID", "id"},
                        {"STATUS", "status"},
                        {"KEY", "keyAlgorithm"},
                        {"NOT AFTER", "notAfter"},
                        {"EKU", "extendedKeyUsages"}});
  });

  CLI::App* show = certs->add_subcommand("show", "Show a certificate");
  show->add_option("certificate", o->id, "Certificate id")->required();
  show->add_flag("--pem", o->pem, "Print the certificate and its chain (PEM)");
  OnRun(show, ctx, [&ctx, o]() -> Status {
    if (o->pem) {
      return ShowPem(ctx, PathOf({kCertificates, o->id, "certificate"}), "certificate",
                     "certificateChain");
    }
    return ObjectCommand(ctx, client::HttpMethod::kGet, PathOf({kCertificates, o->id}),
                         std::nullopt, CertificateFields());
  });

  CLI::App* revoke = certs->add_subcommand("revoke", "Revoke a certificate");
  revoke->add_option("certificate", o->id, "Certificate id")->required();
  OnRun(revoke, ctx, [&ctx, o] {
    return ObjectCommand(ctx, client::HttpMethod::kPost, PathOf({kCertificates, o->id, "revoke"}),
                         api::JsonValue(api::JsonObject{}), CertificateFields(),
                         "Revoked certificate:");
  });
}

}  // namespace signet::cli
