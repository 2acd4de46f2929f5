#include "mailbox_setup.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace touchpoint::testing {

std::filesystem::path write_mailbox_config(const CliFixture& cli, const SmtpServer& smtp,
                                           const ImapServer& imap) {
  ::setenv("TP_TEST_IMAP_PASSWORD", imap.password().c_str(), 1);
  const auto config = cli.dir() / "touchpoint.json";
  std::string mailboxes;
  for (const char* rep :
       {"rep.anna@touchpoint.test", "rep.jisoo@touchpoint.test", "rep.sam@touchpoint.test"}) {
    mailboxes += std::string(mailboxes.empty() ? "" : ",") + R"({"owner": ")" + rep +
                 R"(", "smtp": {"host": "127.0.0.1", "port": )" + std::to_string(smtp.port()) +
                 R"(, "tls": "none"}, "limits": {"per_minute": 1000, "min_spacing_seconds": 0})";
    if (std::string(rep) == "rep.anna@touchpoint.test")
      mailboxes += R"(, "imap": {"host": "127.0.0.1", "port": )" + std::to_string(imap.port()) +
                   R"(, "tls": "none", "username": ")" + imap.username() +
                   R"(", "password_env": "TP_TEST_IMAP_PASSWORD"})";
    mailboxes += "}";
  }
  std::ofstream(config) << R"({"mailboxes": [)" + mailboxes + "]}";
  return config;
}

std::string fixture_with(const std::string& name, const std::string& example,
                         const std::string& actual) {
  std::ifstream in(fixture("inbound/" + name), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  auto text = s.str();
  for (auto at = text.find(example); at != std::string::npos; at = text.find(example, at))
    text.replace(at, example.size(), actual);
  return text;
}

}  // namespace touchpoint::testing
