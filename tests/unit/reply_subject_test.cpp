#include <catch2/catch.hpp>

#include <touchpoint/core/threading.hpp>

using namespace touchpoint::core;

TEST_CASE("a reply's subject carries one Re: whatever prefixes it had", "[unit]") {
  CHECK(reply_subject("Quick question") == "Re: Quick question");
  CHECK(reply_subject("Re: Quick question") == "Re: Quick question");
  CHECK(reply_subject("RE: re:Quick question") == "Re: Quick question");
  CHECK(reply_subject("Re[2]: SV: AW: Antw: VS: R: Offert") == "Re: Offert");
  CHECK(reply_subject("  sv: Offert") == "Re: Offert");
  // Words that merely start like a prefix stay.
  CHECK(reply_subject("Rebate: 20 %") == "Re: Rebate: 20 %");
  CHECK(reply_subject("Revenue") == "Re: Revenue");
  CHECK(reply_subject("Re[2 unclosed: x") == "Re: Re[2 unclosed: x");
  CHECK(reply_subject("") == "Re: ");
  CHECK(thread_topic("RE: Re: 견적 요청") == "견적 요청");
}
