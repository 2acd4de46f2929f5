#include <touchpoint/mail/mailbox_router.hpp>

#include <touchpoint/core/prospect_import.hpp>

namespace touchpoint::mail {

void MailboxRouter::add(const std::string& owner_email, std::unique_ptr<core::MailTransport> transport) {
  by_owner_[core::lower_ascii(owner_email)] = std::move(transport);
}

core::SendOutcome MailboxRouter::send(const core::OutgoingMessage& message) {
  auto it = by_owner_.find(core::lower_ascii(message.from_email));
  if (it == by_owner_.end())
    return {core::SendStatus::transient, "no mailbox configured for " + message.from_email};
  return it->second->send(message);
}

}  // namespace touchpoint::mail
