// Unit tests of the CLI's pieces: config file, output, redaction, hashing, exit codes and the
// command line without a server.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <sys/stat.h>

#include "cli/app.h"
#include "cli/config.h"
#include "cli/exit_codes.h"
#include "cli/file_hash.h"
#include "cli/metadata.h"
#include "cli/output.h"
#include "crypto/digest.h"
#include "support/temp_dir.h"

namespace signet::cli {
namespace {

// A temporary directory whose path() is a string, as the CLI's functions take.
class TempDir {
 public:
  std::string path() const { return dir_.path().string(); }

 private:
  testutil::TempDir dir_;
};

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

int FileMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return st.st_mode & 0777;
}

// ---- config ----

TEST(ConfigTest, PathFollowsXdgThenHome) {
  EXPECT_EQ(*ConfigPath(FakeEnv({{"HOME", "/home/a"}})), "/home/a/.config/signet/config.json");
  EXPECT_EQ(*ConfigPath(FakeEnv({{"HOME", "/home/a"}, {"XDG_CONFIG_HOME", "/x"}})),
            "/x/signet/config.json");
  // A relative XDG_CONFIG_HOME is ignored, as the XDG spec requires.
  EXPECT_EQ(*ConfigPath(FakeEnv({{"HOME", "/home/a"}, {"XDG_CONFIG_HOME", "rel"}})),
            "/home/a/.config/signet/config.json");
  EXPECT_FALSE(ConfigPath(FakeEnv({})));
}

TEST(ConfigTest, SavesWithMode0600AndLoadsBack) {
  TempDir dir;
  const std::string path = dir.path() + "/a/b/signet/config.json";
  auto missing = LoadConfig(path);
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->server_url.empty());

  Config c;
  c.server_url = "https://signet.example.com";
  c.token = SecretBytes::FromString("tok");
  c.ca_cert_path = "/etc/ca.pem";
  c.principal_type = "user";
  c.principal_name = "a@example.com";
  ASSERT_TRUE(SaveConfig(path, c));
  EXPECT_EQ(FileMode(path), 0600);
  EXPECT_EQ(FileMode(dir.path() + "/a/b/signet"), 0700);

  auto loaded = LoadConfig(path);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->server_url, c.server_url);
  EXPECT_EQ(loaded->token.string_view(), "tok");
  EXPECT_EQ(loaded->ca_cert_path, "/etc/ca.pem");
  EXPECT_EQ(loaded->principal_type, "user");
  EXPECT_EQ(loaded->principal_name, "a@example.com");

  // A file someone widened is narrowed again on the next save.
  ::chmod(path.c_str(), 0644);
  ASSERT_TRUE(SaveConfig(path, c));
  EXPECT_EQ(FileMode(path), 0600);
}

TEST(ConfigTest, RejectsAFileThatIsNotJson) {
  TempDir dir;
  const std::string path = dir.path() + "/config.json";
  std::ofstream(path) << "not json";
  auto r = LoadConfig(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path), std::string::npos);
}

// ---- output ----

TEST(OutputTest, TextAtFollowsPathsAndFormatsValues) {
  auto v = api::ParseJson(
      R"({"a":{"b":"x\ny"},"n":3,"t":true,"z":null,"l":["p","q"],"e":"","o":{"k":1}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(TextAt(*v, "a.b"), "x y");
  EXPECT_EQ(TextAt(*v, "n"), "3");
  EXPECT_EQ(TextAt(*v, "t"), "true");
  EXPECT_EQ(TextAt(*v, "z"), "-");
  EXPECT_EQ(TextAt(*v, "missing.path"), "-");
  EXPECT_EQ(TextAt(*v, "l"), "p, q");
  EXPECT_EQ(TextAt(*v, "e"), "-");
  EXPECT_EQ(TextAt(*v, "o"), R"({"k":1})");
}

TEST(OutputTest, TablesAlignColumnsByCharacters) {
  Table t({"NAME", "ID"});
  t.AddRow({"release", "1"});
  t.AddRow({"ü-nicode", "22"});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(),
            "NAME      ID\n"
            "release   1\n"
            "ü-nicode  22\n");
  std::ostringstream fields;
  PrintFields(fields, {{"Name", "a"}, {"Signing policy", "-"}});
  EXPECT_EQ(fields.str(), "Name:            a\nSigning policy:  -\n");
}

