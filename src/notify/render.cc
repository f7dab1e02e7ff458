#include "notify/render.h"

#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/json_writer.h"
#include "crypto/mac.h"

namespace signet::notify {
namespace {

using Facts = std::vector<std::pair<std::string, std::string>>;

std::string Who(const EventData& d) {
  return d.requester_name.empty() ? d.requester_id : d.requester_name;
}

std::string StepText(const EventData& d) {
  std::string s = "step " + std::to_string(d.step);
  if (d.steps > 0) s += " of " + std::to_string(d.steps);
  if (!d.step_name.empty()) s += " (" + d.step_name + ")";
  return s;
}

// The facts shown under the summary in chat messages and e-mails, in this order.
Facts FactsOf(std::string_view type, const EventData& d) {
  Facts f;
  auto add = [&f](std::string name, std::string value) {
    if (!value.empty()) f.emplace_back(std::move(name), std::move(value));
  };
  add("Signer", d.signer_name);
  add("Requester", Who(d));
  add("Justification", d.justification);
  if (d.step > 0) add("Waiting for", StepText(d));
  if (d.requested_signings) add("Signings", std::to_string(*d.requested_signings));
  add(type == kRequestCancelled ? "Cancelled by" : "Decided by", d.actor_name);
  add("Comment", d.comment);
  add("Status", d.status);
  if (d.remaining_signings) add("Signings left", std::to_string(*d.remaining_signings));
  add("Certificate", d.certificate_name);
  if (d.days_left) add("Days left", std::to_string(*d.days_left));
  if (d.expires_at)
    add(type == kRequestCreated ? "Expires if undecided" : "Ends", FormatTime(*d.expires_at));
  add("Request", d.request_id);
  add("Grant", d.grant_id);
  return f;
}

std::string Array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i > 0 ? "," : "") + items[i];
  return out + "]";
}

// Slack's mrkdwn: &, < and > are its control characters.
std::string SlackEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Header values never carry a line break (no header injection from a justification).
std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// RFC 2047 for non-ASCII header text.
std::string HeaderText(std::string_view s) {
  std::string line = OneLine(s);
  if (IsAscii(line)) return line;
  return "=?UTF-8?B?" + Base64Encode(AsBytes(line)) + "?=";
}

// Base64 in lines of 76 characters, CRLF-terminated.
std::string Base64Lines(std::string_view text) {
  const std::string b64 = Base64Encode(AsBytes(text));
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

std::string Action(std::string_view type) {
  if (type == kRequestCreated || type == kRequestStepAdvanced) return "Review the request";
  if (type == kGrantExpiring) return "Open grants";
  if (type == kCertificateExpiring) return "Open certificates";
  return "Open the request";
}

}  // namespace

const std::vector<std::string>& EventNames() {
  static const std::vector<std::string> names = {
      std::string(kRequestCreated),   std::string(kRequestStepAdvanced),
      std::string(kRequestApproved),  std::string(kRequestRejected),
      std::string(kRequestCancelled), std::string(kRequestExpired),
      std::string(kGrantExpiring),    std::string(kCertificateExpiring)};
  return names;
}

Status CheckEventName(std::string_view name, std::string_view field) {
  for (const auto& n : EventNames()) {
    if (n == name) return Ok();
  }
  std::string all;
  for (const auto& n : EventNames()) all += (all.empty() ? "" : ", ") + n;
  return InvalidArgument(std::string(field) + ": '" + std::string(name) +
                         "' is not an event; use one of " + all);
}

Status CheckFormat(std::string_view format, std::string_view field) {
  if (format == kFormatSignet || format == kFormatSlack || format == kFormatTeams) return Ok();
  return InvalidArgument(std::string(field) + " '" + std::string(format) +
                         "' is not one of signet, slack, teams");
}

