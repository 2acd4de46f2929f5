#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <touchpoint/mail/inbound.hpp>

#include "mail_test_support.hpp"

using touchpoint::mail::classify_inbound;
using touchpoint::mail::InboundMessage;
using touchpoint::mail::is_own;
using touchpoint::mail::read_return_date;
using touchpoint::mail::test::inbound_fixture;
using Kind = InboundMessage::Kind;
using BounceKind = InboundMessage::BounceKind;
using namespace date::literals;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A plain one-part message with the given extra header lines and body.
std::string message(const std::string& extra_headers, const std::string& body,
                    const std::string& from = "From: Jordan Lee <jlee@acme-ny.com>\n") {
  return from +
         "To: Sam Rivera <rep.sam@touchpoint.test>\n"
         "Date: Mon, 02 Mar 2026 09:00:00 +0000\n"
         "Message-ID: <m-1@acme-ny.com>\n" +
         extra_headers +
         "MIME-Version: 1.0\n"
         "Content-Type: text/plain; charset=utf-8\n"
         "\n" +
         body;
}

}  // namespace

TEST_CASE("a threaded human reply is a reply that refers to the message it answers",
          "[unit][inbound]") {
  const auto msg = classify_inbound(inbound_fixture("reply.eml"));
  CHECK(msg.kind == Kind::reply);
  CHECK(msg.message_id == "CAHx9f3Q-reply-001@mail.nordvik.se");
  CHECK(msg.from_email == "asa.lindstrom@nordvik.se");
  CHECK(msg.subject == "Re: Nordvik AB and faster follow-ups");
  CHECK(contains(msg.refers_to, "tp.1.1.8f3a2c@touchpoint.test"));
  CHECK(msg.body_text.find("Tack, låter intressant.") != std::string::npos);
  CHECK_FALSE(msg.return_date);
}

TEST_CASE("the Dutch/English out-of-office reply pauses until 2026-03-16", "[unit][inbound]") {
  const auto msg = classify_inbound(inbound_fixture("out-of-office.eml"));
  CHECK(msg.kind == Kind::auto_reply);
  CHECK(msg.from_email == "daan.dejong@polderbank.nl");
  CHECK(contains(msg.refers_to, "tp.1.3.77b1e0@touchpoint.test"));
  REQUIRE(msg.return_date);
  CHECK(*msg.return_date == 2026_y / date::March / 16);
}

TEST_CASE("an RFC 3464 report with Status 5.1.1 is a hard bounce naming recipient and message",
          "[unit][inbound]") {
  const auto msg = classify_inbound(inbound_fixture("bounce-hard.eml"));
  CHECK(msg.kind == Kind::bounce);
  CHECK(msg.bounce_kind == BounceKind::hard);
  CHECK(msg.status == "5.1.1");
  CHECK(msg.recipient == "jlee@acme-ny.com");
  CHECK(msg.original_message_id == "tp.1.5.c0ffee@touchpoint.test");
  CHECK(msg.body_text.find("could not") != std::string::npos);
}

TEST_CASE("an RFC 3464 report with Status 4.2.2 is a soft bounce", "[unit][inbound]") {
  const auto msg = classify_inbound(inbound_fixture("bounce-soft.eml"));
  CHECK(msg.kind == Kind::bounce);
  CHECK(msg.bounce_kind == BounceKind::soft);
  CHECK(msg.status == "4.2.2");
  CHECK(msg.recipient == "noah@lordhowe.au");
  CHECK(msg.original_message_id == "tp.1.7.decade@touchpoint.test");
}

TEST_CASE("a delivery report without Status falls back to Action, and reads message/rfc822",
          "[unit][inbound]") {
  const std::string raw =
      "From: MAILER-DAEMON@mx.example.com\r\n"
      "Subject: failure notice\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n"
      "\r\n"
      "--b\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "Delivery failed.\r\n"
      "--b\r\n"
      "Content-Type: message/delivery-status\r\n"
      "\r\n"
      "Reporting-MTA: dns; mx.example.com\r\n"
      "\r\n"
      "Original-Recipient: rfc822; <Kim@Example.KR>\r\n"
      "Action: failed\r\n"
      "\r\n"
      "--b\r\n"
      "Content-Type: message/rfc822\r\n"
      "\r\n"
      "From: rep@touchpoint.test\r\n"
      "Message-ID:\r\n"
      " <tp.9.9.abc@touchpoint.test>\r\n"
      "Subject: hello\r\n"
      "\r\n"
      "Body of the original.\r\n"
      "--b--\r\n";
  const auto msg = classify_inbound(raw);
  CHECK(msg.kind == Kind::bounce);
  CHECK(msg.bounce_kind == BounceKind::hard);
  CHECK(msg.status.empty());
  CHECK(msg.recipient == "Kim@Example.KR");
  CHECK(msg.original_message_id == "tp.9.9.abc@touchpoint.test");
}

