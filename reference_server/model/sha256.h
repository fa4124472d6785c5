// SHA-256 (FIPS 180-4), for identifiers Prometheus derives with it (the rules API's
// group_next_token).
#pragma once

#include <string>
#include <string_view>

namespace promref::model {

// The digest of `data` as 64 lower-case hex digits (Go's hex.EncodeToString(sha256.Sum256)).
std::string Sha256Hex(std::string_view data);

}  // namespace promref::model
