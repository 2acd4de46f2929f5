#include <touchpoint/mail/mailbox_router.hpp>

#include <touchpoint/core/ascii.hpp>

namespace touchpoint::mail {

void MailboxRouter::add(const std::string& owner_email,
                        std::unique_ptr<core::MailTransport> transport) {
  by_owner_[core::lower_ascii(owner_email)] = std::move(transport);
}

core::MailTransport* MailboxRouter::transport_of(const std::string& from_email) const {
  auto it = by_owner_.find(core::lower_ascii(from_email));
  return it == by_owner_.end() ? nullptr : it->second.get();
}

namespace {
core::SendOutcome no_mailbox(const std::string& from_email) {
  return {core::SendStatus::transient, "no mailbox configured for " + from_email};
}
}  // namespace

core::SendOutcome MailboxRouter::send(const core::OutgoingMessage& message) {
  auto* transport = transport_of(message.from_email);
  return transport ? transport->send(message) : no_mailbox(message.from_email);
}

void MailboxRouter::send_batch(std::span<const core::OutgoingMessage> messages,
                               const BatchDone& done) {
  for (std::size_t first = 0; first < messages.size();) {
    const std::string& from = messages[first].from_email;
    const std::string owner = core::lower_ascii(from);
    std::size_t end = first + 1;
    while (end < messages.size() && core::lower_ascii(messages[end].from_email) == owner) ++end;
    if (auto* transport = transport_of(from)) {
      transport->send_batch(
          messages.subspan(first, end - first),
          [&](std::size_t i, core::SendOutcome outcome) { done(first + i, std::move(outcome)); });
    } else {
      for (std::size_t i = first; i < end; ++i) done(i, no_mailbox(from));
    }
    first = end;
  }
}

}  // namespace touchpoint::mail
