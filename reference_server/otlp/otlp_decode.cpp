// AsString and Find: attribute values as Prometheus' translation reads them.
#include "otlp/otlp_decode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "model/go_strconv.h"
#include "model/text_encoding.h"
#include "otlp/internal/decode_error.h"
#include "otlp/name_translation.h"

namespace promref::otlp {
namespace {

using internal::DecodeError;
using internal::Throw;

// ---- AsString ------------------------------------------------------------------------------

// Go's float text for JSON and attribute values: 'f' form, or 'e' form with a short exponent
// outside [1e-6, 1e21).
std::string GoJsonFloat(double f) {
  const double a = std::fabs(f);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = model::FormatFloat(f, 'e');
    const size_t e = s.find('e');
    if (e != std::string::npos && e + 3 < s.size() + 1 && s.size() - e == 4 && s[e + 2] == '0')
      s.erase(e + 2, 1);
    return s;
  }
  return model::FormatFloat(f, 'f');
}

void JsonQuote(std::string* out, std::string_view s);

void AppendJson(std::string* out, const AnyValue& v);

void JsonQuote(std::string* out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': *out += "\\\""; break;
        case '\\': *out += "\\\\"; break;
        case '\n': *out += "\\n"; break;
        case '\r': *out += "\\r"; break;
        case '\t': *out += "\\t"; break;
        case '\b': *out += "\\b"; break;
        case '\f': *out += "\\f"; break;
        default:
          if (c < 0x20) {
            *out += "\\u00";
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 15]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const auto [r, w] = DecodeRune(s.substr(i));
    if (r == 0xFFFD && w == 1) {
      *out += "\\ufffd";
    } else if (r == 0x2028 || r == 0x2029) {
      *out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out->append(s.substr(i, w));
    }
    i += w;
  }
  out->push_back('"');
}

void AppendJson(std::string* out, const AnyValue& v) {
  switch (v.kind) {
    case AnyValue::Kind::kEmpty: *out += "null"; break;
    case AnyValue::Kind::kString: JsonQuote(out, v.str); break;
    case AnyValue::Kind::kBool: *out += v.b ? "true" : "false"; break;
    case AnyValue::Kind::kInt: *out += std::to_string(v.i); break;
    case AnyValue::Kind::kDouble: *out += std::isfinite(v.d) ? GoJsonFloat(v.d) : "null"; break;
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
      return GoJsonFloat(v.d);
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
