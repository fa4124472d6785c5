// Errors that cross module boundaries, and the Result<T> that carries them.
//
// Every error carries a kind that maps one-to-one onto the `errorType` of Prometheus' API
// envelope, so an HTTP handler never has to guess a status code from a message.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace promref {

enum class ErrorKind {
  kBadData,      // 400: bad parameters, parse errors, invalid matchers
  kExecution,    // 422: runtime evaluation errors, too many samples
  kTimeout,      // 503: query timed out
  kCanceled,     // 499 (Prometheus 3.x): client went away, context canceled
  kInternal,     // 500: storage failures
  kNotFound,     // 404
  kUnavailable,  // 500: admin API disabled, TSDB not ready
};

// The API's `errorType` string for a kind ("bad_data", "execution", ...).
std::string_view ErrorTypeName(ErrorKind kind);

// The HTTP status Prometheus 3.x answers for a kind (see the reference, section 1.2).
int HttpStatusFor(ErrorKind kind);

class Error {
 public:
  Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

  // A copy whose message is `prefix + message()`, same kind: for adding context on the way up
  // ("invalid parameter \"time\": " + inner error).
  Error Prefixed(std::string_view prefix) const { return Error(kind_, std::string(prefix) + message_); }

  friend bool operator==(const Error&, const Error&) = default;

 private:
  ErrorKind kind_;
  std::string message_;
};

inline Error BadData(std::string message) {
  return Error(ErrorKind::kBadData, std::move(message));
}

// Either a value or an Error. Deliberately small: construction from either side is implicit,
// inspection is explicit.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error)
      : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{ErrorKind::kInternal, ""};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace promref
