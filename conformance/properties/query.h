// Asking a target PromQL queries and reading the answers, for laws.
//
// An Answer is the target's reply reduced to what laws reason about: the envelope (HTTP status,
// status, errorType, error), the result type and the series with their points (timestamps in
// ms, values as the server wrote them, "NaN" and "+Inf" included). A scalar result is one series
// with no labels; an instant vector's series have one point each. Series keep the server's
// order (sort laws look at it). Every answer carries the one-line curl command that reproduces
// it (credentials left out: the profile's headers are not printed).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "client/http_client.h"
#include "target/target.h"

namespace promconform::properties {

using LabelMap = std::map<std::string, std::string>;

struct Point {
  int64_t t = 0;
  std::string v;
  double f = 0;  // v parsed
};

struct Series {
  LabelMap labels;
  std::vector<Point> points;
};

struct Answer {
  long http = 0;
  std::string status;  // "success" | "error" | "" (no JSON envelope)
  std::string error_type, error, transport_error;
  std::string result_type;  // vector | scalar | matrix | string
  std::vector<Series> series;
  std::string curl;  // reproduces the request
  std::string request_line;
  HttpResponse raw;

  bool ok() const { return status == "success" && transport_error.empty(); }
  // The answer in one line: `{a="b"} 1.5, {a="c"} NaN` (or the error), at most `max` series.
  std::string Summary(size_t max = 6) const;
};

double ParseValue(const std::string& v);
// `{a="b", c="d"}` (Prometheus' label set text, __name__ shown as a name).
std::string LabelText(const LabelMap& labels);

// The curl command that sends `params` to `path` on the target (GET, or a POST form).
std::string CurlCommand(const Target& target, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& params, bool post);

class QueryClient {
 public:
  explicit QueryClient(const Target& target);
  ~QueryClient();

  // Instant query at `t_ms` (absolute), by GET or by POST form.
  Answer Instant(const std::string& query, int64_t t_ms, bool post = false);
  // Range query, by POST form or by GET.
  Answer Range(const std::string& query, int64_t start_ms, int64_t end_ms, int64_t step_ms, bool get = false);

  const Target& target() const { return target_; }

 private:
  Answer Ask(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params,
             bool post);
  const Target& target_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace promconform::properties
