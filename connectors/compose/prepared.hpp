#pragma once
// Inside the compose connector: the message every target is built from, checked once.

#include <string>
#include <vector>

#include <touchpoint/compose/compose.hpp>

namespace touchpoint::compose::detail {

struct Prepared {
  const ComposeInput& input;
  std::string subject;                  // one line; "Re: ..." on threaded steps
  std::string text;                     // the HTML as plain text, "\n" line ends
  std::string in_reply_to;              // the earlier message's id; empty when not threaded
  std::vector<std::string> references;  // the reply's References, oldest first
  std::string gmail_thread_id;
  std::string graph_message_id;

  bool threaded() const { return !in_reply_to.empty(); }
};

// links.cpp
std::string gmail_url(const Prepared& m);
std::string outlook_url(const Prepared& m, Client client);  // outlook or outlook_live
std::string mailto_url(const Prepared& m);

// gmail.cpp, graph.cpp, office_js.cpp
Json gmail_draft(const Prepared& m);
Json graph_request(const Prepared& m);
Json office_js(const Prepared& m);

// The draft's own Message-ID: "tp.task.<task>.<hash of the content>@<rep's domain>".
std::string draft_message_id(const Prepared& m);

}  // namespace touchpoint::compose::detail
