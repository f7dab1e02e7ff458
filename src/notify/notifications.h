#pragma once
// notify::Notifications: the Notifier the service queues events with, and the delivery
// worker that sends what the outbox holds.
//
// Delivery: a background thread (Start) reads the due deliveries, leases each with a single
// conditional update (so of several nodes sharing one PostgreSQL database exactly one sends
// it), sends it (notify/transport.h) and records the outcome; a failed attempt is retried
// after retry_base, doubling up to retry_max, until max_attempts. What was queued survives a
// restart (it is in the database); a delivery whose node died mid-send is retried once its
// lease runs out, so receivers de-duplicate on the event id. The thread also runs the
// caller's periodic scan (expiring requests, grants and certificates).
//
// Thread-safe. The store, clock and transport must outlive it; destruction stops the thread.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "notify/notifier.h"
#include "notify/transport.h"
#include "store/store.h"

namespace signet::notify {

struct NotificationOptions {
  std::string public_url;  // the console's base URL for links ("https://signet.example.com")
  std::int64_t max_attempts = 10;
  Millis retry_base{30'000};
  Millis retry_max{3'600'000};
  Millis poll_interval{1'000};  // how often the outbox is read when nobody wakes the thread
  Millis lease{120'000};        // longer than one attempt can take
  std::int64_t batch = 20;
  bool allow_http_webhooks = false;  // plain http to hosts other than loopback
};

class Notifications final : public Notifier {
 public:
  // `key`: 32 bytes derived from the root key, for sealing secrets.
  Notifications(store::Store& store, const Clock& clock, SecretBytes key,
                std::unique_ptr<Transport> transport, NotificationOptions options);
  ~Notifications() override;
  Notifications(const Notifications&) = delete;
  Notifications& operator=(const Notifications&) = delete;

  // ---- Notifier ----
  Result<bool> Enqueue(store::Tx& tx, const Event& e) override;
  void Wake() override;
  Result<Bytes> Seal(std::string_view owner, const SecretBytes& secret) override;
  Status CheckWebhookUrl(std::string_view url, std::string_view field) override;
  Result<domain::NotificationDelivery> SendTest(const domain::NotificationWebhook& w,
                                                const std::string& actor_name) override;

  // The console URL used in links from now on (signetd learns its port after binding).
  void SetPublicUrl(std::string url);
  // Starts the delivery thread; `periodic` (may be empty) runs on it every `scan_interval`.
  void Start(std::function<void()> periodic, Millis scan_interval);
  // Stops the thread after the attempt in progress. Idempotent.
  void Stop();
  // Sends what is due now on the calling thread; returns how many attempts it made.
  [[nodiscard]] Result<int> DeliverDue();

 private:
  Result<SecretBytes> Open(std::string_view owner, ByteView sealed) const;
  std::string PublicUrl() const;
  // One attempt at `d` and its outcome recorded; false when the delivery is gone.
  Result<domain::NotificationDelivery> AttemptAndRecord(const domain::NotificationDelivery& d);
  SendOutcome Attempt(const domain::NotificationDelivery& d);
  void Run(const std::function<void()>& periodic, Millis scan_interval);

  store::Store& store_;
  const Clock& clock_;
  const SecretBytes key_;
  const std::unique_ptr<Transport> transport_;
  const NotificationOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string public_url_;  // guarded by mu_
  bool woken_ = false;      // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace signet::notify
