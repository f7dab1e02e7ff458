#pragma once
// signetd's offline maintenance commands (docs/operations.md): backup, restore and
// admin reset-password, and the lock that keeps a restore off a database a server uses.

#include <string>

#include "app/config.h"
#include "common/result.h"

namespace signet::app {

// Taken by a serving signetd for its lifetime: a shared flock(2) on the SQLite database file
// (SQLite itself uses fcntl locks, which are independent). Several servers may hold it; a
// restore needs it exclusively. Nothing for PostgreSQL.
[[nodiscard]] Status HoldDatabase(const Config& config);

// signetd backup --to FILE: an online, consistent copy of the SQLite database (SQLite's
// backup API) while signetd serves. Needs no root key. Prints what it wrote; exit status.
int Backup(const Config& config, const std::string& to);

// signetd restore --from FILE: refuses while a signetd serves the database; checks the file;
// copies it in place (the previous database is kept beside it as
// <db>.pre-restore-<time>); then opens it with the root key and verifies the audit chain —
// when either fails, the previous database is put back. Exit status 0, 1 (refused or failed)
// or 2 (the restored audit chain is broken; nothing changed).
int Restore(const Config& config, const std::string& from);

// signetd admin reset-password EMAIL: sets a new password for a user (a generated one that
// is printed once, or one line read from stdin), revokes the user's tokens and writes the
// change to the audit log. Works on the database directly (needs the root key), so it also
// works while no admin can log in.
int ResetPassword(const Config& config, const std::string& email, bool password_stdin);

}  // namespace signet::app
