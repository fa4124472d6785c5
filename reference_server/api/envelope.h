// Prometheus' API envelope: {"status":"success","data":...,"warnings":[...],"infos":[...]} or
// {"status":"error","errorType":"...","error":"..."}, with the status code of the error kind,
// and at most 10 warnings / infos ("<N> more warning annotations omitted").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/json_writer.h"
#include "model/error.h"

namespace promref::api {

using DataWriter = std::function<void(JsonWriter&)>;

struct Notes {
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
};

// 200 with `data` written by `data` (streamed in chunks).
Response ApiSuccess(DataWriter data, Notes notes = {});
// The error's status and errorType; `data` optional (Prometheus sends it for a few endpoints).
Response ApiError(const Error& error, DataWriter data = nullptr, Notes notes = {});
// 204 No Content.
Response NoContent();

// Error helpers with Prometheus' message shapes.
Error InvalidParam(std::string_view param, std::string_view message);

}  // namespace promref::api
