#include "python_decoder.hpp"

#include "python_json.hpp"

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

}  // namespace

nlohmann::json decode_urls(const std::vector<std::string>& urls) {
  return touchpoint::test::run_python_json(kScript, {"urls"}, nlohmann::json(urls).dump());
}

nlohmann::json parse_gmail_raw(const std::string& raw) {
  return touchpoint::test::run_python_json(kScript, {"raw"}, nlohmann::json{{"raw", raw}}.dump());
}

}  // namespace touchpoint::compose::test
