#pragma once
// Expected outcomes as values: Result<T> carries either T or an Error with a stable code.

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace touchpoint::core {

// Stable error codes. They appear in CLI output and (later) in API responses, so never
// rename one; add new ones at the end.
enum class ErrorCode {
  invalid_input,  // the caller gave something malformed (bad JSON, bad flag, bad field)
  not_found,      // the thing named does not exist
  conflict,       // the state forbids it (already done, already enrolled, ...)
  unavailable,    // an infrastructure fault (database, transport)
};

const char* to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::invalid_input;
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace touchpoint::core
