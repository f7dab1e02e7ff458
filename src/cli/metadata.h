#pragma once
// clientMetadata sent with each signature (SPEC §4): tool, hostname, OS user name and the
// command line with secrets redacted.

#include <string>
#include <vector>

#include "api/client_metadata.h"
#include "client/client.h"

namespace signet::cli {

// The command line as one string, each argument shell-quoted when needed, with the value of
// every secret-bearing option (--token, and any --*token*/--*secret*/--*password* given as
// --name=value) replaced by "***"; at most `max_len` bytes (cut on a character boundary).
std::string RedactedCommand(const std::vector<std::string>& argv,
                            std::size_t max_len = api::kMaxMetadataCommand);

std::string Hostname();    // gethostname(), "" when unknown
std::string OsUsername();  // the passwd entry of the effective uid, else $USER, else ""

client::ClientMetadata SigningMetadata(const std::vector<std::string>& argv);

}  // namespace signet::cli
