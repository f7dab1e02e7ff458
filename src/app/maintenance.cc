#include "app/maintenance.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>

#include "app/runtime.h"
#include "auth/authenticator.h"
#include "common/encoding.h"
#include "common/random.h"
#include "service/service.h"
#include "store/sqlite_backup.h"

namespace signet::app {
namespace {

constexpr const char kSqlitePrefix[] = "sqlite://";

// The SQLite file of the configuration, or an error naming what to do for PostgreSQL.
Result<std::string> SqlitePath(const Config& config, const char* command) {
  if (config.database_url.rfind(kSqlitePrefix, 0) == 0) {
    return config.database_url.substr(sizeof kSqlitePrefix - 1);
  }
  return InvalidArgument(std::string(command) +
                         " works on SQLite databases; for PostgreSQL use pg_dump and pg_restore "
                         "(see docs/operations.md, \"Backups\")");
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string UtcStamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Renames the database and its -wal and -shm files from `from` to `to`.
Status MoveDatabase(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string a = from + suffix;
    const std::string b = to + suffix;
    if (!Exists(a)) continue;
    if (::rename(a.c_str(), b.c_str()) != 0) {
      return Internal("cannot rename " + a + " to " + b + ": " + std::strerror(errno));
    }
  }
  return {};
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

// Run as root (e.g. sudo), the restored files get the owner of their folder (the service's
// user), so that signetd can open them.
void GiveToFolderOwner(const std::string& path) {
  if (::geteuid() != 0) return;
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string f = path + suffix;
    if (Exists(f) && ::chown(f.c_str(), st.st_uid, st.st_gid) != 0) {
      std::fprintf(stderr, "signetd: warning: cannot chown %s: %s\n", f.c_str(),
                   std::strerror(errno));
    }
  }
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "signetd: %s\n", message.c_str());
  return 1;
}

}  // namespace

Status HoldDatabase(const Config& config) {
  if (config.database_url.rfind(kSqlitePrefix, 0) != 0) return {};
  const std::string path = config.database_url.substr(sizeof kSqlitePrefix - 1);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    ::close(fd);
    return FailedPrecondition("database " + path +
                              " is being restored; start signetd again when that is done");
  }
  return {};  // the descriptor, and with it the lock, lives as long as the process
}

int Backup(const Config& config, const std::string& to) {
  auto path = SqlitePath(config, "backup");
  if (!path) return Fail(path.error().message);
  if (to.empty()) return Fail("backup needs --to FILE");
  auto info = store::BackupSqlite(*path, to);
  if (!info) return Fail("backup: " + info.error().message);
  std::printf("backup of %s written to %s: %lld bytes, schema version %d, %lld audit events\n",
              path->c_str(), to.c_str(), static_cast<long long>(info->bytes), info->schema_version,
              static_cast<long long>(info->audit_events));
  return 0;
}

