#pragma once
// The root key: 32 secret bytes that wrap every per-key data key of the software key store
// (SPEC §7) and from which other server keys (the audit HMAC key) are derived.
//
// Sources: SIGNET_ROOT_KEY (base64 of exactly 32 bytes) or a key file holding 32 raw bytes or
// their base64 text; a key file must not be readable by group or others. A key check value,
// stored in the database at first start, lets the server refuse to run with a different root
// key ("root key does not match this database") instead of failing on the first unwrap.
//
// Immutable after construction; all const methods are thread-safe.

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "common/secret_bytes.h"

namespace signet::keystore {

inline constexpr std::size_t kRootKeyLength = 32;
inline constexpr std::string_view kRootKeyEnvVar = "SIGNET_ROOT_KEY";
// Suggested name of the server setting that holds KeyCheckValue().
inline constexpr std::string_view kRootKeyCheckSetting = "root_key_check";

class RootKey {
 public:
  // Exactly 32 bytes, else InvalidArgument.
  [[nodiscard]] static Result<RootKey> FromBytes(ByteView key);
  // Base64 of exactly 32 bytes; surrounding whitespace is ignored. InvalidArgument naming
  // `source` otherwise ("SIGNET_ROOT_KEY decodes to 16 bytes; the root key must be 32").
  [[nodiscard]] static Result<RootKey> FromBase64(std::string_view text,
                                                  std::string_view source = kRootKeyEnvVar);
  // From SIGNET_ROOT_KEY; NotFound when it is unset or empty.
  [[nodiscard]] static Result<RootKey> FromEnvironment();
  // A file of 32 raw bytes or base64 text. NotFound when missing; PermissionDenied when the
  // file is readable or writable by group or others; InvalidArgument for bad contents.
  [[nodiscard]] static Result<RootKey> FromFile(const std::string& path);
  // For --dev: loads `path`, or when it does not exist creates it (mode 0600) with a new
  // random key in base64 and returns that key.
  [[nodiscard]] static Result<RootKey> CreateIfMissing(const std::string& path);

  RootKey(const RootKey&) = default;
  RootKey& operator=(const RootKey&) = default;
  RootKey(RootKey&&) noexcept = default;
  RootKey& operator=(RootKey&&) noexcept = default;

  // Seals a data key under the root key, bound to `key_id` (AES-256-GCM with a key derived
  // for wrapping; AAD "signet-dek:v1:<key_id>").
  [[nodiscard]] Result<Bytes> WrapDataKey(ByteView data_key, std::string_view key_id) const;
  // FailedPrecondition "wrong root key or tampered data" when it does not open.
  [[nodiscard]] Result<SecretBytes> UnwrapDataKey(ByteView wrapped, std::string_view key_id) const;

  // A key derived for `purpose` (HKDF-SHA256, info "signet:<purpose>"), e.g. "audit-hmac".
  [[nodiscard]] Result<SecretBytes> DeriveKey(std::string_view purpose, std::size_t length) const;

  // Hex HMAC-SHA256 of a fixed label: identifies the key without revealing it.
  std::string KeyCheckValue() const;
  // FailedPrecondition "root key does not match this database" when `stored` differs.
  [[nodiscard]] Status VerifyKeyCheckValue(std::string_view stored) const;

 private:
  RootKey(SecretBytes key, SecretBytes wrapping_key)
      : key_(std::move(key)), wrapping_key_(std::move(wrapping_key)) {}

  SecretBytes key_;
  SecretBytes wrapping_key_;  // HKDF(key_, "signet:data-key-wrapping")
};

}  // namespace signet::keystore
