#include "suites/case.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

#include "model/time.h"

namespace promconform {
namespace {

using nlohmann::json;
using promref::BadData;

constexpr std::pair<NormalizeMode, std::string_view> kModes[] = {
    {NormalizeMode::kQuery, "query"},
    {NormalizeMode::kSeries, "series"},
    {NormalizeMode::kStringSet, "strings"},
    {NormalizeMode::kKeys, "keys"},
    {NormalizeMode::kExact, "exact"},
    {NormalizeMode::kEnvelope, "envelope"},
    {NormalizeMode::kRemoteWrite, "remote_write"},
    {NormalizeMode::kText, "text"},
};

json ParamsToJson(const Params& p) {
  json a = json::array();
  for (const auto& [k, v] : p) a.push_back({k, v});
  return a;
}

Params ParamsFromJson(const json& a) {
  Params p;
  if (!a.is_array()) return p;
  for (const auto& kv : a) p.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  return p;
}

std::string Rfc3339(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  const int64_t frac = ms - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  const promref::model::CivilDate c = promref::model::CivilFromDays(days);
  const int64_t y = c.year;
  const unsigned m = static_cast<unsigned>(c.month), d = static_cast<unsigned>(c.day);
  // Sized for any int64 fields (the compiler cannot see that the hour is < 24).
  char buf[160];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y),
                m, d, static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(frac));
  return buf;
}

std::string SecondsText(int64_t ms) {
  const bool neg = ms < 0;
  const int64_t a = neg ? -ms : ms;
  char buf[48];
  if (a % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%s%lld", neg ? "-" : "", static_cast<long long>(a / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%s%lld.%03lld", neg ? "-" : "", static_cast<long long>(a / 1000),
                  static_cast<long long>(a % 1000));
  }
  return buf;
}

// Parses "T", "T+750.234", "T-60" into an offset in ms.
promref::Result<int64_t> ParseOffset(std::string_view s) {
  if (s.empty() || s[0] != 'T') return BadData("template must start with T");
  if (s.size() == 1) return int64_t{0};
  const char sign = s[1];
  if (sign != '+' && sign != '-') return BadData("expected + or - after T");
  const std::string num(s.substr(2));
  char* end = nullptr;
  const double v = std::strtod(num.c_str(), &end);
  if (end == num.c_str() || *end != '\0') return BadData("bad number in template: " + num);
  const auto ms = static_cast<int64_t>(std::llround(v * 1000));
  return sign == '+' ? ms : -ms;
}

}  // namespace

std::string_view NormalizeModeName(NormalizeMode m) {
  for (const auto& [mode, name] : kModes) {
    if (mode == m) return name;
  }
  return "query";
}

std::optional<NormalizeMode> ParseNormalizeMode(std::string_view s) {
  for (const auto& [mode, name] : kModes) {
    if (name == s) return mode;
  }
  return std::nullopt;
}

std::string RelTime(int64_t offset_ms) {
  return offset_ms < 0 ? "${T-" + SecondsText(-offset_ms) + "}" : "${T+" + SecondsText(offset_ms) + "}";
}

std::string RelRfc3339(int64_t offset_ms) {
  return offset_ms < 0 ? "${RFC3339:T-" + SecondsText(-offset_ms) + "}"
                       : "${RFC3339:T+" + SecondsText(offset_ms) + "}";
}

std::string RelText(int64_t offset_ms) {
  std::string out = offset_ms < 0 ? "-" : "";
  int64_t a = std::llabs(offset_ms);
  if (a >= 60000) {
    out += std::to_string(a / 60000) + "m";
    a %= 60000;
  }
  out += SecondsText(a) + "s";
  return out;
}

