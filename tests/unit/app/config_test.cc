// signetd --config: every flag has a key, flags win over the file, unknown keys and wrong
// types are startup errors naming the file, line and key.
#include "app/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

namespace signet::app {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("signet-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    AddFlags(cli_, flags_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& text) {
    const auto path = (dir_ / "signetd.conf").string();
    std::ofstream(path) << text;
    return path;
  }

  // Parses `args` as the command line, then applies the file.
  Status Load(const std::string& path, std::vector<std::string> args = {}) {
    std::vector<const char*> argv = {"signetd"};
    for (const auto& a : args) argv.push_back(a.c_str());
    cli_.parse(static_cast<int>(argv.size()), argv.data());
    SIGNET_ASSIGN_OR_RETURN(auto values, ReadConfigFile(path, cli_));
    return ApplyConfigValues(cli_, path, values);
  }

  std::filesystem::path dir_;
  CLI::App cli_{"signetd"};
  Flags flags_;
};

// A valid value for every long flag of signetd. A flag added without an entry here fails
// EveryFlagHasAKey, so every flag keeps a key in the file.
const std::map<std::string, std::string>& SampleValues() {
  static const std::map<std::string, std::string> values = {
      {"listen", "\"0.0.0.0:8443\""},
      {"data-dir", "\"/srv/signet\""},
      {"database", "\"sqlite:///srv/signet/s.db\""},
      {"node-id", "\"node-a\""},
      {"root-key-file", "\"/etc/signet/root.key\""},
      {"dev", "true"},
      {"tls-cert", "\"/etc/signet/tls.crt\""},
      {"tls-key", "\"/etc/signet/tls.key\""},
      {"insecure-http", "true"},
      {"port-file", "\"/run/signet/port\""},
      {"io-threads", "3"},
      {"workers", "7"},
      {"sign-threads", "5"},
      {"log-level", "\"debug\""},
      {"log-format", "\"json\""},
      {"sqlite-sync", "\"normal\""},
      {"db-pool", "9"},
      {"rate-limit", "12.5"},
      {"rate-limit-burst", "30"},
      {"login-free-failures", "4"},
      {"login-lockout-failures", "8"},
      {"login-lockout", "\"30m\""},
      {"login-ip-failures", "40"},
      {"max-connections", "300"},
      {"metrics-token-file", "\"/etc/signet/metrics.token\""},
      {"tsa-require-synced-clock", "true"},
      {"clock-sync-file", "\"/run/signet/clock\""},
      {"oidc-leeway", "\"30s\""},
      {"oidc-jwks-refresh", "\"1m\""},
      {"max-batch-items", "500"},
      {"hsm-module", "\"/usr/lib/softhsm/libsofthsm2.so\""},
      {"hsm-token-label", "\"signet\""},
      {"hsm-slot", "2"},
      {"hsm-pin-file", "\"/etc/signet/hsm.pin\""},
      {"hsm-max-sessions", "6"},
      {"default-key-source", "\"software\""},
      {"hsm-root-key", "true"},
      {"hsm-root-key-label", "\"signet-root\""},
      {"public-url", "\"https://signet.example.com\""},
      {"notify-allow-http", "true"},
      {"notify-retry", "\"1m\""},
      {"notify-retry-max", "\"2h\""},
      {"notify-attempts", "5"},
      {"notify-timeout", "\"20s\""},
      {"notify-scan", "\"5m\""},
      {"grant-expiry-notice", "\"2h\""},
      {"certificate-expiry-notice-days", "\"14,3\""},
  };
  return values;
}

