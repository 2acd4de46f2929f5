#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include <touchpoint/core/message_id.hpp>

using touchpoint::core::step_message_id;
using touchpoint::core::step_of_message_id;
using touchpoint::core::Timestamp;

namespace {

Timestamp at(long long seconds) {
  return Timestamp{std::chrono::seconds{seconds}};
}

}  // namespace

TEST_CASE("a step's Message-ID names the step and the sender's domain", "[unit][message_id]") {
  const auto id = step_message_id(at(1772467200), 41, 0x9f3a2c7b1d4e5f60ULL, "Anna@Rep.Example");
  CHECK(id == "tp2.069a5b400.0000000029.9f3a2c7b1d4e5f60@Rep.Example");
  CHECK(step_of_message_id(id) == 41);
  CHECK(step_message_id(at(0), 1, 1, "no-at-sign").substr(41) == "@touchpoint.invalid");
}

TEST_CASE("Message-IDs sort in claim order: due instant, then step", "[unit][message_id]") {
  // Claimed in (due, step) order, whatever the random part: the index over them grows at one end.
  std::vector<std::string> claimed = {
      step_message_id(at(1772467200), 900, 0xffffffffffffffffULL, "a@x.test"),
      step_message_id(at(1772467200), 1000, 0, "a@x.test"),
      step_message_id(at(1772467201), 7, 5, "a@x.test"),
      step_message_id(at(1772553600), 12, 3, "a@x.test"),
  };
  CHECK(std::is_sorted(claimed.begin(), claimed.end()));
}

TEST_CASE("the step is read back from either form, and from nothing else", "[unit][message_id]") {
  CHECK(step_of_message_id("tp.40.77aa@touchpoint.test") == 40);  // the earlier form
  CHECK(step_of_message_id("tp2.069a5c280.00000000ff.00@x.test") == 255);
  CHECK_FALSE(step_of_message_id("tp.task.40.77aa@touchpoint.test"));  // compose's
  CHECK_FALSE(step_of_message_id("tp2.069a5c280@x.test"));
  CHECK_FALSE(step_of_message_id("tp2.zz.0000000001.00@x.test"));
  CHECK_FALSE(step_of_message_id("CAH7x+Ok3Yq=3Qm8e5@mail.gmail.com"));
  CHECK_FALSE(step_of_message_id("tp.41.77aa"));  // no domain
}
