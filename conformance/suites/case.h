// Cases: what the harness asks an endpoint and what a correct endpoint answers.
//
// A case has an id, a category (the report's unit of scoring), the section of the seed
// documents it follows, and the Prometheus version the behaviour exists since. It holds one or
// more exchanges, each a request and the expected (normalised) response:
//   - `expect`: recorded from a real reference by `promconform record`. The fixtures hold one
//     recording per Prometheus line (fixtures/conformance/3.x from Prometheus 3.x built from its
//     pinned module, fixtures/conformance/2.42 from Debian's 2.42); a target is judged by the set
//     of the version it claims, and the other set's answer tells "other version" from "wrong";
//   - `expect_v3`: where a seed document or a promqltest script states what Prometheus 3.x
//     answers (`expect_v3_source` says which), that statement. It may be partial: only the keys
//     it has are compared. Recording from a 3.x reference checks the real answer against it.
// A case serialises to one JSON object; a fixture file is JSON lines of cases, so `run` needs
// nothing but the fixtures.
//
// Requests are templates relative to the dataset base, so that fixtures recorded at one time
// replay at another: in paths, parameter values, headers and bodies,
//   ${T}            the base in Unix seconds       ${T+750.234} / ${T-60}   base plus/minus seconds
//   ${RFC3339:T+X}  the same instant in RFC 3339 (UTC, milliseconds)
//   ${MS:T+X}       the same instant in integer milliseconds
// Any other ${...} (label_replace's "${1}") is left as it is.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "model/error.h"

namespace promconform {

using Params = std::vector<std::pair<std::string, std::string>>;

// How a response is reduced before comparison (see compare/normalize.h).
enum class NormalizeMode {
  kQuery,        // /query, /query_range: result with relative timestamps
  kSeries,       // /series: a set of label sets
  kStringSet,    // /labels, /label/x/values: a set of strings
  kKeys,         // the set of keys of `data` (status endpoints whose values vary)
  kExact,        // `data` as it is
  kEnvelope,     // status code, status, errorType, annotations only
  kRemoteWrite,  // status class of a write
  kText,         // a non-JSON body: status code and content type
};

std::string_view NormalizeModeName(NormalizeMode m);
std::optional<NormalizeMode> ParseNormalizeMode(std::string_view s);

struct RequestSpec {
  std::string method = "GET";
  std::string path;  // under the target's base URL and path prefix; may hold ${...}
  Params params;     // URL query parameters, or the form body when `form` is set
  bool form = false;
  Params url_params;  // URL parameters sent alongside a form body (precedence cases)
  Headers headers;
  std::string body;  // a raw body (when neither params nor form)
  // A remote-write payload instead of an HTTP API call (see suites/remote_write_suite.h).
  std::optional<nlohmann::json> write;
  std::string auth = "profile";  // profile | none | wrong-token | wrong-basic | wrong-header
};

struct Exchange {
  std::string name;  // "instant@12m30.234s", "range", "write", ...
  RequestSpec request;
  NormalizeMode mode = NormalizeMode::kQuery;
  std::vector<std::string> compare_headers;  // response headers compared (lower case)
  bool ignore_timestamps = false;            // results stamped with the server's "now"
  // The range query step, for step-aware tweaks.
  int64_t step_ms = 0;
  // A read after a write: retry a failing comparison for up to this long (targets that make
  // written data visible after a short delay pass; a wrong answer still fails).
  int64_t retry_ms = 0;
  std::optional<nlohmann::json> expect;
  // Where `expect` comes from when it is not recorded (front-door cases follow the seeds).
  std::string expect_source;
  std::optional<nlohmann::json> expect_v3;
  std::string expect_v3_source;
  // Filled when the fixtures are loaded, not serialised: the answer of the other fixture set
  // (3.x for a target judged by 2.42 and vice versa), where it differs from `expect`. A target
  // that answers it instead gets the "other version" verdict.
  std::optional<nlohmann::json> expect_other;
  std::string expect_other_source;  // "recorded from prometheus 2.42.0+ds"
};

// Where a query defines the order of an instant vector: sort()/sort_desc() by value, topk/
// bottomk by value within each group.
struct OrderSpec {
  std::string by;                          // "" (no order), "value_asc", "value_desc", "labels"
  std::vector<std::string> group_by;       // topk by (...)
  std::vector<std::string> group_without;  // topk without (...)
  bool grouped = false;
};

struct Case {
  std::string id;
  std::string category;
  std::string seed;   // "003 インスタントクエリ", "001 Prometheus API", "reference §12"...
  std::string since;  // Prometheus version the behaviour exists since ("2.0", "3.0"...)
  std::string title;  // one line for reports
  std::string expr;   // the PromQL expression, for PromQL cases
  OrderSpec order;
  bool timestamp_values = false;  // result values are Unix times (time(), timestamp()...)
  // Requests use absolute times (no ${T}): the answer depends on the clock, not on the data
  // (hour(), time() at a fixed instant). Timestamps are then kept absolute too.
  bool absolute_time = false;
  bool serial = false;      // writes or deletes data: run alone, after the rest
  bool front_door = false;  // runs only against targets with credentials
  bool needs_remote_write = false;
  // Asks about native histograms: a target that does not store them (see LoadReport) gets
  // `unsupported` for the case instead of a failure per exchange.
  bool native_histograms = false;
  std::string vendor;  // runs only against profiles of this vendor
  std::vector<Exchange> exchanges;

  // True when some exchange's answer differs between the two recorded Prometheus lines (set
  // when the fixtures are loaded, see AttachOtherAnswers).
  bool version_difference = false;
};

nlohmann::json CaseToJson(const Case& c);
promref::Result<Case> CaseFromJson(const nlohmann::json& j);

// Expands the ${...} templates of `text` for a dataset base (ms). Unknown templates are errors.
promref::Result<std::string> RenderTemplate(std::string_view text, int64_t base_ms);

// The latest instant, relative to the base, that the case's requests name through templates (0
// when none): the harness waits until that instant is far enough in the past before asking.
int64_t LatestRelativeTimeMs(const Case& c);

// Seconds relative to the base as template text: RelTime(750234) == "${T+750.234}".
std::string RelTime(int64_t offset_ms);
std::string RelRfc3339(int64_t offset_ms);

// "12m30.234s" for messages and exchange names.
std::string RelText(int64_t offset_ms);

}  // namespace promconform
