#pragma once
// A real signetd for the module tests: started on 127.0.0.1:0 in a temporary directory
// (SIGNET_BUILD_DIR/bin/signetd), set up through the HTTP API with signet::client, stopped
// with SIGTERM at the end. Used by pkcs11_module_test only.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "api/json.h"
#include "client/client.h"

namespace signet::pkcs11::testing {

class Signetd {
 public:
  Signetd() {
    const char* build = std::getenv("SIGNET_BUILD_DIR");
    if (build == nullptr) throw std::runtime_error("SIGNET_BUILD_DIR is not set");
    build_dir_ = build;
    char tmpl[] = "/tmp/signet-p11-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const std::string data = dir_ + "/data";
    std::filesystem::create_directories(data);
    const std::string port_file = data + "/port";
    const std::string signetd = build_dir_ + "/bin/signetd";
    const std::string log = dir_ + "/signetd.log";
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::freopen(log.c_str(), "w", stderr);
      (void)f;
      execl(signetd.c_str(), signetd.c_str(), "--listen", "127.0.0.1:0", "--data-dir", data.c_str(),
            "--dev", "--port-file", port_file.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 600; ++i) {
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port && port > 0) {
        port_ = port;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (port_ == 0) throw std::runtime_error("signetd wrote no port file; see " + log);
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    client::ClientOptions o;
    o.server_url = url_;
    auto c = client::Client::Create(o);
    if (!c) throw std::runtime_error(c.error().message);
    admin_ = std::move(*c);
    for (int i = 0; i < 200; ++i) {
      if (admin_->Call(client::HttpMethod::kGet, "/healthz")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    auto boot = Ok(client::HttpMethod::kPost, "/api/v1/admin/bootstrap",
                   api::JsonObject{{"email", "admin@p11.test"},
                                   {"password", "correct horse battery staple 1"}});
    admin_->SetToken(SecretBytes::FromString(boot.at("accessToken").as_string().c_str()));
  }

  ~Signetd() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (std::getenv("SIGNET_KEEP_DIRS") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  // A call as the admin that must answer 200.
  api::JsonObject Ok(client::HttpMethod method, const std::string& path,
                     std::optional<api::JsonValue> body = std::nullopt) {
    if (method != client::HttpMethod::kGet && !body) body = api::JsonObject{};
    auto r = admin_->Call(method, path, body);
    if (!r) throw std::runtime_error(path + ": " + r.error().message);
    return r->as_object();
  }

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  const std::string& build_dir() const { return build_dir_; }

 private:
  std::string build_dir_;
  std::string dir_;
  std::string url_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<client::Client> admin_;
};

}  // namespace signet::pkcs11::testing