TEST_CASE("a bounce without the original headers takes X-Original-Message-ID", "[unit][inbound]") {
  const std::string raw =
      "From: postmaster@mx.example.com\n"
      "X-Original-Message-ID: <tp.2.3.f00@touchpoint.test>\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n"
      "\n"
      "--b\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; mx.example.com\n"
      "\n"
      "Final-Recipient: rfc822; a@example.com\n"
      "Action: delayed\n"
      "Status: 4.4.7 (delivery time expired)\n"
      "--b--\n";
  const auto msg = classify_inbound(raw);
  CHECK(msg.kind == Kind::bounce);
  CHECK(msg.bounce_kind == BounceKind::soft);
  CHECK(msg.status == "4.4.7");
  CHECK(msg.original_message_id == "tp.2.3.f00@touchpoint.test");
}

namespace {

// An RFC 3464 report on one sent message, with one recipient block per `blocks` entry.
std::string delivery_report(const std::vector<std::string>& blocks) {
  std::string raw =
      "From: postmaster@mx.example.com\n"
      "Auto-Submitted: auto-replied\n"
      "Message-ID: <dsn-1@mx.example.com>\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n"
      "\n"
      "--b\n"
      "Content-Type: text/plain\n"
      "\n"
      "This is a delivery report.\n"
      "--b\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; mx.example.com\n";
  for (const auto& block : blocks) raw += "\n" + block;
  raw +=
      "--b\n"
      "Content-Type: text/rfc822-headers\n"
      "\n"
      "From: Anna <rep.anna@touchpoint.test>\n"
      "To: a@example.com\n"
      "Message-ID: <tp.9.1.abc@touchpoint.test>\n"
      "--b--\n";
  return raw;
}

}  // namespace

TEST_CASE("a delivery report saying delivered is a delivery of the sent message, not a bounce",
          "[unit][inbound]") {
  const auto msg = classify_inbound(delivery_report(
      {"Final-Recipient: rfc822; <a@example.com>\nAction: delivered\nStatus: 2.0.0\n"}));
  CHECK(msg.kind == Kind::delivered);
  CHECK(msg.status == "2.0.0");
  CHECK(msg.recipient == "a@example.com");
  CHECK(msg.original_message_id == "tp.9.1.abc@touchpoint.test");
  CHECK(msg.message_id == "dsn-1@mx.example.com");
}

TEST_CASE("a delivery report saying relayed or expanded is nothing to act on",
          "[unit][inbound]") {
  for (const char* action : {"relayed", "expanded"}) {
    INFO(action);
    const auto msg = classify_inbound(delivery_report(
        {std::string("Final-Recipient: rfc822; a@example.com\nAction: ") + action +
         "\nStatus: 2.0.0\n"}));
    CHECK(msg.kind == Kind::other);
    CHECK(msg.status.empty());
  }
}

TEST_CASE("a delivery report with one recipient delivered and one failed is a bounce",
          "[unit][inbound]") {
  const auto msg = classify_inbound(delivery_report(
      {"Final-Recipient: rfc822; a@example.com\nAction: delivered\nStatus: 2.0.0\n",
       "Final-Recipient: rfc822; b@example.com\nAction: failed\nStatus: 5.1.1\n"}));
  CHECK(msg.kind == Kind::bounce);
  CHECK(msg.bounce_kind == BounceKind::hard);
  CHECK(msg.status == "5.1.1");
  CHECK(msg.recipient == "b@example.com");
}

