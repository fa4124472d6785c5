#include "api/envelope.h"

namespace promref::api {
namespace {

constexpr size_t kMaxAnnotations = 10;

void WriteNotes(JsonWriter& w, const std::vector<std::string>& list, const char* key, const char* kind) {
  if (list.empty()) return;
  w.Key(key).BeginArray();
  for (size_t i = 0; i < list.size() && i < kMaxAnnotations; ++i) w.String(list[i]);
  if (list.size() > kMaxAnnotations) {
    w.String(std::to_string(list.size() - kMaxAnnotations) + " more " + kind + " annotations omitted");
  }
  w.EndArray();
}

Response Envelope(int status, const char* outcome, const Error* error, DataWriter data, Notes notes) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.stream = [outcome, err = error ? std::optional<Error>(*error) : std::nullopt, data = std::move(data),
              notes = std::move(notes)](const ChunkWriter& write) {
    JsonWriter w([&write](std::string& chunk) { write(chunk); });
    w.BeginObject();
    w.Key("status").String(outcome);
    if (data) {
      w.Key("data");
      data(w);
    }
    if (err) {
      w.Key("errorType").String(ErrorTypeName(err->kind()));
      w.Key("error").String(err->message());
    }
    WriteNotes(w, notes.warnings, "warnings", "warning");
    WriteNotes(w, notes.infos, "infos", "info");
    w.EndObject();
    w.Flush();
  };
  return r;
}

}  // namespace

Response ApiSuccess(DataWriter data, Notes notes) {
  return Envelope(200, "success", nullptr, std::move(data), std::move(notes));
}

Response ApiError(const Error& error, DataWriter data, Notes notes) {
  return Envelope(HttpStatusFor(error.kind()), "error", &error, std::move(data), std::move(notes));
}

Response NoContent() {
  Response r;
  r.status = 204;
  return r;
}

Error InvalidParam(std::string_view param, std::string_view message) {
  return BadData("invalid parameter \"" + std::string(param) + "\": " + std::string(message));
}

}  // namespace promref::api
