#pragma once
// What receivers get, as pure functions of an event (docs/notifications.md): Signet's JSON
// body and its signature header, Slack's and Microsoft Teams' incoming-webhook messages, and
// the e-mail (plain text and HTML). Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/clock.h"
#include "notify/notifier.h"

namespace signet::notify {

// One line that says what happened, e.g. "alice@example.com asks to sign with release-signer".
std::string Summary(std::string_view type, const EventData& d);

// {"event":"request.created","id":"<event id>","time":"<RFC 3339>","data":{…}}
std::string SignetPayload(std::string_view event_id, std::string_view type, TimePoint time,
                          const EventData& d);
// Slack incoming webhook: {"text": fallback, "blocks": [section (mrkdwn), context]}.
std::string SlackPayload(std::string_view type, const EventData& d);
// Teams incoming webhook / Workflows: {"type":"message","attachments":[Adaptive Card]}.
std::string TeamsPayload(std::string_view type, const EventData& d);
// The body for a webhook of `format` (kFormatSignet, kFormatSlack, kFormatTeams).
std::string WebhookPayload(std::string_view format, std::string_view event_id,
                           std::string_view type, TimePoint time, const EventData& d);

// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>"
std::string SignatureHeader(ByteView secret, std::int64_t unix_seconds, std::string_view body);

struct Email {
  std::string subject;
  std::string text;
  std::string html;
};
Email RenderEmail(std::string_view type, const EventData& d);
// A complete RFC 5322 message: From, To, Subject (RFC 2047 when not ASCII), Date,
// Message-ID, MIME-Version and a multipart/alternative body (text/plain, then text/html),
// both quoted-printable, lines ending CRLF.
std::string MimeMessage(std::string_view from, std::string_view to, const Email& email,
                        TimePoint date, std::string_view message_id);

// The bare address of "Name <a@b>" or "a@b".
std::string AddressOf(std::string_view mailbox);

}  // namespace signet::notify