TEST_F(ConfigFileTest, EveryFlagHasAKey) {
  std::set<std::string> flag_keys;
  for (const CLI::Option* opt : cli_.get_options()) {
    const std::string name = opt->get_single_name();
    if (name == "help" || name == "version" || name == "config") continue;
    flag_keys.insert(name);
  }
  std::set<std::string> sample_keys;
  std::string text;
  for (const auto& [key, value] : SampleValues()) {
    sample_keys.insert(key);
    if (flag_keys.count(key) != 0) text += key + " = " + value + "\n";
  }
  EXPECT_EQ(flag_keys, sample_keys) << "each flag needs a sample value in this test";
  ASSERT_TRUE(Load(Write(text))) << text;
  EXPECT_EQ(flags_.listen, "0.0.0.0:8443");
  EXPECT_EQ(flags_.data_dir, "/srv/signet");
  EXPECT_EQ(flags_.database, "sqlite:///srv/signet/s.db");
  EXPECT_EQ(flags_.node_id, "node-a");
  EXPECT_EQ(flags_.root_key_file, "/etc/signet/root.key");
  EXPECT_TRUE(flags_.dev);
  EXPECT_EQ(flags_.tls_cert, "/etc/signet/tls.crt");
  EXPECT_EQ(flags_.tls_key, "/etc/signet/tls.key");
  EXPECT_TRUE(flags_.insecure_http);
  EXPECT_EQ(flags_.port_file, "/run/signet/port");
  EXPECT_EQ(flags_.io_threads, 3);
  EXPECT_EQ(flags_.worker_threads, 7);
  EXPECT_EQ(flags_.sign_threads, 5);
  EXPECT_EQ(flags_.log_level, "debug");
  EXPECT_EQ(flags_.log_format, "json");
  EXPECT_EQ(flags_.sqlite_sync, "normal");
  EXPECT_EQ(flags_.db_pool, 9);
  EXPECT_DOUBLE_EQ(flags_.rate_limit, 12.5);
  EXPECT_DOUBLE_EQ(flags_.rate_limit_burst, 30);
  EXPECT_EQ(flags_.login_free_failures, 4);
  EXPECT_EQ(flags_.login_lockout_failures, 8);
  EXPECT_EQ(flags_.login_lockout, "30m");
  EXPECT_EQ(flags_.login_ip_failures, 40);
  EXPECT_EQ(flags_.max_connections, 300);
  EXPECT_EQ(flags_.metrics_token_file, "/etc/signet/metrics.token");
}

TEST_F(ConfigFileTest, FlagsOnTheCommandLineWinOverTheFile) {
  const auto path =
      Write("listen = \"127.0.0.1:9000\"\nworkers = 6\ndev = true\nlog-level = \"warn\"\n");
  ASSERT_TRUE(Load(path, {"--listen", "127.0.0.1:9100", "--log-level", "error"}));
  EXPECT_EQ(flags_.listen, "127.0.0.1:9100");  // the flag
  EXPECT_EQ(flags_.log_level, "error");        // the flag
  EXPECT_EQ(flags_.worker_threads, 6);         // the file
  EXPECT_TRUE(flags_.dev);                     // the file
}

TEST_F(ConfigFileTest, AFalseSwitchInTheFileStaysOff) {
  ASSERT_TRUE(Load(Write("dev = false\ninsecure-http = false\n")));
  EXPECT_FALSE(flags_.dev);
  EXPECT_FALSE(flags_.insecure_http);
}

TEST_F(ConfigFileTest, UnknownKeyIsAnErrorNamingFileLineAndKey) {
  const auto path = Write("listen = \"127.0.0.1:9000\"\n# a comment\nlisten-address = \"x\"\n");
  const auto r = Load(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path + ":3: unknown key 'listen-address'"), std::string::npos)
      << r.error().message;
}

TEST_F(ConfigFileTest, HelpVersionAndConfigAreNotKeys) {
  for (const char* key : {"config = \"/x\"", "help = true", "version = true"}) {
    const auto r = Load(Write(std::string(key) + "\n"));
    ASSERT_FALSE(r) << key;
    EXPECT_NE(r.error().message.find("unknown key"), std::string::npos) << r.error().message;
  }
}

TEST_F(ConfigFileTest, TablesListsAndNonBooleanSwitchesAreRefused) {
  auto r = Load(Write("[server]\nlisten = \"127.0.0.1:1\"\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown key 'server'"), std::string::npos) << r.error().message;

  r = Load(Write("listen = [\"a\", \"b\"]\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("listen must be a string, a number or true/false, not a list"),
            std::string::npos)
      << r.error().message;

  r = Load(Write("dev = \"yes\"\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("dev must be true or false"), std::string::npos)
      << r.error().message;
}

TEST_F(ConfigFileTest, ValuesGoThroughTheFlagsOwnChecks) {
  auto r = Load(Write("workers = 5000\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("workers = 5000"), std::string::npos) << r.error().message;

  r = Load(Write("log-format = \"xml\"\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("log-format = xml"), std::string::npos) << r.error().message;

  r = Load(Write("io-threads = \"many\"\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("io-threads"), std::string::npos) << r.error().message;
}

TEST_F(ConfigFileTest, SyntaxErrorsNameLineAndColumn) {
  const auto path = Write("listen = \"127.0.0.1:9000\"\nworkers = = 3\n");
  const auto r = Load(path);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("config file " + path + ":2:"), std::string::npos)
      << r.error().message;
}

TEST_F(ConfigFileTest, DuplicateKeysAreRefused) {
  const auto r = Load(Write("workers = 3\nworkers = 4\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(":2:"), std::string::npos) << r.error().message;
}

TEST_F(ConfigFileTest, AMissingFileIsAClearError) {
  const auto r = Load((dir_ / "absent.conf").string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("absent.conf"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace signet::app
