#include "mail_test_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>

#include <date/date.h>

namespace touchpoint::mail::test {
namespace {

constexpr const char* kParserScript = R"PY(
import base64, email, email.header, email.utils, json, quopri, re, sys
from email import policy

raw = open(sys.argv[1], 'rb').read()
msg = email.message_from_bytes(raw, policy=policy.default)

names = ['Message-ID', 'Date', 'From', 'To', 'Subject', 'In-Reply-To', 'References',
         'List-Unsubscribe', 'List-Unsubscribe-Post', 'MIME-Version', 'Bcc', 'Cc',
         'Thread-Topic', 'Thread-Index']
headers = {n: (None if msg[n] is None else str(msg[n])) for n in names}

# RFC 2047 6.2 read strictly (legacy decode_header): white space between adjacent encoded
# words is dropped. The modern parser keeps it inside display names before Python 3.14
# (CPython gh-128110), which splits a long name that vmime folded mid-word.
def strict_display_name(name):
    for k, v in msg.raw_items():
        if k.lower() == name.lower():
            phrase = email.utils.parseaddr(re.sub(r'\r?\n', '', v))[0]
            return str(email.header.make_header(email.header.decode_header(phrase)))
    return None

def mailboxes(name):
    h = msg[name]
    if h is None:
        return None
    return [{'name': a.display_name, 'address': a.addr_spec} for a in h.addresses]

head = raw.split(b'\r\n\r\n', 1)[0]
try:
    head_text = head.decode('ascii')
    header_is_ascii = True
except UnicodeDecodeError:
    head_text = head.decode('utf-8', 'replace')
    header_is_ascii = False

# RFC 2047 section 5: each encoded word holds whole characters, so it decodes on its own.
bad_words = []
for m in re.finditer(r'=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=', head_text):
    charset, enc, data = m.groups()
    try:
        if enc in 'bB':
            octets = base64.b64decode(data, validate=True)
        else:
            octets = quopri.decodestring(data.encode('ascii'), header=True)
        octets.decode(charset)
    except Exception:
        bad_words.append(m.group(0))

defects = [type(d).__name__ for part in msg.walk() for d in part.defects]
for n in msg.keys():
    defects += [type(d).__name__ for d in msg[n].defects]

parts = []
if msg.is_multipart():
    for p in msg.iter_parts():
        parts.append({'type': p.get_content_type(), 'charset': p.get_content_charset(),
                      'transfer_encoding': p['Content-Transfer-Encoding'],
                      'content': p.get_content().replace('\r\n', '\n')})

print(json.dumps({
    'headers': headers,
    'from': mailboxes('From'),
    'to': mailboxes('To'),
    'strict_names': {'From': strict_display_name('From'), 'To': strict_display_name('To')},
    'date': msg['Date'].datetime.isoformat() if msg['Date'] is not None else None,
    'content_type': msg.get_content_type(),
    'parts': parts,
    'defects': defects,
    'bad_encoded_words': bad_words,
    'header_is_ascii': header_is_ascii,
}))
)PY";

}  // namespace

core::OutgoingMessage korean_follow_up() {
  using namespace std::chrono_literals;
  core::OutgoingMessage m;
  m.id = core::MessageId{41};
  m.message_id = "tp.41.9f3a@touch.example.com";
  m.date = date::sys_days{date::year{2026} / 3 / 2} + 8h + 15min;
  m.from_name = "Åsa Lindström";
  m.from_email = "asa.lindstrom@touchpoint.test";
  m.to_name = "김민준";
  m.to_email = "minjun.kim@example.kr";
  m.subject =
      "Re: 김민준님, 다음 주에 잠깐 통화 가능하실까요? 저희 서비스를 소개해 드리고 싶습니다";
  m.html =
      "<p>안녕하세요 김민준님,</p>\n<p>지난주에 보내 드린 메일 확인하셨나요? "
      "<a href=\"https://touch.example.com/c/abc\">자료</a>를 첨부합니다.</p>\n"
      "<p>감사합니다,<br>Åsa</p>";
  m.in_reply_to = "tp.40.77aa@touch.example.com";
  m.references = {"CAH7x+Ok3YqSx2bS9u0c2vT8=3Qm8e5KQwJq2r0Vn@mail.gmail.com",
                  "tp.39.1b2c@touch.example.com", "tp.40.77aa@touch.example.com"};
  m.unsubscribe_url =
      "https://touch.example.com/u/eyJhbGciOiJIUzI1NiJ9.eyJtIjo0MSwicCI6MTJ9.Xy3kQ9vB1wQ2";
  m.unsubscribe_mailto = "mailto:unsubscribe@touch.example.com?subject=unsubscribe";
  return m;
}

nlohmann::json parse_with_python(const std::string& raw) {
  return touchpoint::test::run_python_json(kParserScript, {}, raw);
}

std::string inbound_fixture(const std::string& name) {
  const std::string path = std::string(TOUCHPOINT_FIXTURES) + "/inbound/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace touchpoint::mail::test
