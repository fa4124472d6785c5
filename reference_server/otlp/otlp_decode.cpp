// AsString and Find: attribute values as Prometheus' translation reads them.
#include "otlp/otlp_decode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "model/text_encoding.h"
#include "model/value_text.h"
#include "otlp/internal/decode_error.h"
#include "otlp/name_translation.h"

namespace promref::otlp {
namespace {

using internal::DecodeError;
using internal::Throw;

// ---- AsString ------------------------------------------------------------------------------

// Attribute values as the OTLP translator's Go encoding/json writes them (no HTML escaping).
void JsonQuote(std::string* out, std::string_view s) {
  model::AppendJsonString(out, s, model::JsonEscaping::kGoNoHtml);
}

void AppendJson(std::string* out, const AnyValue& v);

void AppendJson(std::string* out, const AnyValue& v) {
  switch (v.kind) {
    case AnyValue::Kind::kEmpty: *out += "null"; break;
    case AnyValue::Kind::kString: JsonQuote(out, v.str); break;
    case AnyValue::Kind::kBool: *out += v.b ? "true" : "false"; break;
    case AnyValue::Kind::kInt: *out += std::to_string(v.i); break;
    case AnyValue::Kind::kDouble: *out += std::isfinite(v.d) ? model::FormatJsonNumber(v.d) : "null"; break;
    case AnyValue::Kind::kBytes: JsonQuote(out, model::Base64Encode(v.str)); break;
    case AnyValue::Kind::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.array.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJson(out, v.array[i]);
      }
      out->push_back(']');
      break;
    case AnyValue::Kind::kKvlist: {
      // A map: one value per key (the last), keys sorted, as encoding/json writes a Go map.
      std::map<std::string, const AnyValue*> sorted;
      for (const KeyValue& kv : v.kvlist) sorted[kv.key] = &kv.value;
      out->push_back('{');
      bool first = true;
      for (const auto& [k, val] : sorted) {
        if (!first) out->push_back(',');
        first = false;
        JsonQuote(out, k);
        out->push_back(':');
        AppendJson(out, *val);
      }
      out->push_back('}');
      break;
    }
  }
}

}  // namespace

std::string AsString(const AnyValue& v) {
  switch (v.kind) {
    case AnyValue::Kind::kEmpty: return "";
    case AnyValue::Kind::kString: return v.str;
    case AnyValue::Kind::kBool: return v.b ? "true" : "false";
    case AnyValue::Kind::kInt: return std::to_string(v.i);
    case AnyValue::Kind::kDouble:
      if (std::isnan(v.d)) return "NaN";
      if (std::isinf(v.d)) return v.d > 0 ? "Infinity" : "-Infinity";
      return model::FormatJsonNumber(v.d);
    case AnyValue::Kind::kBytes: return model::Base64Encode(v.str);
    case AnyValue::Kind::kArray:
    case AnyValue::Kind::kKvlist: {
      std::string out;
      AppendJson(&out, v);
      return out;
    }
  }
  return "";
}

const AnyValue* Find(const Attributes& attrs, std::string_view key) {
  for (const KeyValue& kv : attrs) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

}  // namespace promref::otlp