std::string Summary(std::string_view type, const EventData& d) {
  const std::string signer = d.signer_name.empty() ? d.signer_id : d.signer_name;
  if (type == kRequestCreated) {
    return Who(d) + " asks to sign with " + signer + "; " + StepText(d) + " needs approval";
  }
  if (type == kRequestStepAdvanced) {
    return Who(d) + "'s request to sign with " + signer + " moved on: " + StepText(d) +
           " needs approval";
  }
  if (type == kRequestApproved) return Who(d) + " may now sign with " + signer + " (approved)";
  if (type == kRequestRejected) {
    return Who(d) + "'s request to sign with " + signer + " was rejected" +
           (d.actor_name.empty() ? "" : " by " + d.actor_name);
  }
  if (type == kRequestCancelled) {
    return Who(d) + "'s request to sign with " + signer + " was cancelled" +
           (d.actor_name.empty() ? "" : " by " + d.actor_name);
  }
  if (type == kRequestExpired) {
    return Who(d) + "'s request to sign with " + signer + " expired without a decision";
  }
  if (type == kGrantExpiring) {
    std::string s = Who(d) + "'s grant on " + signer + " runs out soon";
    if (d.remaining_signings) s += ": " + std::to_string(*d.remaining_signings) + " signings left";
    if (d.expires_at)
      s += (d.remaining_signings ? ", " : ": ") + std::string("ends ") + FormatTime(*d.expires_at);
    return s;
  }
  if (type == kCertificateExpiring) {
    return "Certificate " + d.certificate_name + " expires in " +
           std::to_string(d.days_left.value_or(0)) + " days" +
           (d.expires_at ? " (" + FormatTime(*d.expires_at) + ")" : "");
  }
  if (type == kWebhookTest) return "Test notification from Signet";
  return std::string(type);
}

std::string SignetPayload(std::string_view event_id, std::string_view type, TimePoint time,
                          const EventData& d) {
  JsonWriter data;
  auto add = [&data](const char* key, const std::string& v) {
    if (!v.empty()) data.Add(key, v);
  };
  add("requestId", d.request_id);
  add("signerId", d.signer_id);
  add("signerName", d.signer_name);
  if (!d.requester_id.empty()) {
    data.AddRaw("requester", JsonWriter()
                                 .Add("type", d.requester_type)
                                 .Add("id", d.requester_id)
                                 .Add("name", d.requester_name)
                                 .Finish());
  }
  add("justification", d.justification);
  if (d.step > 0) data.Add("step", d.step);
  if (d.steps > 0) data.Add("steps", d.steps);
  add("stepName", d.step_name);
  add("actor", d.actor_name);
  add("comment", d.comment);
  add("status", d.status);
  if (d.requested_signings) data.Add("requestedSignings", *d.requested_signings);
  add("grantId", d.grant_id);
  if (d.remaining_signings) data.Add("remainingSignings", *d.remaining_signings);
  if (d.expires_at) data.Add("expiresAt", FormatTime(*d.expires_at));
  add("certificateId", d.certificate_id);
  add("certificateName", d.certificate_name);
  if (d.days_left) data.Add("daysLeft", *d.days_left);
  add("link", d.link);
  data.Add("summary", Summary(type, d));
  return JsonWriter()
      .Add("event", type)
      .Add("id", event_id)
      .Add("time", FormatTime(time))
      .AddRaw("data", data.Finish())
      .Finish();
}

std::string SlackPayload(std::string_view type, const EventData& d) {
  const std::string summary = Summary(type, d);
  std::string body = "*" + SlackEscape(summary) + "*";
  for (const auto& [name, value] : FactsOf(type, d)) {
    if (name == "Request" || name == "Grant") continue;
    body += "\n*" + name + ":* " + SlackEscape(value);
  }
  if (!d.link.empty()) body += "\n<" + d.link + "|" + Action(type) + ">";
  const std::string section =
      JsonWriter()
          .Add("type", "section")
          .AddRaw("text", JsonWriter().Add("type", "mrkdwn").Add("text", body).Finish())
          .Finish();
  const std::string context =
      JsonWriter()
          .Add("type", "context")
          .AddRaw("elements", Array({JsonWriter()
                                         .Add("type", "mrkdwn")
                                         .Add("text", "Signet · " + std::string(type))
                                         .Finish()}))
          .Finish();
  return JsonWriter()
      .Add("text", summary + (d.link.empty() ? "" : " " + d.link))
      .AddRaw("blocks", Array({section, context}))
      .Finish();
}

