#include "imap_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;

namespace touchpoint::testing {
namespace {

constexpr const char* kDovecot = "/usr/sbin/dovecot";

// A loopback port nothing listens on: bound, then released for Dovecot to take.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// True once the server greets a client ("* OK"): Dovecot sends the greeting only when its auth
// process is ready (a client that leaves before that can hold up its shutdown for seconds).
bool greets(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval timeout{};
  timeout.tv_sec = 2;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string greeting;
    char buffer[256];
    while (greeting.find('\n') == std::string::npos) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      greeting.append(buffer, static_cast<std::size_t>(n));
    }
    ok = greeting.starts_with("* OK");
    if (ok) {
      const std::string logout = "a LOGOUT\r\n";
      ::send(fd, logout.data(), logout.size(), MSG_NOSIGNAL);
    }
  }
  ::close(fd);
  return ok;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

void chown_path(const fs::path& path, uid_t uid, gid_t gid) {
  if (::geteuid() != 0) return;
  if (::chown(path.c_str(), uid, gid) != 0)
    throw std::runtime_error("cannot chown " + path.string());
}

}  // namespace

ImapServer::ImapServer(std::string username, std::string password, Idle idle,
                       std::optional<Certificate> certificate)
    : username_(std::move(username)), password_(std::move(password)) {
  std::random_device rd;
  dir_ = fs::temp_directory_path() / ("touchpoint-imap-" + std::to_string(rd()));
  fs::create_directories(dir_);
  // Dovecot's unprivileged processes must reach the files below.
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);

  // The account Dovecot runs the user's mail process, and its own helpers, as.
  std::string system_user;
  if (::geteuid() == 0) {
    const passwd* nobody = ::getpwnam("nobody");
    if (nobody == nullptr) throw std::runtime_error("no 'nobody' user");
    mail_uid_ = nobody->pw_uid;
    mail_gid_ = nobody->pw_gid;
    system_user = "nobody";
  } else {
    mail_uid_ = ::getuid();
    mail_gid_ = ::getgid();
    const passwd* me = ::getpwuid(mail_uid_);
    if (me == nullptr) throw std::runtime_error("the current user has no name");
    system_user = me->pw_name;
  }

  const fs::path home = dir_ / "home";
  maildir_ = home / "Maildir";
  for (const auto& d : {home, maildir_, maildir_ / "new", maildir_ / "cur", maildir_ / "tmp"}) {
    fs::create_directories(d);
    chown_path(d, mail_uid_, mail_gid_);
  }
  for (const auto* d : {"run", "state"}) fs::create_directories(dir_ / d);

  write_file(dir_ / "passwd", username_ + ":{PLAIN}" + password_ + ":" + std::to_string(mail_uid_) +
                                  ":" + std::to_string(mail_gid_) + "::" + home.string() + "::\n");
  port_ = free_port();
  while (certificate && (tls_port_ == 0 || tls_port_ == port_)) tls_port_ = free_port();
  const std::string d = dir_.string();
  std::ostringstream conf;
  conf << "protocols = imap\n"
       << "listen = 127.0.0.1\n"
       << "base_dir = " << d << "/run\n"
       << "state_dir = " << d << "/state\n"
       << "log_path = " << d << "/dovecot.log\n"
       << (certificate ? "ssl = yes\nssl_cert = <" + certificate->cert.string() + "\nssl_key = <" +
                             certificate->key.string() + "\n"
                       : std::string("ssl = no\n"))
       << "disable_plaintext_auth = no\n"
       << "auth_mechanisms = plain login\n"
       // Dovecot delays a failed login by 2 s by default: not in tests.
       << "auth_failure_delay = 0\n"
       << "first_valid_uid = " << mail_uid_ << "\n"
       << "last_valid_uid = " << mail_uid_ << "\n"
       << "first_valid_gid = 0\n"
       << "default_internal_user = " << system_user << "\n"
       << "default_login_user = " << system_user << "\n"
       << "mail_location = maildir:~/Maildir\n"
       // IDLE notices new mail through inotify; without it, this is how often it looks.
       << "mailbox_idle_check_interval = 1 secs\n"
       << (idle == Idle::offered ? ""
                                 : "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS "
                                   "ID ENABLE NAMESPACE UIDPLUS UNSELECT CHILDREN\n")
       << "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u " << d
       << "/passwd\n}\n"
       << "userdb {\n  driver = passwd-file\n  args = username_format=%u " << d
       << "/passwd\n}\n"
       // Chroots need root: without it the login process stays unchrooted.
       << "service imap-login {\n"
       << (::geteuid() == 0 ? "" : "  chroot =\n")
       << "  inet_listener imap {\n    address = 127.0.0.1\n    port = " << port_
       << "\n  }\n  inet_listener imaps {\n    address = 127.0.0.1\n    port = " << tls_port_
       << "\n  }\n}\n"
       << "service anvil {\n  chroot =\n}\n";
  write_file(dir_ / "dovecot.conf", conf.str());

  std::vector<std::string> args = {kDovecot, "-F", "-c", (dir_ / "dovecot.conf").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    pid_ = -1;
    fs::remove_all(dir_);
    throw std::runtime_error("cannot start " + std::string(kDovecot) +
                             " (apt-get install dovecot-imapd)");
  }
  for (int i = 0; i < 400 && !greets(port_); ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (pid_ <= 0 || !greets(port_)) {
    const std::string log = read_file(dir_ / "dovecot.log");
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw std::runtime_error("Dovecot did not start: " + log);
  }
}

ImapServer::~ImapServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void ImapServer::append(const std::string& raw_message) {
  // Maildir delivery: write in tmp/, then rename into new/ (atomic for the reader).
  const std::string name = std::to_string(std::time(nullptr)) + ".tp" +
                           std::to_string(++appended_) + "." + std::to_string(::getpid()) +
                           ".localhost";
  const fs::path tmp = maildir_ / "tmp" / name;
  write_file(tmp, raw_message);
  chown_path(tmp, mail_uid_, mail_gid_);
  fs::rename(tmp, maildir_ / "new" / name);
}

void ImapServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace touchpoint::testing