TEST_CASE("Auto-Submitted other than no makes an automatic reply", "[unit][inbound]") {
  SECTION("auto-generated") {
    const auto msg =
        classify_inbound(message("Subject: Your ticket\nAuto-Submitted: auto-generated\n", "Hi"));
    CHECK(msg.kind == Kind::auto_reply);
    CHECK_FALSE(msg.return_date);
  }
  SECTION("a Re: subject with Auto-Submitted: auto-replied (Gmail vacation responder)") {
    const auto msg =
        classify_inbound(message("Subject: Re: Acme NY and faster follow-ups\n"
                                 "In-Reply-To: <tp.1.5.c0ffee@touchpoint.test>\n"
                                 "Auto-Submitted: auto-replied (vacation)\n",
                                 "I'm travelling and will be back on March 9.\n"));
    CHECK(msg.kind == Kind::auto_reply);
    CHECK(contains(msg.refers_to, "tp.1.5.c0ffee@touchpoint.test"));
    REQUIRE(msg.return_date);  // no year: the first March 9 after the Date (2 March 2026)
    CHECK(*msg.return_date == 2026_y / date::March / 9);
  }
  SECTION("Auto-Submitted: no is a person") {
    const auto msg = classify_inbound(message("Subject: Re: Hi\nAuto-Submitted: no\n", "Yes!"));
    CHECK(msg.kind == Kind::reply);
    const auto commented =
        classify_inbound(message("Subject: Re: Hi\nAuto-Submitted: No (typed by me)\n", "Yes!"));
    CHECK(commented.kind == Kind::reply);
  }
}

TEST_CASE("out-of-office subjects and headers make an automatic reply", "[unit][inbound]") {
  const std::string headers = GENERATE(
      as<std::string>{}, "Subject: Out of Office: Acme NY\n", "Subject: Automatic reply: Acme NY\n",
      "Subject: Autosvar: Nordvik AB\n", "Subject: Afwezig: Polderbank\n",
      "Subject: Automatisch antwoord: Polderbank\n", "Subject: Abwesenheitsnotiz: Ihre Nachricht\n",
      "Subject: =?utf-8?b?W+u2gOyerOykkV0g7JWI64WV7ZWY7IS47JqU?=\n",  // [부재중] 안녕하세요
      "Subject: Re: Acme NY\nX-Autoreply: yes\n",
      "Subject: Re: Acme NY\nX-Autorespond: on vacation\n",
      "Subject: Re: Acme NY\nPrecedence: auto_reply\n",
      "Subject: Re: Acme NY (Out of Office)\nPrecedence: bulk\n");
  CAPTURE(headers);
  CHECK(classify_inbound(message(headers, "Away.\n")).kind == Kind::auto_reply);
}

TEST_CASE("a person writing about the office is still a reply", "[unit][inbound]") {
  const std::string headers =
      GENERATE(as<std::string>{}, "Subject: Re: Out of office next week?\n",
               "Subject: Re: Acme NY (Out of Office)\n", "Subject: Re: Acme NY\nPrecedence: bulk\n",
               "Subject: Re: Acme NY\nX-Autoreply: no\n");
  CAPTURE(headers);
  CHECK(classify_inbound(message(headers, "Let's talk.\n")).kind == Kind::reply);
}

TEST_CASE("an unencoded UTF-8 Korean subject is kept as is", "[unit][inbound]") {
  const auto msg = classify_inbound(message("Subject: [부재중] 3월 16일에 복귀합니다\n", "..."));
  CHECK(msg.subject == "[부재중] 3월 16일에 복귀합니다");
  CHECK(msg.kind == Kind::auto_reply);
  REQUIRE(msg.return_date);
  CHECK(*msg.return_date == 2026_y / date::March / 16);
}

TEST_CASE("a message without a sender is other", "[unit][inbound]") {
  CHECK(classify_inbound(message("Subject: hi\n", "x", "")).kind == Kind::other);
  CHECK(classify_inbound("").kind == Kind::other);
  CHECK_NOTHROW(classify_inbound("\x01\x02 not: a\n\n--message\n"));
}

TEST_CASE("the body is decoded: charsets, quoted-printable, HTML only", "[unit][inbound]") {
  SECTION("ISO-8859-1 quoted-printable") {
    const std::string raw =
        "From: a@nordvik.se\n"
        "Subject: =?iso-8859-1?q?Re:_M=F6te?=\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "G=E4rna, p=E5 torsdag.\n";
    const auto msg = classify_inbound(raw);
    CHECK(msg.subject == "Re: Möte");
    CHECK(msg.body_text.find("Gärna, på torsdag.") != std::string::npos);
  }
  SECTION("multipart/alternative prefers text/plain") {
    const std::string raw =
        "From: a@acme.com\n"
        "Content-Type: multipart/alternative; boundary=x\n"
        "\n"
        "--x\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "plain words\n"
        "--x\n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        "<p>html words</p>\n"
        "--x--\n";
    CHECK(classify_inbound(raw).body_text.find("plain words") != std::string::npos);
  }
  SECTION("HTML only") {
    const std::string raw =
        "From: a@acme.com\n"
        "Subject: Automatic reply: hi\n"
        "Date: Mon, 02 Mar 2026 09:00:00 +0000\n"
        "Content-Type: text/html; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "PHA+SSBhbSBiYWNrIG9uIDE2Jm5ic3A7TWFyY2ggMjAyNi48L3A+\n";  // <p>I am back on 16&nbsp;March
                                                                   // 2026.</p>
    const auto msg = classify_inbound(raw);
    CHECK(msg.kind == Kind::auto_reply);
    CHECK(msg.body_text.find("I am back on 16") != std::string::npos);
    REQUIRE(msg.return_date);
    CHECK(*msg.return_date == 2026_y / date::March / 16);
  }
}

