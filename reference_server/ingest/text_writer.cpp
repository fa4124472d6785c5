#include "ingest/text_writer.h"

#include "model/go_strconv.h"

namespace promref::ingest {
namespace {

// The text format's quoted string: backslash, double quote and newline escaped.
void AppendQuoted(std::string* out, std::string_view s) {
  *out += '"';
  for (char c : s) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      default: *out += c;
    }
  }
  *out += '"';
}

}  // namespace

void AppendSeriesLine(std::string* out, const model::Labels& labels, double value,
                      std::optional<int64_t> timestamp_ms) {
  const std::string_view name = labels.MetricName();
  const bool quoted_name = !model::IsValidLegacyMetricName(name);
  bool first = true;
  if (quoted_name) {
    *out += '{';
    AppendQuoted(out, name);
    first = false;
  } else {
    *out += name;
  }
  for (const model::LabelView& l : labels) {
    if (l.name == model::kMetricNameLabel) continue;
    *out += first ? "{" : ",";
    first = false;
    if (model::IsValidLegacyLabelName(l.name)) {
      *out += l.name;
    } else {
      AppendQuoted(out, l.name);
    }
    *out += '=';
    AppendQuoted(out, l.value);
  }
  if (!first) *out += '}';
  *out += ' ';
  model::AppendFloat(out, value, 'g');
  if (timestamp_ms) *out += ' ' + std::to_string(*timestamp_ms);
  *out += '\n';
}

}  // namespace promref::ingest
