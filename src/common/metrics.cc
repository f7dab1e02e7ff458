#include "common/metrics.h"

#include <cstdio>

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
      out += name_ + "_bucket" + Labels(label_names_, labels, "le=\"" + Number(buckets_[i]) + "\"") +
             " " + std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + Labels(label_names_, labels, "le=\"+Inf\"") + " " +
           std::to_string(s.count) + "\n";
    out += name_ + "_sum" + Labels(label_names_, labels) + " " + Number(s.sum) + "\n";
    out += name_ + "_count" + Labels(label_names_, labels) + " " + std::to_string(s.count) + "\n";
  }
}

std::string Metrics::Render() const {
  std::string out;
  http_requests.Render(out);
  sign_operations.Render(out);
  sign_latency.Render(out);
  group_commits.Render(out);
  group_commit_records.Render(out);
  signer_cache_lookups.Render(out);
  timestamps.Render(out);
  return out;
}

}  // namespace signet
