// OTLP export requests written back out, in protobuf or OTLP/JSON (the forms DecodeProtobuf and
// DecodeJson read): for the tests, the fuzz seeds and the differential tests that send the same
// request to Prometheus and promref.
#pragma once

#include <string>

#include "otlp/otlp_decode.h"

namespace promref::otlp {

std::string EncodeProtobuf(const ExportRequest& req);
// protojson's mapping: lowerCamelCase names, 64-bit integers as strings, enums by name, bytes in
// base64, trace and span ids in hex; non-finite doubles as "NaN", "Infinity", "-Infinity".
std::string EncodeJson(const ExportRequest& req);

}  // namespace promref::otlp
