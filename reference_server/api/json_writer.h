// A streaming JSON writer that produces the bytes Prometheus' API produces: keys in the order
// written, strings escaped as Go's encoding/json does, sample values and timestamps in the
// exact text of each context (see model/value_text.h). Output goes to a string buffer that a
// flush callback can drain as it grows, so large results are sent without building the whole
// document in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"

namespace promref::api {

class JsonWriter {
 public:
  // Without a flush callback the whole document accumulates in the buffer (see Take()).
  explicit JsonWriter(std::function<void(std::string&)> flush = nullptr, size_t flush_bytes = 64 * 1024)
      : flush_(std::move(flush)), flush_bytes_(flush_bytes) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view s);
  JsonWriter& Bool(bool b);
  JsonWriter& Null();
  JsonWriter& Int(int64_t v);
  // Go encoding/json float64 (finite values only).
  JsonWriter& Number(double v);
  // A pre-rendered JSON value.
  JsonWriter& Raw(std::string_view json);
  // A string holding a sample value ("1.5", "NaN", "+Inf", "1e-07").
  JsonWriter& SampleValue(double v);
  // A sample timestamp in seconds with three-digit milliseconds (1.500).
  JsonWriter& SampleTimestamp(int64_t ms);
  // A sample as the API writes one: [timestamp, "value"], put down in one piece (a large
  // matrix is mostly these).
  JsonWriter& SamplePoint(int64_t ms, double v);
  // A label set as an object {"name":"value",...} in label order.
  JsonWriter& Labels(const model::Labels& labels);

  // Sends what is buffered to the flush callback (if any).
  void Flush();
  // The document written so far (when no flush callback drained it).
  std::string Take() { return std::move(buf_); }

 private:
  void BeforeValue();
  void MaybeFlush() {
    if (flush_ && buf_.size() >= flush_bytes_) Flush();
  }

  std::function<void(std::string&)> flush_;
  size_t flush_bytes_;
  std::string buf_;
  // Per open container: whether the next element is the first (no comma).
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace promref::api