namespace {

// Walks `text`: `literal` gets the text between templates (and ${...} that are not templates,
// such as label_replace's "${1}"), `templated` each template's kind ("", "RFC3339", "MS") and
// offset from the base.
promref::Status VisitTemplates(std::string_view text, const std::function<void(std::string_view)>& literal,
                               const std::function<promref::Status(std::string_view, int64_t)>& templated) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = text.find("${", i);
    if (start == std::string_view::npos) {
      literal(text.substr(i));
      break;
    }
    literal(text.substr(i, start - i));
    const size_t end = text.find('}', start);
    if (end == std::string_view::npos) return BadData("unterminated ${ in " + std::string(text));
    std::string_view inner = text.substr(start + 2, end - start - 2);
    if (!(inner.starts_with("T") || inner.starts_with("RFC3339:") || inner.starts_with("MS:"))) {
      literal(text.substr(start, end - start + 1));
      i = end + 1;
      continue;
    }
    std::string_view kind;
    if (const size_t colon = inner.find(':'); colon != std::string_view::npos) {
      kind = inner.substr(0, colon);
      inner = inner.substr(colon + 1);
    }
    auto off = ParseOffset(inner);
    if (!off.ok())
      return BadData(off.error().message() + " in ${" + std::string(text.substr(start + 2, end - start - 2)) +
                     "}");
    if (kind != "" && kind != "RFC3339" && kind != "MS")
      return BadData("unknown template kind " + std::string(kind));
    auto st = templated(kind, *off);
    if (!st.ok()) return st;
    i = end + 1;
  }
  return {};
}

}  // namespace

promref::Result<std::string> RenderTemplate(std::string_view text, int64_t base_ms) {
  std::string out;
  auto st = VisitTemplates(
      text, [&](std::string_view lit) { out.append(lit); },
      [&](std::string_view kind, int64_t off) -> promref::Status {
        const int64_t t = base_ms + off;
        if (kind.empty()) {
          out += SecondsText(t);
        } else if (kind == "RFC3339") {
          out += Rfc3339(t);
        } else {
          out += std::to_string(t);
        }
        return {};
      });
  if (!st.ok()) return st.error();
  return out;
}

int64_t LatestRelativeTimeMs(const Case& c) {
  int64_t latest = 0;
  auto scan = [&](std::string_view text) {
    (void)VisitTemplates(
        text, [](std::string_view) {},
        [&](std::string_view, int64_t off) -> promref::Status {
          latest = std::max(latest, off);
          return {};
        });
  };
  for (const Exchange& e : c.exchanges) {
    const RequestSpec& r = e.request;
    scan(r.path);
    scan(r.body);
    for (const Params* ps : {&r.params, &r.url_params, &r.headers}) {
      for (const auto& [k, v] : *ps) scan(v);
    }
  }
  return latest;
}

json CaseToJson(const Case& c) {
  json j;
  j["id"] = c.id;
  j["category"] = c.category;
  j["seed"] = c.seed;
  j["since"] = c.since;
  if (!c.title.empty()) j["title"] = c.title;
  if (!c.expr.empty()) j["expr"] = c.expr;
  if (!c.order.by.empty()) {
    json o = {{"by", c.order.by}};
    if (c.order.grouped) {
      if (!c.order.group_by.empty() || c.order.group_without.empty()) o["group_by"] = c.order.group_by;
      if (!c.order.group_without.empty()) o["group_without"] = c.order.group_without;
    }
    j["order"] = o;
  }
  if (c.timestamp_values) j["timestamp_values"] = true;
  if (c.absolute_time) j["absolute_time"] = true;
  if (c.serial) j["serial"] = true;
  if (c.front_door) j["front_door"] = true;
  if (c.needs_remote_write) j["needs_remote_write"] = true;
  if (c.native_histograms) j["native_histograms"] = true;
  if (!c.vendor.empty()) j["vendor"] = c.vendor;
  json ex = json::array();
  for (const Exchange& e : c.exchanges) {
    json x;
    x["name"] = e.name;
    json r;
    r["method"] = e.request.method;
    r["path"] = e.request.path;
    if (!e.request.params.empty()) r["params"] = ParamsToJson(e.request.params);
    if (e.request.form) r["form"] = true;
    if (!e.request.url_params.empty()) r["url_params"] = ParamsToJson(e.request.url_params);
    if (!e.request.headers.empty()) r["headers"] = ParamsToJson(e.request.headers);
    if (!e.request.body.empty()) r["body"] = e.request.body;
    if (e.request.write) r["write"] = *e.request.write;
    if (e.request.auth != "profile") r["auth"] = e.request.auth;
    x["request"] = r;
    x["mode"] = NormalizeModeName(e.mode);
    if (!e.compare_headers.empty()) x["compare_headers"] = e.compare_headers;
    if (e.ignore_timestamps) x["ignore_timestamps"] = true;
    if (e.step_ms != 0) x["step_ms"] = e.step_ms;
    if (e.retry_ms != 0) x["retry_ms"] = e.retry_ms;
    if (e.expect) x["expect"] = *e.expect;
    if (!e.expect_source.empty()) x["expect_source"] = e.expect_source;
    if (e.expect_v3) {
      x["expect_v3"] = *e.expect_v3;
      x["expect_v3_source"] = e.expect_v3_source;
    }
    ex.push_back(std::move(x));
  }
  j["exchanges"] = std::move(ex);
  return j;
}

