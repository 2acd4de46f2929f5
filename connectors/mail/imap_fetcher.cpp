#include <touchpoint/mail/imap_fetcher.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <vmime/net/imap/IMAPFolder.hpp>
#include <vmime/security/cert/certificateException.hpp>
#include <vmime/security/cert/defaultCertificateVerifier.hpp>
#include <vmime/vmime.hpp>

#include "nodelay_socket.hpp"
#include "vmime_platform.hpp"
#include "vmime_support.hpp"

namespace touchpoint::mail {
namespace {

using detail::describe;
using detail::load_certificates;
using detail::one_line;
using detail::without_secret;

std::uint32_t parse_uid(const std::string& text) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw std::runtime_error("unexpected UID from server: " + text);
  return value;
}

// Gives up once nothing has been received or sent for `limit`.
class DeadlineTimeoutHandler final : public vmime::net::timeoutHandler {
 public:
  explicit DeadlineTimeoutHandler(std::chrono::seconds limit) : limit_(limit) {}
  bool isTimeOut() override { return std::chrono::steady_clock::now() - start_ >= limit_; }
  void resetTimeOut() override { start_ = std::chrono::steady_clock::now(); }
  bool handleTimeOut() override { return false; }

 private:
  std::chrono::seconds limit_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class DeadlineTimeoutHandlerFactory final : public vmime::net::timeoutHandlerFactory {
 public:
  explicit DeadlineTimeoutHandlerFactory(std::chrono::seconds limit) : limit_(limit) {}
  vmime::shared_ptr<vmime::net::timeoutHandler> create() override {
    return vmime::make_shared<DeadlineTimeoutHandler>(limit_);
  }

 private:
  std::chrono::seconds limit_;
};

// "INBOX", "Archive/2026": components split on '/'; vmime uses the server's own separator.
vmime::net::folder::path folder_path(const std::string& name) {
  vmime::net::folder::path path;
  std::size_t begin = 0;
  while (begin <= name.size()) {
    const std::size_t slash = std::min(name.find('/', begin), name.size());
    if (slash > begin)
      path /= vmime::net::folder::path::component(name.substr(begin, slash - begin));
    begin = slash + 1;
  }
  return path;
}

}  // namespace

ImapFetcher::ImapFetcher(ImapSettings settings) : settings_(std::move(settings)) {}

FetchResult ImapFetcher::fetch_since(std::uint32_t uid_validity_known, std::uint32_t last_uid,
                                     std::size_t max_messages) const {
  FetchResult result;
  vmime::shared_ptr<vmime::net::store> store;
  vmime::shared_ptr<vmime::net::folder> folder;
  try {
    detail::ensure_vmime_platform();
    auto session = vmime::net::session::create();
    const bool implicit = settings_.tls == ImapSettings::Tls::implicit;
    store = session->getStore(implicit ? "imaps" : "imap");
    store->setProperty("server.address", settings_.host);
    store->setProperty("server.port", static_cast<vmime::port_t>(settings_.port));
    const bool starttls = settings_.tls == ImapSettings::Tls::starttls;
    store->setProperty("connection.tls", starttls);
    store->setProperty("connection.tls.required", starttls);
    store->setProperty("options.need-authentication", true);
    // The IMAP LOGIN command, not SASL: vmime tries every SASL mechanism in turn and a server
    // with per-IP failure penalties (Dovecot) then takes many seconds to report a bad password.
    store->setProperty("options.sasl", false);
    store->setProperty("auth.username", settings_.username);
    store->setProperty("auth.password", settings_.password);
    store->setSocketFactory(
        vmime::make_shared<detail::NoDelaySocketFactory>(detail::TcpNoDelay::on));
    store->setTimeoutHandlerFactory(vmime::make_shared<DeadlineTimeoutHandlerFactory>(
        std::chrono::seconds(std::max(1, settings_.timeout_seconds))));
    if (settings_.tls != ImapSettings::Tls::none) {
      auto verifier = vmime::make_shared<vmime::security::cert::defaultCertificateVerifier>();
      verifier->setX509RootCAs(
          load_certificates(settings_.ca_file ? *settings_.ca_file : detail::kSystemCaBundle));
      store->setCertificateVerifier(verifier);
    }
    store->connect();

    folder = store->getFolder(folder_path(settings_.folder));
    folder->open(vmime::net::folder::MODE_READ_ONLY);  // EXAMINE: no flag changes
    auto imap_folder = vmime::dynamicCast<vmime::net::imap::IMAPFolder>(folder);
    if (!imap_folder) throw std::runtime_error("not an IMAP folder");
    result.uid_validity = static_cast<std::uint32_t>(imap_folder->getUIDValidity());
    if (result.uid_validity != uid_validity_known) last_uid = 0;

    if (max_messages > 0 && last_uid < UINT32_MAX && folder->getMessageCount() > 0) {
      // "UID FETCH n:*" also answers with the highest UID when it is below n: filter.
      auto messages =
          folder->getMessages(vmime::net::messageSet::byUID(std::to_string(last_uid + 1), "*"));
      std::vector<std::pair<std::uint32_t, vmime::shared_ptr<vmime::net::message>>> wanted;
      for (auto& message : messages) {
        const std::uint32_t uid = parse_uid(message->getUID());
        if (uid > last_uid) wanted.emplace_back(uid, message);
      }
      std::sort(wanted.begin(), wanted.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      if (wanted.size() > max_messages) wanted.resize(max_messages);
      for (auto& [uid, message] : wanted) {
        FetchedMessage fetched{uid, {}};
        vmime::utility::outputStreamStringAdapter out(fetched.raw);
        message->extract(out, nullptr, 0, static_cast<std::size_t>(-1), /*peek=*/true);
        out.flush();
        result.messages.push_back(std::move(fetched));
      }
    }
  } catch (const vmime::exceptions::authentication_error& e) {
    result.error = "auth: " + one_line(e.response());
  } catch (const vmime::exceptions::authentication_exception& e) {
    result.error = "auth: " + describe(e);
  } catch (const vmime::security::cert::certificateException& e) {
    result.error = "tls: server certificate: " + describe(e);
  } catch (const vmime::exceptions::tls_exception& e) {
    result.error = "tls: " + describe(e);
  } catch (const vmime::exception& e) {
    result.error = "imap " + settings_.host + ": " + describe(e);
  } catch (const std::exception& e) {
    result.error = "imap " + settings_.host + ": " + e.what();
  } catch (...) {
    result.error = "imap " + settings_.host + ": unknown failure";
  }
  if (!result.error.empty()) result.messages.clear();

  try {
    if (folder && folder->isOpen()) folder->close(false);  // false: no EXPUNGE
  } catch (...) {  // closing: nothing useful to do about a failure
  }
  try {
    if (store && store->isConnected()) store->disconnect();
  } catch (...) {
  }
  result.error = without_secret(std::move(result.error), settings_.password);
  return result;
}

}  // namespace touchpoint::mail
