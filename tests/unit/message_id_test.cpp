#include <catch2/catch.hpp>

#include <touchpoint/core/threading.hpp>

using touchpoint::core::normalize_message_id;

TEST_CASE("a sent Message-ID is kept without its angle brackets", "[unit][threading]") {
  CHECK(normalize_message_id("  <CAH7x+Ok=3Q@mail.gmail.com>\r\n", "sent_message_id").value() ==
        "CAH7x+Ok=3Q@mail.gmail.com");
  CHECK(normalize_message_id("abc@x.test", "sent_message_id").value() == "abc@x.test");
  auto empty = normalize_message_id("<>", "sent_message_id");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message == "sent_message_id: is empty");
  auto spaced = normalize_message_id("<a b@x>", "sent_message_id");
  REQUIRE_FALSE(spaced);
  CHECK_THAT(spaced.error().message, Catch::StartsWith("sent_message_id:"));
  CHECK_FALSE(normalize_message_id("<<a@x>>", "sent_message_id"));
}
