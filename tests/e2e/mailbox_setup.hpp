#pragma once
// Set-up shared by the end-to-end tests of inbound mail over IMAP.

#include <filesystem>
#include <string>

#include "cli_fixture.hpp"
#include "imap_server.hpp"
#include "smtp_server.hpp"

namespace touchpoint::testing {

// Writes <dir>/touchpoint.json: the sample reps' mailboxes sending to `smtp`, Anna's also
// reading `imap` (its password in TP_TEST_IMAP_PASSWORD, set here). Returns its path.
std::filesystem::path write_mailbox_config(const CliFixture& cli, const SmtpServer& smtp,
                                           const ImapServer& imap);

// The inbound fixture `name` (in fixtures/inbound/) with its example Message-ID `example`
// replaced by `actual`, one actually sent.
std::string fixture_with(const std::string& name, const std::string& example,
                         const std::string& actual);

}  // namespace touchpoint::testing
