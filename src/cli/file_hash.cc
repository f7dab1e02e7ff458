#include "cli/file_hash.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/digest.h"

namespace signet::cli {
namespace {

std::string HumanBytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Progress::Progress(std::ostream& out, bool enabled, std::uint64_t total_bytes, std::string label)
    : out_(out), enabled_(enabled), total_(total_bytes), label_(std::move(label)) {}

Progress::~Progress() { Finish(); }

void Progress::Add(std::uint64_t bytes) {
  done_ += bytes;
  if (!enabled_) return;
  std::unique_lock lock(draw_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Finish() {
  if (!enabled_) return;
  std::lock_guard lock(draw_mu_);
  if (finished_ || !drawn_) {
    finished_ = true;
    return;
  }
  Draw(true);
  out_ << '\n' << std::flush;
  finished_ = true;
}

void Progress::Draw(bool final) {
  if (finished_) return;
  constexpr int kWidth = 30;
  const std::uint64_t done = std::min(done_.load(), total_);
  const double fraction =
      total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '#');
  bar += std::string(kWidth - filled, '-');
  char pct[8];
  std::snprintf(pct, sizeof(pct), "%3d%%", static_cast<int>(fraction * 100));
  out_ << '\r' << label_ << " [" << bar << "] " << pct << ' ' << HumanBytes(done) << " / "
       << HumanBytes(total_) << (final ? "" : "   ") << std::flush;
  drawn_ = true;
}

Result<std::uint64_t> FileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + " is not a regular file");
  return static_cast<std::uint64_t>(st.st_size);
}

Result<FileDigests> HashFile(const std::string& path,
                             const std::vector<domain::HashAlgorithm>& hashes, Progress* progress) {
  std::vector<crypto::Hasher> hashers;
  for (auto h : hashes) {
    SIGNET_ASSIGN_OR_RETURN(crypto::Hasher hasher, crypto::Hasher::Create(h));
    hashers.push_back(std::move(hasher));
  }
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return InvalidArgument("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return InvalidArgument(path + " is a directory");
  }
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  auto buffer = std::make_unique<std::uint8_t[]>(kHashBufferBytes);
  FileDigests out;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.get(), kHashBufferBytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    const ByteView chunk(buffer.get(), static_cast<std::size_t>(n));
    for (auto& h : hashers) SIGNET_TRY(h.Update(chunk));
    out.size += static_cast<std::uint64_t>(n);
    if (progress != nullptr) progress->Add(static_cast<std::uint64_t>(n));
  }
  for (auto& h : hashers) {
    SIGNET_ASSIGN_OR_RETURN(Bytes d, h.Finish());
    out.digests.push_back(std::move(d));
  }
  return out;
}

}  // namespace signet::cli
