#pragma once
// The `signet` command line: builds the CLI11 app, parses, runs the chosen command and maps
// its outcome to an exit code (cli/exit_codes.h). Errors are one line on `err`:
// "signet: <message>".

#include <istream>
#include <ostream>

#include "cli/config.h"
#include "cli/context.h"

namespace signet::cli {

int Main(int argc, const char* const* argv, EnvLookup env, std::ostream& out, std::ostream& err,
         std::istream& in, Terminal terminal);

// VmHWM of /proc/self/status in KiB, or -1 when unavailable.
long PeakRssKib();

}  // namespace signet::cli
