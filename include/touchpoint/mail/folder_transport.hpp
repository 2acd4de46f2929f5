#pragma once
// A MailTransport that writes each message as an RFC 5322 file into a folder
// (<folder>/<message-id>.eml), for the demo and the tests until real SMTP is configured.

#include <filesystem>

#include <touchpoint/core/ports.hpp>

namespace touchpoint::mail {

class FolderTransport final : public core::MailTransport {
 public:
  // Creates the folder when missing. Throws std::filesystem::filesystem_error when it cannot.
  explicit FolderTransport(std::filesystem::path folder);

  // Writes <message-id>.eml atomically (a temporary file, fsync, rename), so a crash leaves
  // either the whole file or none; the same message id again replaces its file. Returns
  // `transient` on an I/O error, `permanent` when the message id cannot name a file (empty,
  // '/', leading '.') or build_mime refuses the message. Thread-safe.
  core::SendOutcome send(const core::OutgoingMessage& message) override;

 private:
  std::filesystem::path folder_;
};

}  // namespace touchpoint::mail
