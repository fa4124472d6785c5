// Bytes written as text: standard base64 and lowercase hex, as Go's encoders write them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace promref::model {

// RFC 4648 base64 with padding (Go's base64.StdEncoding): OTLP bytes attributes, HTTP basic
// credentials.
std::string Base64Encode(std::string_view in);

// Two lowercase hex digits a byte (Go's hex.EncodeToString): trace and span ids, names.
std::string HexEncode(std::span<const uint8_t> in);
std::string HexEncode(std::string_view in);

}  // namespace promref::model