promref::Result<Case> CaseFromJson(const json& j) {
  try {
    Case c;
    c.id = j.at("id").get<std::string>();
    c.category = j.at("category").get<std::string>();
    c.seed = j.value("seed", "");
    c.since = j.value("since", "");
    c.title = j.value("title", "");
    c.expr = j.value("expr", "");
    if (j.contains("order")) {
      const json& o = j["order"];
      c.order.by = o.value("by", "");
      if (o.contains("group_by")) {
        c.order.grouped = true;
        c.order.group_by = o["group_by"].get<std::vector<std::string>>();
      }
      if (o.contains("group_without")) {
        c.order.grouped = true;
        c.order.group_without = o["group_without"].get<std::vector<std::string>>();
      }
    }
    c.timestamp_values = j.value("timestamp_values", false);
    c.absolute_time = j.value("absolute_time", false);
    c.serial = j.value("serial", false);
    c.front_door = j.value("front_door", false);
    c.needs_remote_write = j.value("needs_remote_write", false);
    c.native_histograms = j.value("native_histograms", false);
    c.vendor = j.value("vendor", "");
    for (const json& x : j.at("exchanges")) {
      Exchange e;
      e.name = x.value("name", "");
      const json& r = x.at("request");
      e.request.method = r.value("method", "GET");
      e.request.path = r.value("path", "");
      if (r.contains("params")) e.request.params = ParamsFromJson(r["params"]);
      e.request.form = r.value("form", false);
      if (r.contains("url_params")) e.request.url_params = ParamsFromJson(r["url_params"]);
      if (r.contains("headers")) e.request.headers = ParamsFromJson(r["headers"]);
      e.request.body = r.value("body", "");
      if (r.contains("write")) e.request.write = r["write"];
      e.request.auth = r.value("auth", "profile");
      auto mode = ParseNormalizeMode(x.value("mode", "query"));
      if (!mode) return BadData("case " + c.id + ": unknown mode " + x.value("mode", ""));
      e.mode = *mode;
      if (x.contains("compare_headers"))
        e.compare_headers = x["compare_headers"].get<std::vector<std::string>>();
      e.ignore_timestamps = x.value("ignore_timestamps", false);
      e.step_ms = x.value("step_ms", int64_t{0});
      e.retry_ms = x.value("retry_ms", int64_t{0});
      if (x.contains("expect")) e.expect = x["expect"];
      e.expect_source = x.value("expect_source", "");
      if (x.contains("expect_v3")) {
        e.expect_v3 = x["expect_v3"];
        e.expect_v3_source = x.value("expect_v3_source", "");
      }
      c.exchanges.push_back(std::move(e));
    }
    return c;
  } catch (const json::exception& e) {
    return BadData(std::string("malformed case: ") + e.what());
  }
}

}  // namespace promconform
