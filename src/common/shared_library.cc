#include "common/shared_library.h"

#include <dlfcn.h>

namespace signet {

Result<SharedLibrary> SharedLibrary::Open(const char* file, const char* purpose) {
  void* handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Unavailable(std::string("cannot load ") + file + ", which " + purpose + ": " +
                       (why != nullptr ? why : "unknown error"));
  }
  return SharedLibrary(handle, file);
}

void* SharedLibrary::Symbol(const char* name) {
  dlerror();
  void* symbol = dlsym(handle_, name);
  if (symbol == nullptr) {
    const char* why = dlerror();
    missing_ = why != nullptr ? why : std::string(name) + ": undefined symbol";
  }
  return symbol;
}

Error SharedLibrary::error() const {
  return Error{ErrorCode::kUnavailable, "cannot use " + file_ + ": " + missing_};
}

}  // namespace signet
