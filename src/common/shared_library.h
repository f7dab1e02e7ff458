#pragma once
// A shared library loaded at run time instead of linked: for the optional back ends most
// servers never use (libpq when the store is SQLite, libcurl until a notification is sent).
// Linked, they are mapped and relocated at every start with the libraries they bring
// (Kerberos, LDAP, GnuTLS, SSH, …: about 3 MiB each of an idle 20 MiB, docs/performance.md);
// loaded on first use, they cost nothing where they are not used. systemd loads its optional
// libraries the same way. A library once loaded is never unloaded.

#include <string>

#include "common/result.h"

namespace signet {

class SharedLibrary {
 public:
  // dlopen(file) with every symbol bound now; kUnavailable with the loader's message, naming
  // `purpose` ("sends notifications"), when the file cannot be loaded.
  static Result<SharedLibrary> Open(const char* file, const char* purpose);

  // Sets `out` to the entry point `name`; false (and error() says which) when it is missing.
  template <class Fn>
  bool Resolve(const char* name, Fn& out) {
    void* symbol = Symbol(name);
    if (symbol == nullptr) return false;
    out = reinterpret_cast<Fn>(symbol);
    return true;
  }

  // Why the last Resolve failed, as an error naming the file.
  [[nodiscard]] Error error() const;

 private:
  SharedLibrary(void* handle, const char* file) : handle_(handle), file_(file) {}
  void* Symbol(const char* name);

  void* handle_;
  std::string file_;
  std::string missing_;
};

}  // namespace signet
