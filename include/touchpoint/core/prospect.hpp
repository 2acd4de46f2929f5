#pragma once
// Prospects (the people a sequence reaches) and users (the reps who own them).

#include <map>
#include <optional>
#include <string>

#include <touchpoint/core/id.hpp>

namespace touchpoint::core {

struct User {
  UserId id;
  std::string email;
  std::string name;      // "Anna Berg"
  std::string timezone;  // IANA name
};

struct Prospect {
  ProspectId id;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string company;
  std::string title;
  std::string phone;
  std::string timezone;  // IANA name, empty when unknown
  std::string owner_email;
  std::string salesforce_id;
  std::map<std::string, std::string> custom;  // every other CSV column
};

// The known CSV columns, in the order DESIGN.md §4 lists them.
inline constexpr const char* kKnownProspectColumns[] = {"email",    "first_name", "last_name",
                                                        "company",  "title",      "phone",
                                                        "timezone", "owner",      "salesforce_id"};

// How a person's name is written: "Åsa Lindström", but family name first and no space for
// Korean, Chinese and Japanese names ("김민준", "陈伟"). Empty when both parts are.
std::string full_name(const std::string& first_name, const std::string& last_name);

// "first_name" of a user's display name ("Anna" of "Anna Berg").
std::string first_name_of(const std::string& display_name);

}  // namespace touchpoint::core
