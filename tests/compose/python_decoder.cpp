#include "python_decoder.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <stdlib.h>

namespace touchpoint::compose::test {
namespace {

constexpr const char* kScript = R"PY(
import base64, email, json, sys, urllib.parse
from email import policy

mode, path = sys.argv[1], sys.argv[2]
data = json.load(open(path, encoding='utf-8'))

def pct_pairs(query):
    out = {}
    for pair in query.split('&') if query else []:
        name, sep, value = pair.partition('=')
        if not sep:
            raise ValueError('query part without "=": ' + pair)
        out.setdefault(urllib.parse.unquote(name, errors='strict'), []).append(
            urllib.parse.unquote(value, errors='strict'))
    return out

if mode == 'urls':
    result = []
    for url in data:
        u = urllib.parse.urlsplit(url)
        result.append({
            'scheme': u.scheme, 'netloc': u.netloc, 'path': u.path,
            'path_decoded': urllib.parse.unquote(u.path, errors='strict'),
            'query_form': urllib.parse.parse_qs(u.query, keep_blank_values=True,
                                                strict_parsing=True, errors='strict'),
            'query_pct': pct_pairs(u.query),
            'fragment': u.fragment,
        })
else:
    raw = base64.urlsafe_b64decode(data['raw'])
    msg = email.message_from_bytes(raw, policy=policy.default)
    names = ['From', 'To', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'Date',
             'MIME-Version']
    parts = []
    for p in msg.walk():
        if p.get_content_maintype() == 'text':
            parts.append({'type': p.get_content_type(),
                          'content': p.get_content().replace('\r\n', '\n')})
    result = {
        'headers': {n: (None if msg[n] is None else str(msg[n])) for n in names},
        'to': [{'name': a.display_name, 'address': a.addr_spec} for a in msg['To'].addresses],
        'parts': parts,
        'defects': [type(d).__name__ for p in msg.walk() for d in p.defects],
    }
print(json.dumps(result))
)PY";

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tp-compose-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

nlohmann::json run_python(const char* mode, const nlohmann::json& input) {
  TempDir dir;
  const auto script = dir.path() / "decode.py";
  const auto in = dir.path() / "in.json";
  const auto out = dir.path() / "out.json";
  const auto err = dir.path() / "err.txt";
  write_file(script, kScript);
  write_file(in, input.dump());
  const std::string command = std::string("'") + TOUCHPOINT_PYTHON3 + "' '" + script.string() +
                              "' " + mode + " '" + in.string() + "' > '" + out.string() + "' 2> '" +
                              err.string() + "'";
  if (std::system(command.c_str()) != 0)
    throw std::runtime_error(std::string("python decoder failed: ") + read_file(err));
  return nlohmann::json::parse(read_file(out));
}

}  // namespace

nlohmann::json decode_urls(const std::vector<std::string>& urls) {
  return run_python("urls", nlohmann::json(urls));
}

nlohmann::json parse_gmail_raw(const std::string& raw) {
  return run_python("raw", nlohmann::json{{"raw", raw}});
}

}  // namespace touchpoint::compose::test
