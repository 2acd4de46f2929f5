// Reading requests: query parameters and body fields, each error naming its field.
#include <algorithm>
#include <charconv>
#include <limits>

#include "internal.hpp"

namespace touchpoint::bridge::detail {

void bad_field(std::string_view field, const std::string& what) {
  throw ApiError(400, "bad_request", std::string(field) + ": " + what,
                 Json{{"field", std::string(field)}});
}

void not_found(std::string_view field, const std::string& what) {
  throw ApiError(404, "not_found", what, Json{{"field", std::string(field)}});
}

ApiError api_error(const core::Error& error) {
  switch (error.code) {
    case core::ErrorCode::invalid_input:
      return ApiError(400, "bad_request", error.message);
    case core::ErrorCode::not_found:
      return ApiError(404, "not_found", error.message);
    case core::ErrorCode::conflict:
      return ApiError(409, "conflict", error.message);
    case core::ErrorCode::unavailable:
      break;
  }
  return ApiError(500, "internal", error.message);
}

std::optional<std::string> query_value(const Query& query, std::string_view name) {
  auto it = query.find(name);
  if (it == query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::int64_t query_number(const Query& query, std::string_view name, std::int64_t fallback,
                          std::int64_t minimum, std::int64_t maximum) {
  auto text = query_value(query, name);
  if (!text) return fallback;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size() || value < minimum)
    bad_field(name, "'" + *text + "' is not a whole number of at least " + std::to_string(minimum));
  return std::min(value, maximum);
}

Page query_page(const Query& query) {
  return Page{static_cast<std::size_t>(query_number(query, "limit", 50, 1, 200)),
              static_cast<std::size_t>(
                  query_number(query, "offset", 0, 0, std::numeric_limits<std::int64_t>::max()))};
}

Json next_offset(const Page& page, std::size_t shown, std::int64_t total) {
  auto next = static_cast<std::int64_t>(page.offset + shown);
  if (shown == 0 || next >= total) return nullptr;
  return next;
}

const Json& body_object(const Json& body) {
  static const Json empty = Json::object();
  if (body.is_null()) return empty;
  if (!body.is_object()) throw ApiError(400, "bad_request", "the body must be a JSON object");
  return body;
}

std::optional<std::string> body_string(const Json& body, std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad_field(field, "must be a string");
  return it->get<std::string>();
}

core::Timestamp parse_instant_field(std::string_view field, const std::string& text) {
  auto t = core::parse_instant(text);
  if (!t)
    bad_field(field, "'" + text +
                         "' is not an ISO 8601 instant with an offset, like 2026-03-02T08:15:00Z");
  return *t;
}

core::User rep_by_email(store::Store& store, std::string_view field, const std::string& email) {
  auto user = store.users().find(email);
  if (!user) bad_field(field, "no rep with email '" + email + "'");
  return *user;
}

store::SequenceSummary sequence_by(store::Store& store, std::string_view field,
                                   const std::string& id_or_name) {
  auto sequence = store.sequences().find(id_or_name);
  if (!sequence) not_found(field, "no sequence with id or name '" + id_or_name + "'");
  return *sequence;
}

}  // namespace touchpoint::bridge::detail
