#pragma once
// Streaming file digests for `signet sign` and `signet verify`: the file is read in 1 MiB
// chunks, so memory stays constant whatever its size.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "domain/algorithms.h"

namespace signet::cli {

inline constexpr std::size_t kHashBufferBytes = 1 << 20;

// A progress bar on a terminal: Add() may be called from several threads; the bar is redrawn
// at most every 100 ms on `out`. When disabled, Add() only counts.
class Progress {
 public:
  Progress(std::ostream& out, bool enabled, std::uint64_t total_bytes, std::string label);
  ~Progress();
  void Add(std::uint64_t bytes);
  // Draws the final state and ends the line (only when something was drawn).
  void Finish();

 private:
  void Draw(bool final);

  std::ostream& out_;
  const bool enabled_;
  const std::uint64_t total_;
  const std::string label_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex draw_mu_;
  std::chrono::steady_clock::time_point last_draw_;  // guarded by draw_mu_
  bool drawn_ = false;                               // guarded by draw_mu_
  bool finished_ = false;                            // guarded by draw_mu_
};

struct FileDigests {
  std::uint64_t size = 0;
  std::vector<Bytes> digests;  // one per requested hash, in order
};

// Reads `path` once and returns its digest under each of `hashes`. InvalidArgument naming the
// file when it cannot be opened or read. `progress` may be null.
[[nodiscard]] Result<FileDigests> HashFile(const std::string& path,
                                           const std::vector<domain::HashAlgorithm>& hashes,
                                           Progress* progress);

// The size of a regular file, for the progress total; InvalidArgument when it is not one.
[[nodiscard]] Result<std::uint64_t> FileSize(const std::string& path);

}  // namespace signet::cli
