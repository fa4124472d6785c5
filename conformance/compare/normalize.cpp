#include "compare/normalize.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "model/time.h"
#include "model/utf8.h"
#include "model/value_text.h"

namespace promconform {
namespace {

using nlohmann::json;

std::string MediaType(const std::string& content_type) {
  std::string m = content_type.substr(0, content_type.find(';'));
  while (!m.empty() && m.back() == ' ') m.pop_back();
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  return m;
}

// The first `max` bytes of a body as valid UTF-8 (invalid bytes become U+FFFD, a rune cut by
// the limit is dropped): bodies that are not text (gzip) must still fit in JSON.
std::string TextPrefix(const std::string& body, size_t max) {
  std::string out;
  std::string_view s(body);
  size_t i = 0;
  while (i < s.size() && i < max) {
    char32_t r;
    const int n = promref::model::DecodeRune(s.substr(i), &r);
    if (i + static_cast<size_t>(n) > max) break;
    promref::model::AppendRune(&out, r);
    i += static_cast<size_t>(n);
  }
  return out;
}

std::string StatusClass(long status) {
  return std::to_string(status / 100) + "xx";
}

json Timestamp(const json& t, const NormalizeContext& ctx, bool ignore) {
  if (ignore) return 0;
  if (!t.is_number()) return t;
  return SecondsToMillis(t.get<double>()) - ctx.base_ms;
}

json Value(const json& v, const NormalizeContext& ctx) {
  if (!ctx.timestamp_values || !v.is_string()) return v;
  const std::string s = v.get<std::string>();
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(d)) return v;
  return promref::model::FormatScalarValue(static_cast<double>(SecondsToMillis(d) - ctx.base_ms) / 1000);
}

json Point(const json& p, const NormalizeContext& ctx, bool ignore_ts) {
  if (!p.is_array() || p.size() != 2) return p;
  return json::array({Timestamp(p[0], ctx, ignore_ts), p[1].is_object() ? p[1] : Value(p[1], ctx)});
}

json NormalizeQueryData(const json& data, const NormalizeContext& ctx, bool ignore_ts) {
  if (!data.is_object() || !data.contains("resultType")) return data;
  json out;
  out["resultType"] = data["resultType"];
  const json& result = data.value("result", json());
  const std::string type = data["resultType"].is_string() ? data["resultType"].get<std::string>() : "";
  if (type == "scalar" || type == "string") {
    out["result"] = Point(result, ctx, ignore_ts);
    if (type == "string" && result.is_array() && result.size() == 2) out["result"][1] = result[1];
    return out;
  }
  json items = json::array();
  if (result.is_array()) {
    for (const json& item : result) {
      if (!item.is_object()) {
        items.push_back(item);
        continue;
      }
      json n;
      n["metric"] = item.value("metric", json::object());
      if (item.contains("value")) n["value"] = Point(item["value"], ctx, ignore_ts);
      if (item.contains("histogram")) n["histogram"] = Point(item["histogram"], ctx, ignore_ts);
      if (item.contains("values")) {
        json vs = json::array();
        for (const json& p : item["values"]) vs.push_back(Point(p, ctx, ignore_ts));
        n["values"] = std::move(vs);
      }
      if (item.contains("histograms")) {
        json hs = json::array();
        for (const json& p : item["histograms"]) hs.push_back(Point(p, ctx, ignore_ts));
        n["histograms"] = std::move(hs);
      }
      items.push_back(std::move(n));
    }
  } else {
    out["result"] = result;  // null or something odd: keep it so that it shows in diffs
    return out;
  }
  out["result"] = std::move(items);
  return out;
}

// Annotation texts may name instants (histogram_quantile's monotonicity info: "from
// 2026-12-06T03:34:00Z to ..."): those become relative to the base ("T+540s"), so that answers
// recorded at one base compare with answers at another.
std::string RebaseRfc3339(const std::string& text, int64_t base_ms) {
  if (base_ms == 0) return text;
  std::string out;
  size_t i = 0;
  constexpr size_t kLen = 20;  // 2006-01-02T15:04:05Z
  while (i < text.size()) {
    int64_t secs = 0;
    int32_t nanos = 0;
    if (i + kLen <= text.size() && text[i + 4] == '-' && text[i + 10] == 'T' && text[i + kLen - 1] == 'Z' &&
        promref::model::ParseRfc3339(std::string_view(text).substr(i, kLen), &secs, &nanos)) {
      const int64_t rel = secs * 1000 - base_ms;
      out += "T" + std::string(rel < 0 ? "-" : "+") + std::to_string((rel < 0 ? -rel : rel) / 1000) + "s";
      i += kLen;
      continue;
    }
    out += text[i++];
  }
  return out;
}

json Annotations(const json& list, const NormalizeContext& ctx) {
  json out = json::array();
  for (const json& a : list)
    out.push_back(a.is_string() ? json(RebaseRfc3339(a.get<std::string>(), ctx.base_ms)) : a);
  return out;
}

json SortedArray(const json& data) {
  if (!data.is_array()) return data;
  std::vector<std::pair<std::string, json>> keyed;
  for (const json& x : data) keyed.emplace_back(x.dump(), x);
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json out = json::array();
  for (auto& [k, v] : keyed) out.push_back(std::move(v));
  return out;
}

json ComparedHeaders(const HttpResponse& r, const Exchange& e) {
  json h = json::object();
  for (const std::string& name : e.compare_headers) h[name] = r.Header(name);
  return h;
}

}  // namespace

