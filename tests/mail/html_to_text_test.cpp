#include <catch2/catch.hpp>

#include <string>

#include <touchpoint/mail/mime.hpp>

using touchpoint::mail::html_to_text;

namespace {

struct Case {
  const char* behaviour;
  std::string html;
  std::string text;
};

}  // namespace

TEST_CASE("html_to_text turns a mail body into readable plain text", "[unit]") {
  const Case cases[] = {
      {"inline tags are dropped",
       "<p>Hi <b>Anna</b>, <i>quick</i> <span style=\"x\">one</span></p>", "Hi Anna, quick one"},
      {"<br> and closing blocks break lines",
       "Hi Anna,<br>line two<br/>three<p>para</p><div>div</div>end",
       "Hi Anna,\nline two\nthree\npara\ndiv\nend"},
      {"list items and headings sit on their own lines",
       "<h1>Title</h1><ul><li>one</li><li>two</li></ul><h6>small</h6>", "Title\none\ntwo\nsmall"},
      {"table rows are lines, cells are spaced",
       "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
      {"a link becomes text (url)", "See <a href=\"https://x.test/p?a=1&amp;b=2\">our deck</a>.",
       "See our deck (https://x.test/p?a=1&b=2)."},
      {"attribute names are case-insensitive, unquoted values end at a space",
       "<A class=x HREF=https://x.test/a?b=1&amp;c=2 title='t'>deck</A>",
       "deck (https://x.test/a?b=1&c=2)"},
      {"a link whose text is its url is written once",
       "<a href=\"https://x.test/\">https://x.test/</a>", "https://x.test/"},
      {"a mailto link shows the address once", "<a href='mailto:anna@x.test'>anna@x.test</a>",
       "anna@x.test"},
      {"a link without text shows the url", "<a href=\"https://x.test/\"><img src=\"p.png\"></a>",
       "https://x.test/"},
      {"named entities are decoded", "&lt;tag&gt; &amp; &quot;q&quot; &#39;s&#39; a&nbsp;b",
       "<tag> & \"q\" 's' a b"},
      {"numeric entities become UTF-8", "&#228;&#xE5;&#246; &#xAC00;&#44033; &#x1F600;",
       "äåö 가각 😀"},
      {"an unknown entity and a bare ampersand stay", "AT&T &bogus; fish & chips",
       "AT&T &bogus; fish & chips"},
      {"style and script contents are dropped",
       "<style>p { color: red; }</style><p>Hi</p><SCRIPT type=\"x\">alert('<p>')</script>there",
       "Hi\nthere"},
      {"head and title of a full document are dropped",
       "<!DOCTYPE html><html><head><title>T</title><meta charset=\"utf-8\"></head>"
       "<body><p>Body</p></body></html>",
       "Body"},
      {"comments are dropped", "a<!-- <p>hidden</p> -->b", "ab"},
      {"source whitespace collapses to one space", "<p>Hi\n   Anna,\n\tthanks</p>",
       "Hi Anna, thanks"},
      {"three or more line breaks collapse to two", "a<br><br><br><br><br>b<br><br>c",
       "a\n\nb\n\nc"},
      {"leading and trailing blank lines are trimmed", "<br><br>  <p>  text  </p><br><br>", "text"},
      {"a '<' that starts no tag is text", "1 < 2 and 3 <4", "1 < 2 and 3 <4"},
      {"a '>' inside a quoted attribute does not end the tag",
       "<a title=\"a > b\" href=\"https://x.test\">go</a>", "go (https://x.test)"},
      {"Korean and Swedish text pass through", "<p>안녕하세요 김민준님,</p><p>Hälsningar, Åsa</p>",
       "안녕하세요 김민준님,\nHälsningar, Åsa"},
      {"an unterminated tag at the end is text", "price <b", "price <b"},
      {"empty input gives empty text", "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.behaviour);
    CHECK(html_to_text(c.html) == c.text);
  }
}

TEST_CASE("html_to_text keeps a quoted thread readable", "[unit]") {
  const std::string html =
      "<p>Hi Anna,</p><p>Following up.</p>"
      "<blockquote><p>On Monday, Åsa wrote:</p><p>First mail</p></blockquote>";
  CHECK(html_to_text(html) == "Hi Anna,\nFollowing up.\nOn Monday, Åsa wrote:\nFirst mail");
}
