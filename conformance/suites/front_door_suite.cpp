// Vendor front doors: a managed endpoint must refuse requests without valid credentials.
// NHN Cloud (seeds 000/001) answers 401 when the app key is missing or invalid and 403 when the
// project is not accessible; Tencent Cloud (seed 002) answers 401 when authentication fails.
// These cases are not recorded (Prometheus has no front door): their expectation is the seeds'.
// They run only against a profile with credentials, and only the kinds of credentials it has.
#include "suites/suite.h"

namespace promconform {
namespace {

using nlohmann::json;
using namespace suite_util;

struct Endpoint {
  const char* title;
  const char* method;
  const char* path;
  Params params;
  bool write = false;
};

}  // namespace

std::vector<Case> BuildFrontDoorSuite() {
  const std::string t = RelTime(31 * 60000 + 7234);
  const std::vector<Endpoint> endpoints = {
      {"query", "GET", "/api/v1/query", {{"query", "pc_up"}, {"time", t}}},
      {"query (POST)", "POST", "/api/v1/query", {{"query", "pc_up"}, {"time", t}}},
      {"query_range",
       "GET",
       "/api/v1/query_range",
       {{"query", "pc_up"}, {"start", t}, {"end", t}, {"step", "60"}}},
      {"series", "GET", "/api/v1/series", {{"match[]", "pc_up"}}},
      {"labels", "GET", "/api/v1/labels", {}},
      {"label values", "GET", "/api/v1/label/job/values", {}},
      {"metadata", "GET", "/api/v1/metadata", {}},
      {"remote write", "POST", "", {}, true},
  };
  const std::pair<const char*, const char*> modes[] = {
      {"none", "without credentials"},
      {"wrong-token", "with a wrong bearer token"},
      {"wrong-basic", "with a wrong basic-auth password"},
      {"wrong-header", "with a wrong credential header (app key)"},
  };
  std::vector<Case> out;
  for (const Endpoint& ep : endpoints) {
    for (const auto& [auth, words] : modes) {
      Case c;
      c.category = "front_door";
      c.title = std::string(ep.title) + " " + words + ": 401 or 403";
      c.id = CaseId("front_door", c.title);
      c.seed = "001 Prometheus API (X-TC-APP-KEY; 401/403); 000; 002 Authentication Method (401)";
      c.since = "vendor";
      c.front_door = true;
      c.needs_remote_write = ep.write;
      Exchange e;
      e.name = std::string(ep.method) + " " + (ep.write ? "remote write" : ep.path) + " " + words;
      e.request.method = ep.method;
      e.request.path = ep.path;
      e.request.params = ep.params;
      e.request.form = std::string(ep.method) == "POST" && !ep.write;
      e.request.auth = auth;
      if (ep.write) {
        e.request.write = json{
            {"protocol", "1.0"},
            {"series", {{{"labels", {{"__name__", "pcrw_front_door"}}}, {"samples", {{50 * 60000, "1"}}}}}}};
        e.mode = NormalizeMode::kRemoteWrite;
        e.expect = json{{"partial", true}, {"http_in", {401, 403}}};
      } else {
        e.mode = NormalizeMode::kText;
        e.expect = json{{"partial", true}, {"http_in", {401, 403}}};
      }
      e.expect_source =
          "seeds 001 (401 missing or invalid app key, 403 project not accessible) and 002 (401)";
      c.exchanges.push_back(std::move(e));
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace promconform