int64_t SecondsToMillis(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * 1000));
}

json Normalize(const HttpResponse& r, const Exchange& e, const NormalizeContext& ctx) {
  json out;
  if (!r.answered()) {
    out["transport_error"] = r.transport_error;
    return out;
  }
  if (e.mode == NormalizeMode::kRemoteWrite) {
    out["http_class"] = StatusClass(r.status);
    out["http_info"] = r.status;
    if (r.status >= 300 && !r.body.empty()) out["error"] = TextPrefix(r.body, 300);
    // Remote write 2.0's X-Prometheus-Remote-Write-*-Written: what the receiver says it stored.
    if (!e.compare_headers.empty()) out["headers"] = ComparedHeaders(r, e);
    return out;
  }
  out["http"] = r.status;
  const std::string ct = MediaType(r.Header("Content-Type"));
  if (!ct.empty()) out["content_type"] = ct;
  if (!e.compare_headers.empty()) out["headers"] = ComparedHeaders(r, e);
  if (e.mode == NormalizeMode::kText) {
    if (!r.body.empty()) out["body"] = TextPrefix(r.body, 200);
    return out;
  }
  json body = r.body.empty() ? json() : json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("status")) {
    if (!r.body.empty()) out["body"] = TextPrefix(r.body, 200);
    return out;
  }
  out["status"] = body["status"];
  if (body.contains("errorType")) out["errorType"] = body["errorType"];
  if (body.contains("error")) out["error"] = body["error"];
  for (const char* key : {"warnings", "infos"}) {
    if (body.contains(key) && body[key].is_array() && !body[key].empty())
      out[key] = SortedArray(Annotations(body[key], ctx));
  }
  if (!body.contains("data") || e.mode == NormalizeMode::kEnvelope) return out;
  const json& data = body["data"];
  switch (e.mode) {
    case NormalizeMode::kQuery: out["data"] = NormalizeQueryData(data, ctx, e.ignore_timestamps); break;
    case NormalizeMode::kSeries: out["data"] = SortedArray(data); break;
    case NormalizeMode::kStringSet:
      // Compared as a set; Prometheus also sorts label names and values, so the order is kept as
      // a flag (strings compare bytewise, as Go's sort.Strings does).
      out["data"] = SortedArray(data);
      if (data.is_array() && !std::is_sorted(data.begin(), data.end(), [](const json& a, const json& b) {
            return a.is_string() && b.is_string() && a.get<std::string>() < b.get<std::string>();
          })) {
        out["unsorted"] = true;
      }
      break;
    case NormalizeMode::kKeys: {
      if (data.is_object()) {
        json keys = json::array();
        for (auto it = data.begin(); it != data.end(); ++it) keys.push_back(it.key());
        out["data"] = SortedArray(keys);
      } else {
        out["data"] = data.is_array() ? json("<array>") : json(data.type_name());
      }
      break;
    }
    default: out["data"] = data; break;
  }
  return out;
}

}  // namespace promconform
