#pragma once
// Ports: the interfaces through which the engine hands work to the outside world. Adapters
// live in connectors/ and are wired in sequencer/app.

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <touchpoint/core/id.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

// One rendered email, ready for MIME building and submission.
struct OutgoingMessage {
  MessageId id;            // the store's row
  std::string message_id;  // RFC 5322 Message-ID without angle brackets: "tp.41.9f3a@x.test"
  Timestamp date{};        // the Date header
  std::string from_name;   // the rep: "Anna Berg"
  std::string from_email;
  std::string to_name;  // the prospect: "Åsa Lindström"
  std::string to_email;
  std::string subject;                  // UTF-8, already "Re: ..." on threaded steps
  std::string html;                     // UTF-8 HTML body, personalized, quoted thread included
  std::string in_reply_to;              // Message-ID replied to, empty when not threaded
  std::vector<std::string> references;  // oldest first, without angle brackets
  std::string unsubscribe_url;          // https://.../u/<token>, empty when not configured
  std::string unsubscribe_mailto;       // mailto:...?subject=unsubscribe, empty when not configured
};

enum class SendStatus {
  sent,       // the server accepted it
  transient,  // try again later (4xx, connection trouble before the content was handed over)
  permanent,  // never retry (5xx): a hard bounce
  unknown,    // the content was handed over and the server's answer was lost (the connection
              // dropped, no reply in time): it may have been accepted, so it is never retried
              // automatically; the rep is shown it (DESIGN.md §6)
};

struct SendOutcome {
  SendStatus status = SendStatus::sent;
  std::string detail;  // the server's reply or the fault, for the event log
};

// Hands messages to a mail system. Implementations say whether they are thread-safe.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // Submits one message; never throws for a delivery failure, which is an outcome.
  virtual SendOutcome send(const OutgoingMessage& message) = 0;

  // Called with a message's index in the batch and its outcome, once for each message.
  using BatchDone = std::function<void(std::size_t index, SendOutcome outcome)>;
  // Submits several messages, in order, reporting each outcome as soon as it is known. A
  // transport that can overlap consecutive messages (SMTP pipelining one message's end with
  // the next one's envelope) overrides this; by default they are sent one at a time.
  virtual void send_batch(std::span<const OutgoingMessage> messages, const BatchDone& done) {
    for (std::size_t i = 0; i < messages.size(); ++i) done(i, send(messages[i]));
  }
};

}  // namespace touchpoint::core
