#include "common/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace signet {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const std::string& extra = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!out.empty()) out += ',';
    out += names[i] + "=\"" + Escape(values[i]) + "\"";
  }
  if (!extra.empty()) {
    if (!out.empty()) out += ',';
    out += extra;
  }
  return out.empty() ? out : "{" + out + "}";
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string_view HttpMethodLabel(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                  "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (std::string_view m : kMethods) {
    if (m == method) return m;
  }
  return "other";
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::Inc(const std::vector<std::string>& label_values, double by) {
  std::lock_guard lock(mutex_);
  values_[label_values] += by;
}

void CounterFamily::Render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [labels, value] : values_) {
    out += name_ + Labels(label_names_, labels) + " " + Number(value) + "\n";
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {}

void HistogramFamily::Observe(const std::vector<std::string>& label_values, double seconds) {
  std::lock_guard lock(mutex_);
  Series& s = series_[label_values];
  if (s.counts.empty()) s.counts.assign(buckets_.size(), 0);
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (seconds <= buckets_[i]) {
      ++s.counts[i];
      break;
    }
  }
  s.sum += seconds;
  ++s.count;
}

void HistogramFamily::Render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
  std::lock_guard lock(mutex_);
  for (const auto& [labels, s] : series_) {
    unsigned long long cumulative = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += s.counts[i];
      out += name_ + "_bucket" +
             Labels(label_names_, labels, "le=\"" + Number(buckets_[i]) + "\"") + " " +
             std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + Labels(label_names_, labels, "le=\"+Inf\"") + " " +
           std::to_string(s.count) + "\n";
    out += name_ + "_sum" + Labels(label_names_, labels) + " " + Number(s.sum) + "\n";
    out += name_ + "_count" + Labels(label_names_, labels) + " " + std::to_string(s.count) + "\n";
  }
}

namespace {

void Gauge(std::string& out, const char* name, const char* type, const char* help, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + buf + "\n";
}

}  // namespace

void RenderProcessMetrics(std::string& out) {
  // /proc/self/stat: fields after the command name (which is in parentheses and may hold
  // spaces): state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24 (pages).
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string word; fields >> word;) f.push_back(word);
  if (f.size() < 22) return;
  auto field = [&f](int n) {
    return std::strtod(f[static_cast<std::size_t>(n - 3)].c_str(), nullptr);
  };
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  double boot_time = 0;
  std::ifstream proc_stat("/proc/stat");
  for (std::string line; std::getline(proc_stat, line);) {
    if (line.rfind("btime ", 0) == 0) boot_time = std::strtod(line.c_str() + 6, nullptr);
  }
  Gauge(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds",
        (field(14) + field(15)) / ticks);
  Gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes",
        field(24) * page);
  Gauge(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes", field(23));
  Gauge(out, "process_start_time_seconds", "gauge",
        "Start time of the process since the epoch in seconds", boot_time + field(22) / ticks);
  double fds = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ++fds;
    }
    ::closedir(dir);
    fds -= 1;  // the directory's own descriptor
  }
  Gauge(out, "process_open_fds", "gauge", "Number of open file descriptors", fds);
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    Gauge(out, "process_max_fds", "gauge", "Maximum number of open file descriptors",
          rl.rlim_cur == RLIM_INFINITY ? -1 : static_cast<double>(rl.rlim_cur));
  }
}

std::string Metrics::Render() const {
  std::string out;
  http_requests.Render(out);
  http_latency.Render(out);
  sign_operations.Render(out);
  sign_latency.Render(out);
  group_commits.Render(out);
  group_commit_records.Render(out);
  signer_cache_lookups.Render(out);
  timestamps.Render(out);
  out +=
      "# HELP signet_build_info The version of this signetd (the value is always 1)\n"
      "# TYPE signet_build_info gauge\nsignet_build_info{version=\"" SIGNET_VERSION "\"} 1\n";
  RenderProcessMetrics(out);
  return out;
}

}  // namespace signet
