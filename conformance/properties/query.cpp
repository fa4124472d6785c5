#include "properties/query.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "compare/normalize.h"
#include "model/go_strconv.h"
#include "model/value_text.h"

namespace promconform::properties {
namespace {

using nlohmann::json;

// Single-quoted for a POSIX shell.
std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Point ReadPoint(const json& p) {
  Point out;
  if (!p.is_array() || p.size() != 2) return out;
  out.t = SecondsToMillis(p[0].is_number() ? p[0].get<double>() : 0.0);
  out.v = p[1].is_string() ? p[1].get<std::string>() : p[1].dump();
  out.f = ParseValue(out.v);
  return out;
}

void ReadResult(const json& data, Answer& a) {
  a.result_type = data.value("resultType", "");
  const json& r = data.contains("result") ? data["result"] : json();
  if (a.result_type == "scalar" || a.result_type == "string") {
    Series s;
    s.points.push_back(ReadPoint(r));
    a.series.push_back(std::move(s));
    return;
  }
  if (!r.is_array()) return;
  for (const json& item : r) {
    Series s;
    if (item.contains("metric") && item["metric"].is_object()) {
      for (auto it = item["metric"].begin(); it != item["metric"].end(); ++it) {
        s.labels[it.key()] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
      }
    }
    if (item.contains("value")) s.points.push_back(ReadPoint(item["value"]));
    if (item.contains("values") && item["values"].is_array()) {
      for (const json& p : item["values"]) s.points.push_back(ReadPoint(p));
    }
    a.series.push_back(std::move(s));
  }
}

}  // namespace

double ParseValue(const std::string& v) {
  if (v == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (v == "+Inf" || v == "Inf") return std::numeric_limits<double>::infinity();
  if (v == "-Inf") return -std::numeric_limits<double>::infinity();
  return std::strtod(v.c_str(), nullptr);
}

std::string LabelText(const LabelMap& labels) {
  std::string name, rest;
  for (const auto& [k, v] : labels) {
    if (k == "__name__") {
      name = v;
      continue;
    }
    rest += (rest.empty() ? "" : ", ") + k + "=" + promref::model::GoQuote(v);
  }
  return name + "{" + rest + "}";
}

std::string Answer::Summary(size_t max) const {
  if (!transport_error.empty()) return "no answer: " + transport_error;
  if (status != "success") {
    return "HTTP " + std::to_string(http) + " " + error_type +
           (error.empty() ? "" : ": " + error.substr(0, 200));
  }
  if (series.empty()) return result_type + " (empty)";
  std::string out = result_type + " ";
  for (size_t i = 0; i < series.size() && i < max; ++i) {
    if (i) out += ", ";
    if (result_type != "scalar") out += LabelText(series[i].labels) + " ";
    if (series[i].points.size() == 1) {
      out += series[i].points[0].v;
    } else {
      out += "[";
      for (size_t k = 0; k < series[i].points.size() && k < 4; ++k)
        out += (k ? " " : "") + series[i].points[k].v;
      if (series[i].points.size() > 4) out += " ...";
      out += "]";
    }
  }
  if (series.size() > max) out += ", ... (" + std::to_string(series.size()) + " series)";
  return out;
}

std::string CurlCommand(const Target& target, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& params, bool post) {
  std::string out = "curl -s" + std::string(post ? "" : "G") + " " + ShellQuote(target.Url(path));
  for (const auto& [k, v] : params) out += " --data-urlencode " + ShellQuote(k + "=" + v);
  return out;
}

QueryClient::QueryClient(const Target& target)
    : target_(target), client_(std::make_unique<HttpClient>(target.ClientOptions())) {}
QueryClient::~QueryClient() = default;

Answer QueryClient::Instant(const std::string& query, int64_t t_ms, bool post) {
  return Ask("/api/v1/query", {{"query", query}, {"time", promref::model::FormatScalarTimestamp(t_ms)}},
             post);
}

Answer QueryClient::Range(const std::string& query, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                          bool get) {
  return Ask("/api/v1/query_range",
             {{"query", query},
              {"start", promref::model::FormatScalarTimestamp(start_ms)},
              {"end", promref::model::FormatScalarTimestamp(end_ms)},
              {"step", promref::model::FormatScalarTimestamp(step_ms)}},
             !get);
}

Answer QueryClient::Ask(const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& params, bool post) {
  Answer a;
  const std::string url = target_.Url(path);
  HttpRequest req;
  req.url = url;
  const std::string form = FormEncode(params);
  a.curl = CurlCommand(target_, path, params, post);
  if (post) {
    req.method = "POST";
    req.body = form;
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    a.request_line = "POST " + path + " (form: " + form + ")";
  } else {
    req.url += "?" + form;
    a.request_line = "GET " + path + "?" + form;
  }
  a.raw = target_.Send(*client_, req);
  a.http = a.raw.status;
  a.transport_error = a.raw.transport_error;
  if (!a.raw.answered()) return a;
  const json j = json::parse(a.raw.body, nullptr, false);
  if (!j.is_object()) return a;
  a.status = j.value("status", "");
  a.error_type = j.value("errorType", "");
  a.error = j.value("error", "");
  if (a.status == "success" && j.contains("data")) ReadResult(j["data"], a);
  return a;
}

}  // namespace promconform::properties
