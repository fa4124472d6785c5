// Reading a push body: Content-Encoding (main.go decodeRequest) and Content-Type (handler/push.go)
// as Pushgateway handles them, into families (metric_family.h).
#pragma once

#include <string>
#include <string_view>

#include "model/error.h"
#include "push/metric_family.h"

namespace promref::push {

// The body as the handler reads it: inflated when `content_encoding` is "gzip" in any case,
// as is otherwise. Errors carry Go's gzip texts ("EOF" for an empty body, "gzip: invalid
// header", "unexpected EOF", "gzip: invalid checksum").
Result<std::string> DecodeContentEncoding(std::string_view content_encoding, std::string body);

// Whether mime.ParseMediaType(content_type) names the delimited MetricFamily protobuf format.
bool IsDelimitedProtobuf(std::string_view content_type);

// The families of a decoded body, parsed by promref's ingest parsers in the chosen format.
Result<FamilyMap> ParseBody(std::string_view body, bool protobuf);

}  // namespace promref::push