// ---- metadata ----

TEST(MetadataTest, RedactsSecretsInTheCommand) {
  EXPECT_EQ(RedactedCommand({"signet", "sign", "--token", "abc", "--in", "a b.bin"}),
            "signet sign --token '***' --in 'a b.bin'");
  EXPECT_EQ(
      RedactedCommand({"signet", "--token=abc", "--client-secret=x", "--password=y", "--in=f"}),
      "signet '--token=***' '--client-secret=***' '--password=***' --in=f");
  EXPECT_EQ(RedactedCommand({"signet", std::string(2000, 'a')}, 100).size(), 100u);
  auto m = SigningMetadata({"signet", "sign"});
  EXPECT_EQ(m.tool, "signet");
  EXPECT_EQ(m.command, "signet sign");
  EXPECT_TRUE(m.hostname.has_value());
}

// ---- hashing ----

TEST(FileHashTest, MatchesOneShotDigestsAcrossBufferBoundaries) {
  TempDir dir;
  const std::string path = dir.path() + "/data";
  std::string data;
  for (std::size_t i = 0; i < kHashBufferBytes * 2 + 12345; ++i) {
    data.push_back(static_cast<char>(i * 31 + 7));
  }
  std::ofstream(path, std::ios::binary) << data;
  std::ostringstream sink;
  Progress progress(sink, false, data.size(), "x");
  auto r = HashFile(path,
                    {domain::HashAlgorithm::kSha256, domain::HashAlgorithm::kSha384,
                     domain::HashAlgorithm::kSha512},
                    &progress);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size, data.size());
  EXPECT_EQ(r->digests[0], crypto::Digest(domain::HashAlgorithm::kSha256, AsBytes(data)));
  EXPECT_EQ(r->digests[1], crypto::Digest(domain::HashAlgorithm::kSha384, AsBytes(data)));
  EXPECT_EQ(r->digests[2], crypto::Digest(domain::HashAlgorithm::kSha512, AsBytes(data)));
  EXPECT_TRUE(sink.str().empty());  // disabled progress draws nothing

  const std::string empty = dir.path() + "/empty";
  std::ofstream(empty).close();
  auto e = HashFile(empty, {domain::HashAlgorithm::kSha256}, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->digests[0], crypto::Sha256({}));

  auto missing = HashFile(dir.path() + "/nope", {domain::HashAlgorithm::kSha256}, nullptr);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nope"), std::string::npos);
  EXPECT_FALSE(HashFile(dir.path(), {domain::HashAlgorithm::kSha256}, nullptr));
}

TEST(FileHashTest, ProgressDrawsOnATerminal) {
  std::ostringstream sink;
  {
    Progress progress(sink, true, 100, "Hashing f");
    progress.Add(60);
    progress.Add(40);  // within 100 ms of the first draw: counted, not drawn
    progress.Finish();
  }
  EXPECT_NE(sink.str().find("Hashing f ["), std::string::npos);
  EXPECT_NE(sink.str().find("100%"), std::string::npos);
  EXPECT_EQ(sink.str().back(), '\n');
}

// ---- exit codes ----

TEST(ExitCodeTest, MapsEveryErrorCode) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInvalidArgument), 1);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kAlreadyExists), 1);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUnauthenticated), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kPermissionDenied), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kApprovalRequired), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kNotFound), 4);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUnavailable), 5);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInternal), 5);
}

// ---- the command line without a server ----

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun RunCli(std::vector<std::string> args, std::map<std::string, std::string> env,
              std::string stdin_text = {}) {
  args.insert(args.begin(), "signet");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out;
  std::ostringstream err;
  std::istringstream in(stdin_text);
  int code = Main(static_cast<int>(argv.size()), argv.data(), FakeEnv(std::move(env)), out, err, in,
                  Terminal{});
  return CliRun{code, out.str(), err.str()};
}

