// The arguments for the Outlook add-in (Office.js, Mailbox 1.6): a new message form, or on a
// threaded step a reply form on the earlier message, which Outlook threads and quotes itself.

#include "prepared.hpp"

namespace touchpoint::compose::detail {

Json office_js(const Prepared& m) {
  if (m.threaded()) {
    // Office.context.mailbox.item.displayReplyForm(args): the add-in must have the earlier
    // message open (in read mode); reply_to names it by internetMessageId.
    return {{"method", "displayReplyForm"},
            {"args", {{"htmlBody", m.input.html}}},
            {"reply_to", "<" + m.in_reply_to + ">"}};
  }
  // Office.context.mailbox.displayNewMessageForm(args); recipients as EmailAddressDetails.
  Json recipient = {{"displayName", m.input.to_name.empty() ? m.input.to_email : m.input.to_name},
                    {"emailAddress", m.input.to_email}};
  return {{"method", "displayNewMessageForm"},
          {"args",
           {{"toRecipients", Json::array({recipient})},
            {"subject", m.subject},
            {"htmlBody", m.input.html}}}};
}

}  // namespace touchpoint::compose::detail
