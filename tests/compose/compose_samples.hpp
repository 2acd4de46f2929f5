#pragma once
// Sample manual email tasks for the compose tests: Swedish and Korean text full of the
// characters links get wrong ("+", "&", "#", "%", "=", line breaks).

#include <string>

#include <date/date.h>

#include <touchpoint/compose/compose.hpp>

namespace touchpoint::compose::test {

struct Sample {
  const char* name;
  ComposeInput input;
  std::string text;  // the body as plain text, written out by hand ("\n" line ends)
};

inline core::Timestamp sample_date() {
  using namespace std::chrono_literals;
  return date::sys_days{date::year{2026} / 11 / 30} + 9h + 30min;
}

// A Swedish rep writing to an address whose local part holds "+", "&", "=", "#" and "%"
// (all legal in RFC 5322's atext).
inline Sample swedish() {
  ComposeInput in;
  in.task = core::TaskId{12};
  in.from_email = "anna.berg@touchpoint.test";
  in.from_name = "Anna Berg";
  in.to_email = "asa+q3&co=1#x%y@example.se";
  in.to_name = "Åsa Lindström";
  in.subject = "Åsa, 50% fler svar + färre & bättre #uppföljningar = vinst?";
  in.html =
      "<p>Hej Åsa,</p><p>Rad ett<br>Rad två: 1+1=2 &amp; 100% #ok</p>"
      "<p>Hälsningar,<br>Anna</p>";
  in.date = sample_date();
  return {"Swedish", in, "Hej Åsa,\nRad ett\nRad två: 1+1=2 & 100% #ok\nHälsningar,\nAnna"};
}

// A Korean rep's email to a Korean prospect; the subject had a line break pasted into it.
inline Sample korean() {
  ComposeInput in;
  in.task = core::TaskId{41};
  in.from_email = "rep.jisoo@touchpoint.test";
  in.from_name = "박지수";
  in.to_email = "minjun.kim@example.kr";
  in.to_name = "김민준";
  in.subject = "김민준님, 다음 주 통화 가능하실까요?\n(30분 + 데모)";
  in.html =
      "<p>안녕하세요 김민준님,</p><p>자료를 보내 드립니다 — 50% 할인 + 무료 체험 &amp; 데모"
      "</p><p>감사합니다,<br>박지수</p>";
  in.date = sample_date();
  return {"Korean", in,
          "안녕하세요 김민준님,\n자료를 보내 드립니다 — 50% 할인 + 무료 체험 & 데모\n"
          "감사합니다,\n박지수"};
}

// The subject every link and payload must carry for korean(): the pasted line break is a space.
inline const char* korean_subject() {
  return "김민준님, 다음 주 통화 가능하실까요? (30분 + 데모)";
}

// A threaded step: the same Swedish message replying to an earlier email.
inline ComposeInput swedish_threaded() {
  ComposeInput in = swedish().input;
  ReplyTo r;
  r.message_id = "tp.40.77aa+x@touchpoint.test";
  r.references = {"CAH7x+Ok3Yq=3Qm8e5@mail.gmail.com", "tp.39.1b2c@touchpoint.test"};
  r.subject = "Åsa, 50% fler svar + färre & bättre #uppföljningar = vinst?";
  in.reply_to = r;
  return in;
}

}  // namespace touchpoint::compose::test