TEST(CommandLineTest, HelpAndUsageErrors) {
  TempDir home;
  const std::map<std::string, std::string> env{{"HOME", home.path()}};
  CliRun help = RunCli({"--help"}, env);
  EXPECT_EQ(help.code, 0);
  for (const char* cmd :
       {"login", "logout", "whoami", "signers", "certificates", "ca", "policies", "request",
        "requests", "grants", "sign", "verify", "operations", "audit", "users", "identities"}) {
    EXPECT_NE(help.out.find(cmd), std::string::npos) << cmd;
  }
  CliRun sign_help = RunCli({"sign", "--help"}, env);
  EXPECT_EQ(sign_help.code, 0);
  EXPECT_NE(sign_help.out.find("--out-dir"), std::string::npos);

  CliRun none = RunCli({}, env);
  EXPECT_EQ(none.code, 1);
  EXPECT_EQ(none.err.rfind("signet: ", 0), 0u) << none.err;
  EXPECT_EQ(std::count(none.err.begin(), none.err.end(), '\n'), 1) << none.err;

  CliRun missing = RunCli({"signers", "create", "--name", "x"}, env);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("--certificate"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("signet signers create --help"), std::string::npos) << missing.err;

  CliRun unknown = RunCli({"frobnicate"}, env);
  EXPECT_EQ(unknown.code, 1);
}

TEST(CommandLineTest, NeedsAServerAndAToken) {
  TempDir home;
  CliRun no_server = RunCli({"signers", "list"}, {{"HOME", home.path()}});
  EXPECT_EQ(no_server.code, 1);
  EXPECT_NE(no_server.err.find("no server"), std::string::npos) << no_server.err;

  CliRun no_token =
      RunCli({"signers", "list", "--server", "http://127.0.0.1:1"}, {{"HOME", home.path()}});
  EXPECT_EQ(no_token.code, 2);
  EXPECT_NE(no_token.err.find("not logged in"), std::string::npos) << no_token.err;

  CliRun down = RunCli(
      {"signers", "list", "--json"},
      {{"HOME", home.path()}, {"SIGNET_SERVER_URL", "http://127.0.0.1:1"}, {"SIGNET_TOKEN", "t"}});
  EXPECT_EQ(down.code, 5);
  EXPECT_TRUE(down.out.empty());

  CliRun password_flag = RunCli({"login", "--server", "http://127.0.0.1:1", "--email", "a@b.c"},
                                {{"HOME", home.path()}});
  EXPECT_EQ(password_flag.code, 1);
  EXPECT_NE(password_flag.err.find("--password-stdin"), std::string::npos);
}

TEST(CommandLineTest, ConfigTokenNeverGoesToAnotherServer) {
  TempDir home;
  Config c;
  c.server_url = "http://127.0.0.1:1";
  c.token = SecretBytes::FromString("tok");
  ASSERT_TRUE(SaveConfig(home.path() + "/.config/signet/config.json", c));
  CliRun other = RunCli({"whoami", "--server", "http://127.0.0.1:2"}, {{"HOME", home.path()}});
  EXPECT_EQ(other.code, 2) << other.err;
  CliRun same = RunCli({"whoami"}, {{"HOME", home.path()}});
  EXPECT_EQ(same.code, 5) << same.err;  // the token is used; the server is down
}

TEST(CommandLineTest, SignChecksItsArgumentsBeforeTheNetwork) {
  TempDir home;
  const std::map<std::string, std::string> env{
      {"HOME", home.path()}, {"SIGNET_SERVER_URL", "http://127.0.0.1:1"}, {"SIGNET_TOKEN", "t"}};
  CliRun bad_alg =
      RunCli({"sign", "--signer", "s", "--algorithm", "MD5", "--in", "/etc/hostname"}, env);
  EXPECT_EQ(bad_alg.code, 1);
  CliRun two = RunCli({"sign", "--signer", "s", "--algorithm", "ECDSA_SHA256", "--in",
                       "/etc/hostname", "--in", "/etc/passwd"},
                      env);
  EXPECT_EQ(two.code, 1);
  EXPECT_NE(two.err.find("--out-dir"), std::string::npos);
  CliRun missing = RunCli(
      {"sign", "--signer", "s", "--algorithm", "ECDSA_SHA256", "--in", home.path() + "/nope"}, env);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("nope"), std::string::npos);
}

}  // namespace
}  // namespace signet::cli
