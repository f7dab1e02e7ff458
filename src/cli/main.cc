// signet: the command-line client of Signet (SPEC §9).

#include <exception>
#include <iostream>

#include <unistd.h>

#include "cli/app.h"

int main(int argc, char** argv) {
  try {
    signet::cli::Terminal terminal;
    terminal.stdin_is_tty = ::isatty(STDIN_FILENO) == 1;
    terminal.stderr_is_tty = ::isatty(STDERR_FILENO) == 1;
    return signet::cli::Main(argc, argv, signet::cli::ProcessEnv(), std::cout, std::cerr, std::cin,
                             terminal);
  } catch (const std::exception& e) {
    std::cerr << "signet: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "signet: internal error\n";
  }
  return 5;
}