TEST_CASE("return dates are read in English, Dutch, Swedish, German and Korean",
          "[unit][inbound]") {
  struct Case {
    std::string text;
    date::year_month_day expected;
  };
  const auto m16 = 2026_y / date::March / 16;
  const auto c = GENERATE_COPY(values<Case>({
      // English
      {"I am out of the office and will be back on 16 March 2026.", m16},
      {"I will return on March 16, 2026.", m16},
      {"I'm away until 2026-03-16 with limited access to email.", m16},
      {"Back in the office on Monday, March 16th.", m16},
      {"I am away from 2 March and back on 16 March 2026.", m16},
      {"Out of office until Friday 13 March. I will be back on Monday 16 March.", m16},
      // Dutch
      {"Ik ben terug op 16 maart 2026.", m16},
      {"Ik ben afwezig tot en met 16 maart 2026.", m16},
      {"Afwezig van 2 maart t/m 16-03-2026.", m16},
      {"Vanaf 16 maart ben ik weer aanwezig.", m16},
      // Swedish
      {"Jag är tillbaka den 16 mars 2026.", m16},
      {"Jag är ledig till och med 16 mars.", m16},
      {"Åter i tjänst 16:e mars.", m16},
      // German
      {"Ich bin ab dem 16. März 2026 wieder im Büro.", m16},
      {"Ich bin am 16. März 2026 zurück.", m16},
      {"Ich bin zurück am 16. März 2026.", m16},
      {"Ich bin bis 16.03.2026 nicht erreichbar.", m16},
      // Korean
      {"2026년 3월 16일에 복귀합니다.", m16},
      {"3월 16일까지 휴가입니다.", m16},
      {"3월 2일부터 3월 13일까지 휴가이며, 3월 16일에 복귀합니다.", m16},
      {"복귀 예정일: 2026. 3. 16.", m16},
  }));
  CAPTURE(c.text);
  const auto got = read_return_date(c.text, 2026_y / date::March / 2);
  REQUIRE(got);
  CHECK(*got == c.expected);
}

TEST_CASE("no return date is read when none is stated", "[unit][inbound]") {
  const std::string text = GENERATE(
      as<std::string>{}, "I am out of the office with limited access to email.",
      "On Mon, 2 Mar 2026 at 09:15, Anna Berg wrote:", "Ik ben afwezig sinds 2 maart 2026.",
      "Back on 31 February 2026.", "I will get back to you soon. Our webinar is on 20 March 2026.");
  CAPTURE(text);
  CHECK_FALSE(read_return_date(text, 2026_y / date::March / 2));
}

TEST_CASE("a date without a year needs the message's date", "[unit][inbound]") {
  CHECK_FALSE(read_return_date("Back on 16 March."));
  const auto next_year = read_return_date("Back on 5 January.", 2026_y / date::December / 20);
  REQUIRE(next_year);
  CHECK(*next_year == 2027_y / date::January / 5);
}

TEST_CASE("our own sent mail is recognised by header or mailbox address", "[unit][inbound]") {
  const std::set<std::string> ours{"rep.sam@touchpoint.test", "Rep.Anna@Touchpoint.test"};
  SECTION("From one of our mailboxes, any case") {
    const auto msg = classify_inbound(
        message("Subject: Acme NY\n", "Hi", "From: Anna Berg <rep.anna@touchpoint.TEST>\n"));
    CHECK(is_own(msg, ours));
  }
  SECTION("X-Touchpoint-Message") {
    const auto msg = classify_inbound(
        message("X-Touchpoint-Message: 1.5\nSubject: x\n", "Hi", "From: someone@elsewhere.test\n"));
    CHECK(msg.touchpoint_header == "1.5");
    CHECK(is_own(msg, ours));
  }
  SECTION("a prospect's reply is not ours") {
    CHECK_FALSE(is_own(classify_inbound(inbound_fixture("reply.eml")), ours));
    CHECK_FALSE(is_own(classify_inbound(message("Subject: x\n", "Hi", "")), ours));
  }
}
