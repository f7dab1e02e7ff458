#pragma once
// clientMetadata (SPEC §4) sent with every signature the module requests: the tool (the
// executable's name), the host name, the OS user and the command line with secrets redacted.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/client_metadata.h"
#include "client/client.h"

namespace signet::pkcs11 {

// The command line with the value of every secret-looking option replaced by "***":
// options whose name contains "pass", "pin" or "secret" or ends with "token", and "-p"
// ("-storepass x", "--pin=x", "-passin pass:x"), "pass:" password arguments, and the
// pin-value / pin-source of pkcs11: URIs. Arguments are joined with single spaces; each is
// made valid UTF-8 and the whole is cut to `max_chars` characters.
std::string RedactCommandLine(const std::vector<std::string>& argv,
                              std::size_t max_chars = api::kMaxMetadataCommand);

// The executable name for `tool`: the base name of argv[0], at most api::kMaxMetadataTool
// characters.
std::string ToolName(const std::vector<std::string>& argv);

// Lower-case hex SHA-256 of a file (the signing tool's executable); nullopt when unreadable.
std::optional<std::string> ExecutableSha256(const std::string& path);

// Reads /proc/self/cmdline, gethostname(), the effective user's name and the SHA-256 of
// /proc/self/exe (signingApplicationHash).
client::ClientMetadata CollectClientMetadata();

}  // namespace signet::pkcs11
