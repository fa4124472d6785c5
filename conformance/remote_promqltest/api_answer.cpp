#include "remote_promqltest/api_answer.h"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "model/labels.h"
#include "remote_promqltest/api_histogram.h"

namespace promconform::remote_promqltest {
namespace {

namespace pq = promref::promql;
using nlohmann::json;
using promref::Error;
using promref::ErrorKind;

pq::QueryResult Failed(ErrorKind kind, std::string message) {
  pq::QueryResult r;
  r.status = Error(kind, std::move(message));
  return r;
}

ErrorKind KindOf(const std::string& error_type) {
  for (ErrorKind k : {ErrorKind::kBadData, ErrorKind::kExecution, ErrorKind::kTimeout, ErrorKind::kCanceled,
                      ErrorKind::kNotFound, ErrorKind::kUnavailable}) {
    if (promref::ErrorTypeName(k) == error_type) return k;
  }
  return ErrorKind::kInternal;
}

// Where a value could not be read: thrown inside this file only, turned into an error answer.
struct Unreadable {
  std::string what;
};

int64_t Millis(const json& t) {
  if (!t.is_number()) throw Unreadable{"a timestamp that is not a number"};
  return static_cast<int64_t>(std::llround(t.get<double>() * 1000));
}

double Float(const json& v) {
  if (!v.is_string()) throw Unreadable{"a sample value that is not a string"};
  const std::string& s = v.get_ref<const std::string&>();
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') throw Unreadable{"the sample value \"" + s + "\""};
  return d;
}

promref::model::Labels Metric(const json& m) {
  if (!m.is_object()) throw Unreadable{"a series without a metric object"};
  promref::model::LabelsBuilder b;
  for (const auto& [k, v] : m.items()) {
    if (!v.is_string()) throw Unreadable{"a label value that is not a string"};
    b.Set(k, v.get_ref<const std::string&>());
  }
  return b.Build();
}

// One `[boundary_rule, "lower", "upper", "count"]`; the rule is 0 (lower exclusive, upper
// inclusive), 1 (lower inclusive), 2 (both exclusive) or 3 (both inclusive).
promref::model::HistogramBucket Bucket(const json& b) {
  if (!b.is_array() || b.size() != 4 || !b[0].is_number_integer())
    throw Unreadable{"a malformed histogram bucket"};
  const int rule = b[0].get<int>();
  if (rule < 0 || rule > 3) throw Unreadable{"the bucket boundary rule " + std::to_string(rule)};
  return {.lower = Float(b[1]),
          .upper = Float(b[2]),
          .lower_inclusive = rule == 1 || rule == 3,
          .upper_inclusive = rule == 0 || rule == 3,
          .count = Float(b[3])};
}

// `{"count","sum","buckets"}`, as a histogram that renders to the same buckets (see
// api_histogram.h: its schema and spans are reconstructed).
std::shared_ptr<const promref::model::FloatHistogram> Histogram(const json& h) {
  if (!h.is_object()) throw Unreadable{"a histogram that is not an object"};
  std::vector<promref::model::HistogramBucket> buckets;
  if (h.contains("buckets")) {
    for (const json& b : h.at("buckets")) buckets.push_back(Bucket(b));
  }
  auto decoded = HistogramFromApiBuckets(Float(h.at("count")), Float(h.at("sum")), buckets);
  if (!decoded.ok()) throw Unreadable{decoded.error().message() + ": " + h.dump()};
  return std::make_shared<const promref::model::FloatHistogram>(*std::move(decoded));
}

pq::Value DecodeValue(const json& data) {
  const std::string type = data.value("resultType", "");
  const json& result = data.at("result");
  pq::Value v;
  if (type == "scalar" || type == "string") {
    v.type = type == "scalar" ? pq::ResultType::kScalar : pq::ResultType::kString;
    v.t = Millis(result.at(0));
    if (type == "scalar") v.scalar = Float(result.at(1));
    if (type == "string") v.str = result.at(1).get<std::string>();
    return v;
  }
  if (type == "vector") {
    v.type = pq::ResultType::kVector;
    for (const json& item : result) {
      pq::Sample s{.metric = Metric(item.at("metric"))};
      if (item.contains("histogram")) {
        const json& p = item.at("histogram");
        s.t = Millis(p.at(0));
        s.h = Histogram(p.at(1));
      } else {
        const json& p = item.at("value");
        s.t = Millis(p.at(0));
        s.f = Float(p.at(1));
      }
      v.vector.push_back(std::move(s));
    }
    return v;
  }
  if (type == "matrix") {
    v.type = pq::ResultType::kMatrix;
    for (const json& item : result) {
      pq::Series s{.metric = Metric(item.at("metric"))};
      for (const json& p : item.value("values", json::array()))
        s.floats.push_back({Millis(p.at(0)), Float(p.at(1))});
      for (const json& p : item.value("histograms", json::array())) {
        s.histograms.push_back({Millis(p.at(0)), Histogram(p.at(1))});
      }
      v.matrix.push_back(std::move(s));
    }
    return v;
  }
  throw Unreadable{"the result type \"" + type + "\""};
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || !j.at(key).is_array()) return out;
  for (const json& s : j.at(key)) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

std::string Excerpt(const std::string& body) {
  return body.size() <= 200 ? body : body.substr(0, 200) + "...";
}

}  // namespace

pq::QueryResult DecodeQueryAnswer(const HttpResponse& response) {
  if (!response.answered()) return Failed(ErrorKind::kUnavailable, "no answer: " + response.transport_error);
  const json j = json::parse(response.body, nullptr, false);
  if (!j.is_object() || !j.contains("status")) {
    return Failed(ErrorKind::kInternal,
                  "HTTP " + std::to_string(response.status) +
                      " with a body that is not the API's JSON: " + Excerpt(response.body));
  }
  if (j.value("status", "") != "success") {
    std::string message = j.value("error", "");
    static const std::string kQueryParam = "invalid parameter \"query\": ";
    if (message.rfind(kQueryParam, 0) == 0) message.erase(0, kQueryParam.size());
    return Failed(KindOf(j.value("errorType", "")), message);
  }
  pq::QueryResult r;
  try {
    r.value = DecodeValue(j.at("data"));
  } catch (const Unreadable& u) {
    return Failed(ErrorKind::kInternal, "an answer with " + u.what);
  } catch (const json::exception& e) {
    return Failed(ErrorKind::kInternal, std::string("an answer not shaped as the API's: ") + e.what());
  }
  r.annotations.warnings = Strings(j, "warnings");
  r.annotations.infos = Strings(j, "infos");
  return r;
}

std::string ApiTime(int64_t ms) {
  const bool negative = ms < 0;
  const uint64_t abs = negative ? uint64_t(0) - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  char frac[8];
  std::snprintf(frac, sizeof frac, "%03u", static_cast<unsigned>(abs % 1000));
  return (negative ? "-" : "") + std::to_string(abs / 1000) + "." + frac;
}

}  // namespace promconform::remote_promqltest
