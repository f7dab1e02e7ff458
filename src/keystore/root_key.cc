#include "keystore/root_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/mac.h"
#include "crypto/random.h"

namespace signet::keystore {
namespace {

constexpr std::string_view kCheckLabel = "signet root key check v1";
constexpr std::size_t kMaxKeyFileSize = 4096;

std::string_view Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const auto begin = s.find_first_not_of(ws);
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(ws);
  return s.substr(begin, end - begin + 1);
}

std::string ErrnoText(int err) { return std::strerror(err); }

std::string ModeText(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

Result<RootKey> RootKey::FromBytes(ByteView key) {
  if (key.size() != kRootKeyLength) {
    return InvalidArgument("root key is " + std::to_string(key.size()) + " bytes; it must be 32");
  }
  SecretBytes secret(key);
  SIGNET_ASSIGN_OR_RETURN(SecretBytes wrapping,
                          crypto::HkdfSha256(secret.view(), {}, "signet:data-key-wrapping", 32));
  return RootKey(std::move(secret), std::move(wrapping));
}

Result<RootKey> RootKey::FromBase64(std::string_view text, std::string_view source) {
  auto decoded = Base64Decode(Trim(text));
  if (!decoded) return InvalidArgument(std::string(source) + " is not valid base64");
  SecretBytes secret(*decoded);
  SecureWipe(decoded->data(), decoded->size());
  if (secret.size() != kRootKeyLength) {
    return InvalidArgument(std::string(source) + " decodes to " + std::to_string(secret.size()) +
                           " bytes; the root key must be 32");
  }
  return FromBytes(secret.view());
}

Result<RootKey> RootKey::FromEnvironment() {
  const char* value = std::getenv(std::string(kRootKeyEnvVar).c_str());
  if (value == nullptr || *value == '\0') {
    return NotFound(std::string(kRootKeyEnvVar) + " is not set");
  }
  return FromBase64(value, kRootKeyEnvVar);
}

Result<RootKey> RootKey::FromFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFound("root key file " + path + " does not exist");
    return PermissionDenied("root key file " + path + " cannot be opened: " + ErrnoText(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Internal("root key file " + path + ": " + ErrnoText(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument("root key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return PermissionDenied("root key file " + path + " has mode " + ModeText(st.st_mode) +
                            " and is accessible by group or others; run chmod 600 " + path);
  }
  if (st.st_size <= 0 || static_cast<std::size_t>(st.st_size) > kMaxKeyFileSize) {
    ::close(fd);
    return InvalidArgument("root key file " + path + " is " + std::to_string(st.st_size) +
                           " bytes; expected 32 raw bytes or their base64 text");
  }
  SecretBytes contents(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < contents.size()) {
    const ssize_t n = ::read(fd, contents.data() + got, contents.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != contents.size()) return Internal("root key file " + path + " could not be read");
  if (contents.size() == kRootKeyLength) return FromBytes(contents.view());
  return FromBase64(contents.string_view(), "root key file " + path);
}

Result<RootKey> RootKey::CreateIfMissing(const std::string& path) {
  auto existing = FromFile(path);
  if (existing || existing.error().code != ErrorCode::kNotFound) return existing;

  SIGNET_ASSIGN_OR_RETURN(SecretBytes key, crypto::RandomSecret(kRootKeyLength));
  SIGNET_ASSIGN_OR_RETURN(RootKey root, FromBytes(key.view()));
  std::string text = Base64Encode(key.view()) + "\n";
  // O_EXCL: never overwrite a key another process created meanwhile.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    const int err = errno;
    SecureWipe(text.data(), text.size());
    if (err == EEXIST) return FromFile(path);
    return Unavailable("root key file " + path + " cannot be created: " + ErrnoText(err));
  }
  ::fchmod(fd, 0600);  // independent of the umask
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  SecureWipe(text.data(), text.size());
  const bool ok = written == text.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Unavailable("root key file " + path + " could not be written");
  }
  return root;
}

Result<Bytes> RootKey::WrapDataKey(ByteView data_key, std::string_view key_id) const {
  const std::string aad = "signet-dek:v1:" + std::string(key_id);
  return crypto::AeadSeal(wrapping_key_.view(), data_key, AsBytes(aad));
}

Result<SecretBytes> RootKey::UnwrapDataKey(ByteView wrapped, std::string_view key_id) const {
  const std::string aad = "signet-dek:v1:" + std::string(key_id);
  auto opened = crypto::AeadOpen(wrapping_key_.view(), wrapped, AsBytes(aad));
  if (!opened) return FailedPrecondition("data key: wrong root key or tampered data");
  return opened;
}

Result<SecretBytes> RootKey::DeriveKey(std::string_view purpose, std::size_t length) const {
  if (purpose.empty()) return InvalidArgument("key derivation purpose is empty");
  return crypto::HkdfSha256(key_.view(), {}, "signet:" + std::string(purpose), length);
}

std::string RootKey::KeyCheckValue() const {
  return HexEncode(crypto::HmacSha256(key_.view(), AsBytes(kCheckLabel)));
}

Status RootKey::VerifyKeyCheckValue(std::string_view stored) const {
  const std::string mine = KeyCheckValue();
  if (!ConstantTimeEquals(AsBytes(mine), AsBytes(Trim(stored)))) {
    return FailedPrecondition("root key does not match this database");
  }
  return Ok();
}

}  // namespace signet::keystore
