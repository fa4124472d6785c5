// What the OTLP decoders share (internal to the otlp folder): the error they throw at the first
// problem, which DecodeProtobuf and DecodeJson turn into their Result.
#pragma once

#include <string>
#include <utility>

namespace promref::otlp::internal {

struct DecodeError {
  std::string message;
};

[[noreturn]] inline void Throw(std::string message) {
  throw DecodeError{std::move(message)};
}

}  // namespace promref::otlp::internal