int Restore(const Config& config, const std::string& from) {
  auto path_or = SqlitePath(config, "restore");
  if (!path_or) return Fail(path_or.error().message);
  const std::string path = *path_or;
  if (from.empty()) return Fail("restore needs --from FILE");
  auto source = store::CheckSqliteFile(from);
  if (!source) return Fail("restore: " + source.error().message);
  // The root key first: without it the restored database could not be checked.
  if (auto key = LoadRootKey(config); !key) return Fail(key.error().message);

  int lock_fd = -1;
  if (Exists(path)) {
    lock_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (lock_fd < 0) return Fail("cannot open " + path + ": " + std::strerror(errno));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(lock_fd);
      return Fail("refusing to restore over " + path +
                  ": a signetd is serving it; stop it first (systemctl stop signetd)");
    }
  }
  const std::string incoming = path + ".restore-tmp";
  RemoveDatabase(incoming);
  if (auto copied = store::BackupSqlite(from, incoming); !copied) {
    if (lock_fd >= 0) ::close(lock_fd);
    return Fail("restore: " + copied.error().message);
  }
  std::string aside;
  if (lock_fd >= 0) {
    aside = path + ".pre-restore-" + UtcStamp();
    if (auto moved = MoveDatabase(path, aside); !moved) {
      RemoveDatabase(incoming);
      ::close(lock_fd);
      return Fail("restore: " + moved.error().message);
    }
  }
  auto roll_back = [&]() {
    RemoveDatabase(path);
    if (!aside.empty()) {
      if (auto back = MoveDatabase(aside, path); !back) {
        std::fprintf(stderr, "signetd: %s; the previous database is %s\n",
                     back.error().message.c_str(), aside.c_str());
      }
    }
  };
  if (::rename(incoming.c_str(), path.c_str()) != 0) {
    const std::string error = std::strerror(errno);
    roll_back();
    RemoveDatabase(incoming);
    if (lock_fd >= 0) ::close(lock_fd);
    return Fail("cannot rename " + incoming + " to " + path + ": " + error);
  }

  int status = 0;
  {
    Config check = config;
    check.claim_node_id = false;
    auto rt = OpenRuntime(check);
    if (!rt) {
      std::fprintf(stderr, "signetd: restore: %s; the previous database is back in place\n",
                   rt.error().message.c_str());
      status = 1;
    } else {
      auto report = (*rt)->audit->Verify(*(*rt)->store);
      if (!report) {
        std::fprintf(stderr,
                     "signetd: restore: audit verify: %s; the previous database is back in place\n",
                     report.error().message.c_str());
        status = 1;
      } else if (!report->valid) {
        std::printf(
            "audit log of %s INVALID: first bad event is seq %lld of node %s: %s; the previous "
            "database is back in place\n",
            from.c_str(), static_cast<long long>(report->first_bad->seq),
            report->first_bad->node_id.c_str(), report->first_bad->reason.c_str());
        status = 2;
      } else {
        std::printf("restored %s to %s: schema version %d, audit log valid: %lld events checked\n",
                    from.c_str(), path.c_str(), source->schema_version,
                    static_cast<long long>(report->checked));
      }
    }
  }
  if (status != 0) {
    roll_back();
  } else {
    GiveToFolderOwner(path);
    if (!aside.empty()) {
      std::printf(
          "the previous database is kept as %s; delete it once the restored one is in use\n",
          aside.c_str());
    }
  }
  if (lock_fd >= 0) ::close(lock_fd);
  return status;
}

int ResetPassword(const Config& config, const std::string& email, bool password_stdin) {
  SecretBytes password;
  bool generated = false;
  if (password_stdin) {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    password = SecretBytes::FromString(line);
    std::fill(line.begin(), line.end(), '\0');
  } else {
    // 18 random bytes: 24 base64 characters ('+' and '/' kept; a password, not a URL).
    password = SecretBytes::FromString(Base64Encode(RandomBytes(18)));
    generated = true;
  }
  Config local = config;
  local.claim_node_id = false;
  auto rt = OpenRuntime(local);
  if (!rt) return Fail(rt.error().message);
  Runtime& r = **rt;
  auto user = [&]() -> Result<domain::User> {
    SIGNET_ASSIGN_OR_RETURN(auto tx, r.store->BeginRead());
    return tx->GetUserByEmail(email);
  }();
  if (!user) {
    if (user.error().code == ErrorCode::kNotFound) return Fail("no user with the email " + email);
    return Fail(user.error().message);
  }
  auth::Authenticator authenticator(*r.store, r.clock, config.auth);
  service::Service svc(service::Deps{*r.store, *r.keys, *r.audit, authenticator, r.clock});
  // The change is made, and audited, as the local operator: an org admin that is not the user.
  service::Caller operator_caller;
  operator_caller.principal.type = domain::PrincipalType::kUser;
  operator_caller.principal.name = "signetd admin reset-password";
  operator_caller.principal.org_role = domain::OrgRole::kAdmin;
  operator_caller.principal.mfa =
      true;  // holding the root key on the machine is the stronger proof
  operator_caller.source_ip = "local";
  service::UpdateUserInput in;
  in.password = std::move(password);
  const std::string shown = generated ? std::string(in.password->string_view()) : std::string();
  auto updated = svc.UpdateUser(operator_caller, user->id, std::move(in));
  if (!updated) return Fail("reset-password: " + updated.error().message);
  std::printf("password of %s reset; their tokens are revoked\n", email.c_str());
  if (generated) std::printf("new password: %s\n", shown.c_str());
  return 0;
}

}  // namespace signet::app
