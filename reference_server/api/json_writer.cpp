#include "api/json_writer.h"

#include "model/value_text.h"

namespace promref::api {

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) buf_.push_back(',');
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  buf_.push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  buf_.push_back('}');
  first_.pop_back();
  MaybeFlush();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  buf_.push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  buf_.push_back(']');
  first_.pop_back();
  MaybeFlush();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  model::AppendJsonString(&buf_, key);
  buf_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  BeforeValue();
  model::AppendJsonString(&buf_, s);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool b) {
  BeforeValue();
  buf_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  buf_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  buf_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::Number(double v) {
  BeforeValue();
  model::AppendJsonNumber(&buf_, v);
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  buf_ += json;
  return *this;
}

JsonWriter& JsonWriter::SampleValue(double v) {
  BeforeValue();
  buf_.push_back('"');
  model::AppendSampleValue(&buf_, v);
  buf_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::SampleTimestamp(int64_t ms) {
  BeforeValue();
  model::AppendSampleTimestamp(&buf_, ms);
  return *this;
}

JsonWriter& JsonWriter::SamplePoint(int64_t ms, double v) {
  BeforeValue();
  char buf[model::kMaxSampleTimestampBytes + model::kMaxSampleValueBytes + 8];
  char* p = buf;
  *p++ = '[';
  p = model::WriteSampleTimestamp(p, ms);
  *p++ = ',';
  *p++ = '"';
  p = model::WriteSampleValue(p, v);
  *p++ = '"';
  *p++ = ']';
  buf_.append(buf, p);
  return *this;
}

JsonWriter& JsonWriter::Labels(const model::Labels& labels) {
  BeginObject();
  for (const model::LabelView& l : labels) Key(l.name).String(l.value);
  return EndObject();
}

void JsonWriter::Flush() {
  if (flush_ && !buf_.empty()) {
    flush_(buf_);
    buf_.clear();
  }
}

}  // namespace promref::api
