// Standard base64 (RFC 4648, with padding), as Go's base64.StdEncoding writes it: OTLP bytes
// attributes shown as text and in OTLP/JSON, HTTP basic credentials.
#pragma once

#include <string>
#include <string_view>

namespace promref::model {

std::string Base64Encode(std::string_view in);

}  // namespace promref::model
