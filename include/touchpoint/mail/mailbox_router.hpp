#pragma once
// Sends each message through its sender's own mailbox (one per rep, DESIGN.md §6).

#include <map>
#include <memory>
#include <string>

#include <touchpoint/core/ports.hpp>

namespace touchpoint::mail {

class MailboxRouter final : public core::MailTransport {
 public:
  // Adds the transport of the rep whose address is `owner_email` (matched ignoring ASCII case).
  void add(const std::string& owner_email, std::unique_ptr<core::MailTransport> transport);

  // Hands the message to its sender's transport. A sender with no mailbox gets `transient`
  // ("no mailbox configured for ..."): a configuration gap, retried with backoff once fixed,
  // never a bounce. Thread-safe when the transports are and no add() runs concurrently.
  core::SendOutcome send(const core::OutgoingMessage& message) override;
  // Hands each run of consecutive messages from one sender to that sender's transport.
  void send_batch(std::span<const core::OutgoingMessage> messages, const BatchDone& done) override;

 private:
  core::MailTransport* transport_of(const std::string& from_email) const;

  std::map<std::string, std::unique_ptr<core::MailTransport>> by_owner_;
};

}  // namespace touchpoint::mail
