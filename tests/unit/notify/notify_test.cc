// notify/: what receivers get (render.h) and the outbox's delivery (notifications.h) on a
// temporary SQLite database with a fake clock and a fake transport.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "api/json.h"
#include "common/encoding.h"
#include "common/uuid.h"
#include "notify/notifications.h"
#include "notify/render.h"
#include "notify/transport.h"
#include "store/sqlite_store.h"
#include "unit/store/store_test_util.h"

namespace signet::notify {
namespace {

using namespace std::chrono_literals;
using store::testing::T;
using store::testing::TempDir;

// Records every attempt; fails the first `fail_first` of them.
class FakeTransport final : public Transport {
 public:
  SendOutcome Post(const HttpPost& post) override {
    std::lock_guard<std::mutex> lock(mu);
    posts.push_back(post);
    if (static_cast<int>(posts.size()) <= fail_first) return {false, 503, "HTTP 503"};
    return {true, 204, ""};
  }
  SendOutcome SendMail(const SmtpSettings& smtp, const SecretBytes& password,
                       const MailMessage& mail) override {
    std::lock_guard<std::mutex> lock(mu);
    mails.push_back(mail);
    passwords.emplace_back(password.string_view());
    hosts.push_back(smtp.host);
    return {true, 250, ""};
  }
  std::mutex mu;
  int fail_first = 0;
  std::vector<HttpPost> posts;
  std::vector<MailMessage> mails;
  std::vector<std::string> passwords;
  std::vector<std::string> hosts;
};

std::string HeaderOf(const HttpPost& p, std::string_view name) {
  for (const auto& [n, v] : p.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(RenderTest, SignatureHeaderIsHmacOverTimestampDotBody) {
  // Expected value from Python: hmac.new(secret, b'1767225600.{"a":1}', sha256).hexdigest()
  const std::string secret = "whsec-0123456789abcdef";
  EXPECT_EQ(SignatureHeader(AsBytes(secret), 1767225600, "{\"a\":1}"),
            "t=1767225600,v1=405d1c8c207816620fbb90bfde510cf98c4f77efe03e10a92b11e488d62b64cb");
  EXPECT_NE(SignatureHeader(AsBytes(secret), 1767225601, "{\"a\":1}"),
            SignatureHeader(AsBytes(secret), 1767225600, "{\"a\":1}"));
}

EventData Sample() {
  EventData d;
  d.request_id = "7f0c1c66-0000-4000-8000-000000000001";
  d.signer_id = "7f0c1c66-0000-4000-8000-000000000002";
  d.signer_name = "release-signer";
  d.requester_type = "user";
  d.requester_id = "7f0c1c66-0000-4000-8000-000000000003";
  d.requester_name = "alice@example.com";
  d.justification = "release <2.4> & co";
  d.step = 1;
  d.steps = 2;
  d.step_name = "leads";
  d.link = "https://signet.example.com/approvals/7f0c1c66-0000-4000-8000-000000000001";
  return d;
}

TEST(RenderTest, SignetPayloadHasEventIdTimeAndData) {
  auto v = api::ParseJson(SignetPayload("ev-1", kRequestCreated, T(), Sample()));
  ASSERT_TRUE(v.has_value());
  const auto& o = v->as_object();
  EXPECT_EQ(o.at("event").as_string(), "request.created");
  EXPECT_EQ(o.at("id").as_string(), "ev-1");
  EXPECT_EQ(o.at("time").as_string(), FormatTime(T()));
  const auto& data = o.at("data").as_object();
  EXPECT_EQ(data.at("requestId").as_string(), Sample().request_id);
  EXPECT_EQ(data.at("signerName").as_string(), "release-signer");
  EXPECT_EQ(data.at("requester").as_object().at("name").as_string(), "alice@example.com");
  EXPECT_EQ(data.at("step").as_int64(), 1);
  EXPECT_EQ(data.at("link").as_string(), Sample().link);
}

TEST(RenderTest, SlackPayloadIsAnIncomingWebhookMessage) {
  // Slack: {"text": fallback, "blocks": [{"type":"section","text":{"type":"mrkdwn",…}}, …]};
  // &, < and > escaped in mrkdwn text, links as <url|label>.
  auto v = api::ParseJson(SlackPayload(kRequestCreated, Sample()));
  ASSERT_TRUE(v.has_value());
  const auto& o = v->as_object();
  EXPECT_NE(std::string(o.at("text").as_string())
                .find("alice@example.com asks to sign with release-signer"),
            std::string::npos);
  const auto& blocks = o.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].as_object().at("type").as_string(), "section");
  const auto& text = blocks[0].as_object().at("text").as_object();
  EXPECT_EQ(text.at("type").as_string(), "mrkdwn");
  const std::string body(text.at("text").as_string());
  EXPECT_NE(body.find("release &lt;2.4&gt; &amp; co"), std::string::npos) << body;
  EXPECT_NE(body.find("<" + Sample().link + "|Review the request>"), std::string::npos) << body;
  EXPECT_EQ(blocks[1].as_object().at("type").as_string(), "context");
}

TEST(RenderTest, TeamsPayloadIsAnAdaptiveCardMessage) {
  auto v = api::ParseJson(TeamsPayload(kRequestApproved, Sample()));
  ASSERT_TRUE(v.has_value());
  const auto& o = v->as_object();
  EXPECT_EQ(o.at("type").as_string(), "message");
  const auto& att = o.at("attachments").as_array().at(0).as_object();
  EXPECT_EQ(att.at("contentType").as_string(), "application/vnd.microsoft.card.adaptive");
  const auto& card = att.at("content").as_object();
  EXPECT_EQ(card.at("type").as_string(), "AdaptiveCard");
  EXPECT_EQ(card.at("actions").as_array().at(0).as_object().at("url").as_string(), Sample().link);
}

TEST(RenderTest, EmailIsMultipartWithTextHtmlAndNoHeaderInjection) {
  EventData d = Sample();
  d.signer_name = "evil\r\nBcc: victim@example.com";
  const Email e = RenderEmail(kRequestCreated, d);
  const std::string m =
      MimeMessage("Signet <signet@example.com>", "bob@example.com", e, T(), NewUuid());
  EXPECT_EQ(m.find("\nBcc:"), std::string::npos);
  EXPECT_NE(m.find("From: Signet <signet@example.com>\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: bob@example.com\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: multipart/alternative"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(e.text.find(d.link), std::string::npos);
  EXPECT_NE(e.html.find("href=\"" + d.link + "\""), std::string::npos);
  EXPECT_NE(e.html.find("release &lt;2.4&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(AddressOf("Signet <signet@example.com>"), "signet@example.com");
  EXPECT_EQ(AddressOf(" a@b.c "), "a@b.c");
}

TEST(RenderTest, EventNamesAndFormatsAreChecked) {
  EXPECT_TRUE(CheckEventName("grant.expiring", "events[0]").has_value());
  auto bad = CheckEventName("request.approve", "events[1]");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("events[1]"), std::string::npos);
  EXPECT_NE(bad.error().message.find("request.approved"), std::string::npos);
  EXPECT_TRUE(CheckFormat("teams", "format").has_value());
  EXPECT_FALSE(CheckFormat("discord", "format").has_value());
}

class NotificationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqlite(dir_.File("signet.db"));
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    project_ = store::testing::MakeProject("default");
    auto tx = store_->BeginWrite();
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE((*tx)->InsertProject(project_).has_value());
    user_ = store::testing::MakeUser("bob@example.com");
    ASSERT_TRUE((*tx)->InsertUser(user_).has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
    n_ = Make();
  }

  std::unique_ptr<Notifications> Make() {
    auto t = std::make_unique<FakeTransport>();
    transports_.push_back(t.get());
    NotificationOptions o;
    o.public_url = "https://signet.example.com";
    o.max_attempts = 3;
    o.retry_base = 30s;
    o.retry_max = 45s;
    return std::make_unique<Notifications>(*store_, clock_, SecretBytes(Bytes(32, 9)), std::move(t),
                                           o);
  }

  domain::NotificationWebhook AddWebhook(const std::string& secret,
                                         std::vector<std::string> events = {},
                                         const std::string& format = "signet") {
    domain::NotificationWebhook w;
    w.id = NewUuid();
    w.project_id = project_.id;
    w.name = "hook-" + w.id.substr(0, 8);
    w.url = "https://hooks.example.com/" + w.id;
    w.format = format;
    w.events = std::move(events);
    if (!secret.empty()) w.secret_sealed = *n_->Seal(w.id, SecretBytes::FromString(secret));
    w.created_at = w.updated_at = clock_.Now();
    auto tx = store_->BeginWrite();
    auto inserted = (*tx)->InsertWebhook(w);
    EXPECT_TRUE(inserted.has_value()) << inserted.error().message;
    EXPECT_TRUE((*tx)->Commit().has_value());
    return w;
  }

  Result<bool> Enqueue(const Event& e) {
    SIGNET_ASSIGN_OR_RETURN(auto tx, store_->BeginWrite());
    SIGNET_ASSIGN_OR_RETURN(bool queued, n_->Enqueue(*tx, e));
    SIGNET_TRY(tx->Commit());
    return queued;
  }

  Event RequestCreated() {
    Event e;
    e.type = std::string(kRequestCreated);
    e.project_id = project_.id;
    e.data = Sample();
    e.data.link.clear();
    e.email_user_ids = {user_.id, user_.id, NewUuid()};  // a duplicate and a missing user
    return e;
  }

  std::vector<domain::NotificationDelivery> Log(const std::string& webhook_id) {
    auto tx = store_->BeginRead();
    return (*tx)->ListDeliveries(webhook_id, store::PageRequest{}).value().items;
  }

  TempDir dir_;
  FakeClock clock_{T()};
  std::unique_ptr<store::Store> store_;
  domain::Project project_;
  domain::User user_;
  std::vector<FakeTransport*> transports_;
  std::unique_ptr<Notifications> n_;
};

TEST_F(NotificationsTest, DeliversSignedWebhookOnlyToSubscribers) {
  const auto all = AddWebhook("whsec-0123456789abcdef");
  const auto other = AddWebhook("whsec-0123456789abcdef", {"request.approved"});
  ASSERT_EQ(Enqueue(RequestCreated()), true);
  EXPECT_EQ(Log(other.id).size(), 0u);
  ASSERT_EQ(n_->DeliverDue(), 1);
  FakeTransport& t = *transports_[0];
  ASSERT_EQ(t.posts.size(), 1u);
  const HttpPost& p = t.posts[0];
  EXPECT_EQ(p.url, all.url);
  const std::string t_unix = std::to_string(ToUnixMillis(clock_.Now()) / 1000);
  EXPECT_EQ(
      HeaderOf(p, "Signet-Signature"),
      SignatureHeader(AsBytes(std::string("whsec-0123456789abcdef")), std::stoll(t_unix), p.body));
  EXPECT_EQ(HeaderOf(p, "Signet-Event"), "request.created");
  auto body = api::ParseJson(p.body);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->as_object().at("data").as_object().at("link").as_string(),
            "https://signet.example.com/approvals/" + Sample().request_id);
  EXPECT_EQ(HeaderOf(p, "Signet-Event-Id"), body->as_object().at("id").as_string());
  auto log = Log(all.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, "delivered");
  EXPECT_EQ(log[0].attempts, 1);
  EXPECT_EQ(log[0].last_status_code, 204);
  EXPECT_EQ(n_->DeliverDue(), 0) << "nothing is sent twice";
}

TEST_F(NotificationsTest, NoEmailWithoutSmtpAndOnePerUserWithIt) {
  ASSERT_EQ(Enqueue(RequestCreated()), true);
  ASSERT_EQ(n_->DeliverDue(), 0);
  {
    auto tx = store_->BeginWrite();
    SmtpSettings s;
    s.host = "127.0.0.1";
    s.port = 2525;
    s.security = "none";
    s.username = "signet";
    s.password_sealed = *n_->Seal("smtp", SecretBytes::FromString("smtp pw"));
    s.from = "Signet <signet@example.com>";
    ASSERT_TRUE(SaveSmtpSettings(**tx, s).has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  ASSERT_EQ(Enqueue(RequestCreated()), true);
  ASSERT_EQ(n_->DeliverDue(), 1);
  FakeTransport& t = *transports_[0];
  ASSERT_EQ(t.mails.size(), 1u);
  EXPECT_EQ(t.mails[0].to, "bob@example.com");
  EXPECT_EQ(t.mails[0].from, "signet@example.com");
  EXPECT_EQ(t.passwords[0], "smtp pw");
  EXPECT_NE(t.mails[0].message.find("Subject: [Signet] alice@example.com asks to sign"),
            std::string::npos);
}

TEST_F(NotificationsTest, RetriesWithExponentialBackoffThenFails) {
  const auto w = AddWebhook("whsec-0123456789abcdef");
  transports_[0]->fail_first = 100;
  ASSERT_EQ(Enqueue(RequestCreated()), true);
  ASSERT_EQ(n_->DeliverDue(), 1);
  auto log = Log(w.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, "pending");
  EXPECT_EQ(log[0].attempts, 1);
  EXPECT_EQ(log[0].last_status_code, 503);
  EXPECT_EQ(log[0].next_attempt_at, clock_.Now() + 30s);
  clock_.Advance(29s);
  ASSERT_EQ(n_->DeliverDue(), 0) << "not before the backoff";
  clock_.Advance(1s);
  ASSERT_EQ(n_->DeliverDue(), 1);
  log = Log(w.id);
  EXPECT_EQ(log[0].attempts, 2);
  EXPECT_EQ(log[0].next_attempt_at, clock_.Now() + 45s) << "doubled, capped at retry_max";
  clock_.Advance(45s);
  ASSERT_EQ(n_->DeliverDue(), 1);
  log = Log(w.id);
  EXPECT_EQ(log[0].status, "failed");
  EXPECT_EQ(log[0].attempts, 3);
  clock_.Advance(1h);
  EXPECT_EQ(n_->DeliverDue(), 0);
  EXPECT_EQ(transports_[0]->posts.size(), 3u);
  // Every attempt carries the same event id (receivers de-duplicate on it).
  EXPECT_EQ(transports_[0]->posts[0].body, transports_[0]->posts[2].body);
}

TEST_F(NotificationsTest, DedupKeyQueuesOnce) {
  AddWebhook("whsec-0123456789abcdef");
  Event e = RequestCreated();
  e.type = std::string(kRequestExpired);
  e.dedup_key = "request.expired:x";
  ASSERT_EQ(Enqueue(e), true);
  ASSERT_EQ(Enqueue(e), false);
  ASSERT_EQ(n_->DeliverDue(), 1);
}

TEST_F(NotificationsTest, TwoNodesSendEachDeliveryOnce) {
  AddWebhook("whsec-0123456789abcdef");
  AddWebhook("", {}, "slack");
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Enqueue(RequestCreated()), true);
  auto second = Make();
  std::thread a([&] { ASSERT_TRUE(n_->DeliverDue().has_value()); });
  std::thread b([&] { ASSERT_TRUE(second->DeliverDue().has_value()); });
  a.join();
  b.join();
  std::set<std::string> seen;
  std::size_t total = 0;
  for (auto* t : transports_) {
    for (const auto& p : t->posts) {
      ++total;
      seen.insert(HeaderOf(p, "Signet-Delivery"));
    }
  }
  EXPECT_EQ(total, 20u);
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(NotificationsTest, WebhookUrlsMustBeHttpsExceptLoopback) {
  EXPECT_TRUE(n_->CheckWebhookUrl("https://hooks.slack.com/services/T/B/X", "url").has_value());
  EXPECT_TRUE(n_->CheckWebhookUrl("http://127.0.0.1:9000/hook", "url").has_value());
  EXPECT_TRUE(n_->CheckWebhookUrl("http://localhost/hook", "url").has_value());
  for (const char* bad : {"http://example.com/hook", "ftp://x/y", "https://user:pw@x/y",
                          "https:///nohost", "https://x/a b"}) {
    auto s = n_->CheckWebhookUrl(bad, "url");
    EXPECT_FALSE(s.has_value()) << bad;
    if (!s) {
      EXPECT_EQ(s.error().message.rfind("url ", 0), 0u) << s.error().message;
    }
  }
}

TEST_F(NotificationsTest, SecretsAreSealedAndBoundToTheirOwner) {
  const auto w = AddWebhook("whsec-0123456789abcdef");
  const std::string sealed(reinterpret_cast<const char*>(w.secret_sealed.data()),
                           w.secret_sealed.size());
  EXPECT_EQ(sealed.find("whsec"), std::string::npos);
  // A sealed secret copied to another webhook does not open there: no signature is made.
  domain::NotificationWebhook copy = AddWebhook("");
  copy.secret_sealed = w.secret_sealed;
  {
    auto tx = store_->BeginWrite();
    ASSERT_TRUE((*tx)->UpdateWebhook(copy).has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  ASSERT_EQ(Enqueue(RequestCreated()), true);
  ASSERT_EQ(n_->DeliverDue(), 2);
  EXPECT_EQ(transports_[0]->posts.size(), 1u);
  auto log = Log(copy.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].last_error.find("cannot be opened"), std::string::npos) << log[0].last_error;
}

// libcurl is loaded by the first attempt (transport_curl.cc), not linked: the library Debian
// installs is used, and a library that cannot be loaded, or is not libcurl, fails each attempt
// with a message naming it.
TEST(CurlTransportTest, LoadsLibcurlOnFirstUseAndNamesALibraryItCannotUse) {
  const HttpPost post{"http://127.0.0.1:1/hook", {{"Content-Type", "application/json"}}, "{}"};
  const SendOutcome refused = MakeCurlTransport(std::chrono::seconds(5))->Post(post);
  EXPECT_FALSE(refused.ok);
  EXPECT_FALSE(refused.status_code.has_value());
  EXPECT_NE(refused.error.find("127.0.0.1"), std::string::npos) << refused.error;  // libcurl's

  const SendOutcome wrong = MakeCurlTransport(std::chrono::seconds(5), "libc.so.6")->Post(post);
  EXPECT_FALSE(wrong.ok);
  EXPECT_NE(wrong.error.find("cannot use libc.so.6: "), std::string::npos) << wrong.error;
  EXPECT_NE(wrong.error.find("curl_global_init"), std::string::npos) << wrong.error;

  auto missing = MakeCurlTransport(std::chrono::seconds(5), "libcurl-no-such.so.4");
  for (int attempt = 0; attempt < 2; ++attempt) {  // the failure is kept, not retried silently
    const SendOutcome out = missing->SendMail(SmtpSettings{}, SecretBytes{}, MailMessage{});
    EXPECT_FALSE(out.ok);
    EXPECT_NE(out.error.find("cannot load libcurl-no-such.so.4, which sends notifications: "),
              std::string::npos)
        << out.error;
  }
}

}  // namespace
}  // namespace signet::notify