std::string TeamsPayload(std::string_view type, const EventData& d) {
  std::vector<std::string> facts;
  for (const auto& [name, value] : FactsOf(type, d)) {
    facts.push_back(JsonWriter().Add("title", name).Add("value", value).Finish());
  }
  std::vector<std::string> body = {
      JsonWriter()
          .Add("type", "TextBlock")
          .Add("text", Summary(type, d))
          .Add("weight", "Bolder")
          .Add("size", "Medium")
          .Add("wrap", true)
          .Finish(),
      JsonWriter().Add("type", "FactSet").AddRaw("facts", Array(facts)).Finish()};
  JsonWriter card;
  card.Add("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
      .Add("type", "AdaptiveCard")
      .Add("version", "1.4")
      .AddRaw("body", Array(body));
  if (!d.link.empty()) {
    card.AddRaw("actions", Array({JsonWriter()
                                      .Add("type", "Action.OpenUrl")
                                      .Add("title", Action(type))
                                      .Add("url", d.link)
                                      .Finish()}));
  }
  const std::string attachment = JsonWriter()
                                     .Add("contentType", "application/vnd.microsoft.card.adaptive")
                                     .AddRaw("contentUrl", "null")
                                     .AddRaw("content", card.Finish())
                                     .Finish();
  return JsonWriter().Add("type", "message").AddRaw("attachments", Array({attachment})).Finish();
}

std::string WebhookPayload(std::string_view format, std::string_view event_id,
                           std::string_view type, TimePoint time, const EventData& d) {
  if (format == kFormatSlack) return SlackPayload(type, d);
  if (format == kFormatTeams) return TeamsPayload(type, d);
  return SignetPayload(event_id, type, time, d);
}

std::string SignatureHeader(ByteView secret, std::int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  const std::string signed_text = t + "." + std::string(body);
  return "t=" + t + ",v1=" + HexEncode(crypto::HmacSha256(secret, AsBytes(signed_text)));
}

Email RenderEmail(std::string_view type, const EventData& d) {
  Email e;
  e.subject = "[Signet] " + Summary(type, d);
  const Facts facts = FactsOf(type, d);
  std::string intro;
  if (type == kRequestCreated || type == kRequestStepAdvanced) {
    intro = "You are an approver of " + StepText(d) + " of this request.";
  } else if (type == kRequestApproved) {
    intro = "The request is approved: the grant is ready to use.";
  } else if (type == kGrantExpiring) {
    intro = "Ask for access again if you need more.";
  } else if (type == kCertificateExpiring) {
    intro = "Signers on this certificate stop signing when it expires: issue or import a new one.";
  }
  e.text = Summary(type, d) + "\r\n\r\n";
  if (!intro.empty()) e.text += intro + "\r\n\r\n";
  for (const auto& [name, value] : facts) e.text += name + ": " + OneLine(value) + "\r\n";
  if (!d.link.empty()) e.text += "\r\n" + Action(type) + ": " + d.link + "\r\n";
  e.text +=
      "\r\n-- \r\nSent by Signet. You get this e-mail because of your role in this "
      "request or project.\r\n";

  e.html = "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">";
  e.html += "<p><strong>" + HtmlEscape(Summary(type, d)) + "</strong></p>";
  if (!intro.empty()) e.html += "<p>" + HtmlEscape(intro) + "</p>";
  e.html += "<table>";
  for (const auto& [name, value] : facts) {
    e.html += "<tr><th align=\"left\">" + HtmlEscape(name) + "</th><td>" + HtmlEscape(value) +
              "</td></tr>";
  }
  e.html += "</table>";
  if (!d.link.empty()) {
    e.html += "<p><a href=\"" + HtmlEscape(d.link) + "\">" + HtmlEscape(Action(type)) + "</a></p>";
  }
  e.html += "<p style=\"color:#666\">Sent by Signet.</p></body></html>";
  return e;
}

std::string AddressOf(std::string_view mailbox) {
  const auto open = mailbox.rfind('<');
  const auto close = mailbox.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(mailbox.substr(open + 1, close - open - 1));
  }
  std::string out(mailbox);
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string MimeMessage(std::string_view from, std::string_view to, const Email& email,
                        TimePoint date, std::string_view message_id) {
  const std::string boundary = "signet-" + std::string(message_id.substr(0, 16));
  const std::time_t t = std::chrono::system_clock::to_time_t(date);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date_text[64];
  std::strftime(date_text, sizeof date_text, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  const std::string domain = [&] {
    const std::string address = AddressOf(from);
    const auto at = address.find('@');
    return at == std::string::npos ? std::string("signet") : address.substr(at + 1);
  }();
  std::string m;
  m += "From: " + OneLine(from) + "\r\n";
  m += "To: " + OneLine(to) + "\r\n";
  m += "Subject: " + HeaderText(email.subject) + "\r\n";
  m += "Date: " + std::string(date_text) + "\r\n";
  m += "Message-ID: <" + std::string(message_id) + "@" + domain + ">\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += Base64Lines(email.text);
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += Base64Lines(email.html);
  m += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace signet::notify
