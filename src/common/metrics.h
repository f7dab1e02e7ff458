#pragma once
// A small Prometheus registry: labelled counters and latency histograms, rendered in the text
// exposition format for GET /metrics. Thread-safe; increments take one mutex per family.

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace signet {

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void Inc(const std::vector<std::string>& label_values, double by = 1);
  void Render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, double> values_;  // guarded by mutex_
};

class HistogramFamily {
 public:
  // Bucket upper bounds in seconds.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> buckets);
  void Observe(const std::vector<std::string>& label_values, double seconds);
  void Render(std::string& out) const;

 private:
  struct Series {
    std::vector<unsigned long long> counts;  // per bucket, not cumulative
    double sum = 0;
    unsigned long long count = 0;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, Series> series_;  // guarded by mutex_
};

// The label for an HTTP method: the method itself when it is one of the nine of RFC 9110 and
// RFC 5789, "other" for anything else, so that a client inventing method names cannot grow
// the label set (and /metrics, and memory) without bound.
std::string_view HttpMethodLabel(std::string_view method);

// The metrics signetd exports. Every label takes its values from a fixed set (methods above,
// route patterns, status codes, canonical algorithm names or "unknown", results): nothing a
// client sends becomes a label value as sent.
struct Metrics {
  CounterFamily http_requests{"signet_http_requests_total",
                              "HTTP requests by route and status",
                              {"method", "route", "status"}};
  HistogramFamily http_latency{"signet_http_request_duration_seconds",
                               "Time from a request's last byte to its reply, by route and status",
                               {"method", "route", "status"},
                               {0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10}};
  CounterFamily sign_operations{"signet_sign_operations_total",
                                "Sign attempts by algorithm and result",
                                {"algorithm", "result"}};
  HistogramFamily sign_latency{"signet_sign_duration_seconds",
                               "Time from request decode to reply for sign calls",
                               {},
                               {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};
  // records / commits is the mean group-commit batch: how many sign records share an fsync.
  CounterFamily group_commits{"signet_group_commits_total",
                              "Group-commit transactions of sign records (one fsync each)",
                              {}};
  CounterFamily group_commit_records{
      "signet_group_commit_records_total", "Sign records written by group commits", {}};
  CounterFamily signer_cache_lookups{"signet_signer_cache_lookups_total",
                                     "Sign calls by whether the signer cache answered",
                                     {"result"}};
  // result: granted, error, or the PKIFailureInfo name of a refusal (badAlg, badRequest,
  // badDataFormat, timeNotAvailable, unacceptedPolicy, unacceptedExtension, systemFailure).
  CounterFamily timestamps{
      "signet_timestamps_total", "RFC 3161 timestamp queries by result", {"result"}};
  // Everything above, then signet_build_info{version} and the process's own metrics
  // (process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
  // process_open_fds, process_max_fds, process_start_time_seconds; Linux /proc).
  std::string Render() const;
};

// Appends the process_* metrics of the calling process (nothing where /proc is missing).
void RenderProcessMetrics(std::string& out);

}  // namespace signet
