#include <catch2/catch.hpp>

#include <touchpoint/core/prospect.hpp>

using touchpoint::core::full_name;

TEST_CASE("names are written in their own order: family name first for Korean and Chinese",
          "[unit]") {
  CHECK(full_name("Åsa", "Lindström") == "Åsa Lindström");
  CHECK(full_name("Daan", "de Jong") == "Daan de Jong");
  CHECK(full_name("민준", "김") == "김민준");
  CHECK(full_name("伟", "陈") == "陈伟");
  CHECK(full_name("Alex", "") == "Alex");
  CHECK(full_name("", "") == "");
  CHECK(full_name("Min-jun", "Kim") == "Min-jun Kim");
}
