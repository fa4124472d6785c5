// The harness end to end, through its commands (as `promconform run/diff` run them):
//   - the recorded fixtures replayed against the real servers they were recorded from:
//     Prometheus 3.x built from its pinned module (claims 3.x) and Debian's 2.42 (claims 2.42),
//     each scores 100% with no failure;
//   - the same against a proxy in front of Prometheus 3.x that alters some answers (perturbs a
//     value, drops a label, shifts a timestamp, reorders a sorted result, changes an errorType
//     and a status code): the harness flags every altered case and no other;
//   - the main job: `run` with no target replays the fixtures against an embedded promref and
//     writes sane reports (Markdown, JSON, JUnit);
//   - promref against itself (`diff --reference embedded --target embedded`) scores 100%.
#include <gtest/gtest.h>
#include <httplib.h>
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "client/http_client.h"
#include "commands/harness_commands.h"
#include "fixtures/fixture_store.h"
#include "model/value_text.h"
#include "peers/local_peer.h"
#include "report/results.h"

namespace promconform {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CommandResult {
  int rc = 0;
  std::string out;
  RunResults results;
  std::string report_dir;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a harness command with its reports in a fresh directory and reads the JSON report back.
CommandResult RunCommand(std::vector<std::string> args, const std::string& name) {
  CommandResult r;
  r.report_dir = (fs::temp_directory_path() / ("promconform-e2e-" + name)).string();
  fs::remove_all(r.report_dir);
  args.insert(args.end(), {"--report-dir", r.report_dir, "--report-name", name, "--no-progress", "--format",
                           "json,junit,markdown"});
  testing::internal::CaptureStdout();
  r.rc = RunHarnessCommand(args);
  r.out = testing::internal::GetCapturedStdout();
  const std::string path = r.report_dir + "/" + name + ".json";
  auto j = json::parse(ReadFile(path), nullptr, false);
  if (!j.is_discarded()) {
    auto res = ResultsFromJson(j);
    if (res.ok()) r.results = std::move(*res);
  }
  return r;
}

size_t Count(const RunResults& r, Verdict v) {
  return static_cast<size_t>(
      std::count_if(r.cases.begin(), r.cases.end(), [&](const CaseResult& c) { return c.verdict == v; }));
}

std::string Failures(const RunResults& r, size_t max = 20) {
  std::string s;
  size_t n = 0;
  for (const auto& c : r.cases) {
    if (c.verdict != Verdict::kFail && c.verdict != Verdict::kError) continue;
    if (++n > max) break;
    s += std::string(VerdictName(c.verdict)) + " " + c.id + " " + c.category + " " + c.title + "\n";
    for (const auto& e : c.exchanges) {
      for (const auto& d : e.diffs) s += "    " + e.name + ": " + d + "\n";
    }
  }
  return s;
}

std::string QueryOf(const Exchange& e) {
  for (const auto& [k, v] : e.request.params) {
    if (k == "query") return v;
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// A proxy that forwards to an upstream and alters the answers to some queries.

struct Alteration {
  std::string query;  // the `query` parameter it applies to (or, with `path`, any request there)
  // value | drop_label | timestamp | reorder | error_type | status | negative_zero |
  // reverse_data | unsupported_path
  std::string kind;
  std::string path;  // e.g. /api/v1/labels: every answer of that endpoint
};

class AlteringProxy {
 public:
  // With `prefix`, serves under it (a vendor's /prometheus); with `token`, answers 401 to any
  // request without "Authorization: Bearer <token>".
  AlteringProxy(std::string upstream, std::vector<Alteration> alterations, std::string prefix = "",
                std::string token = "")
      : upstream_(std::move(upstream)),
        alterations_(std::move(alterations)),
        prefix_(std::move(prefix)),
        token_(std::move(token)) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Delete(".*", handler);
    server_.Options(".*", handler);
    server_.Patch(".*", handler);
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~AlteringProxy() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    if (!token_.empty() && req.get_header_value("Authorization") != "Bearer " + token_) {
      res.status = 401;
      res.set_content("unauthorized", "text/plain");
      return;
    }
    if (req.target.rfind(prefix_, 0) != 0) {
      res.status = 404;
      res.set_content("404 page not found", "text/plain");
      return;
    }
    HttpRequest up;
    up.method = req.method;
    up.url = upstream_ + req.target.substr(prefix_.size());
    for (const auto& [k, v] : req.headers) {
      if (k == "Host" || k == "Content-Length" || k == "Connection" || k == "Accept-Encoding" ||
          k.rfind("REMOTE_", 0) == 0 || k.rfind("LOCAL_", 0) == 0) {
        continue;
      }
      up.headers.emplace_back(k, v);
    }
    up.body = req.body;
    thread_local HttpClient client{HttpClientOptions{}};
    HttpResponse r = client.Do(up);
    std::string content_type = r.Header("Content-Type");
    std::string body = r.body;
    int status = static_cast<int>(r.status);
    const std::string query = req.has_param("query") ? req.get_param_value("query") : "";
    const std::string path = req.path.substr(prefix_.size());
    for (const auto& a : alterations_) {
      const bool hit = a.path.empty() ? !query.empty() && a.query == query : a.path == path;
      if (!hit) continue;
      if (a.kind == "unsupported_path") {  // VictoriaMetrics' answer to an API it lacks
        status = 400;
        body = "unsupported path requested: \"" + path + "\"\n";
        content_type = "text/plain; charset=utf-8";
        continue;
      }
      Alter(a.kind, &status, &body);
    }
    res.status = status;
    for (const auto& [k, v] : r.headers) {
      if (strcasecmp(k.c_str(), "Content-Type") == 0 || strcasecmp(k.c_str(), "Content-Length") == 0 ||
          strcasecmp(k.c_str(), "Transfer-Encoding") == 0 || strcasecmp(k.c_str(), "Connection") == 0 ||
          strcasecmp(k.c_str(), "Content-Encoding") == 0) {
        continue;
      }
      res.set_header(k, v);
    }
    if (!body.empty() || !content_type.empty()) res.set_content(body, content_type.c_str());
  }

  // Every sample value (scalar, vector, matrix) times `factor`, written back in Go's shortest
  // form; NaN, the infinities and values the factor would overflow are left alone.
  static void ScaleEveryValue(json* data, double factor) {
    auto scale = [&](json& point) {
      if (!point.is_array() || point.size() != 2 || !point[1].is_string()) return;
      const double v = std::strtod(point[1].get<std::string>().c_str(), nullptr);
      if (std::isfinite(v * factor)) point[1] = promref::model::FormatScalarValue(v * factor);
    };
    json& result = (*data)["result"];
    if ((*data).value("resultType", "") == "scalar") {
      scale(result);
      return;
    }
    for (json& item : result) {
      if (item.contains("value")) scale(item["value"]);
      if (item.contains("values")) {
        for (json& p : item["values"]) scale(p);
      }
    }
  }

  static void Alter(const std::string& kind, int* status, std::string* body) {
    json j = json::parse(*body, nullptr, false);
    if (j.is_discarded()) return;
    if (kind == "status") {
      *status = 503;
      return;
    }
    if (kind == "error_type") {
      if (j.contains("errorType")) j["errorType"] = j["errorType"] == "bad_data" ? "execution" : "bad_data";
      *body = j.dump();
      return;
    }
    if (kind == "reverse_data" && j.contains("data") && j["data"].is_array()) {
      std::reverse(j["data"].begin(), j["data"].end());
      *body = j.dump();
      return;
    }
    if (!j.contains("data") || !j["data"].contains("result") || !j["data"]["result"].is_array()) return;
    json& result = j["data"]["result"];
    if (kind == "relative_error") {
      ScaleEveryValue(&j["data"], 1 + 1e-9);
      *body = j.dump();
      return;
    }
    if (result.empty()) return;
    json& first = result[0];
    json* point =
        first.contains("value")
            ? &first["value"]
            : (first.contains("values") && !first["values"].empty() ? &first["values"][0] : nullptr);
    if (kind == "value" && point) {
      (*point)[1] = std::to_string(std::strtod((*point)[1].get<std::string>().c_str(), nullptr) * 2 + 1);
    } else if (kind == "timestamp" && point) {
      (*point)[0] = (*point)[0].get<double>() + 1;
    } else if (kind == "drop_label") {
      for (auto it = first["metric"].begin(); it != first["metric"].end(); ++it) {
        if (it.key() != "__name__") {
          first["metric"].erase(it.key());
          break;
        }
      }
    } else if (kind == "reorder") {
      std::reverse(result.begin(), result.end());
    } else if (kind == "negative_zero") {
      for (json& item : result) {
        if (item.contains("value") && item["value"][1] == "-0") item["value"][1] = "0";
      }
    }
    *body = j.dump();
  }

  std::string upstream_;
  std::vector<Alteration> alterations_;
  std::string prefix_, token_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------

class HarnessE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (bool v3 : {true, false}) {
      auto f = ReadFixtures(DefaultFixturesDir() + "/" + FixtureSetFor(v3));
      ASSERT_TRUE(f.ok()) << f.error().message();
      (v3 ? fixtures_ : fixtures242_) = new Fixtures(std::move(*f));
    }
    auto peer = LocalPeer::Start(PinnedPrometheusPeer());
    ASSERT_TRUE(peer.ok()) << peer.error().message();
    prometheus_ = peer->release();
    // The whole recorded suite against the references it was recorded from.
    prometheus_run_ = new CommandResult(
        RunCommand({"run", "--target", prometheus_->base_url(), "--claims", "3.x"}, "prometheus-3"));
    auto old = LocalPeer::Start(PrometheusPeer());
    ASSERT_TRUE(old.ok()) << old.error().message();
    prometheus242_run_ = new CommandResult(
        RunCommand({"run", "--target", (*old)->base_url(), "--claims", "2.42"}, "prometheus-2.42"));
  }
  static void TearDownTestSuite() {
    delete prometheus_run_;
    delete prometheus242_run_;
    delete prometheus_;
    delete fixtures_;
    delete fixtures242_;
  }

  static Fixtures* fixtures_;     // recorded from Prometheus 3.x
  static Fixtures* fixtures242_;  // recorded from Prometheus 2.42
  static LocalPeer* prometheus_;  // Prometheus 3.x, kept for the proxy tests
  static CommandResult* prometheus_run_;
  static CommandResult* prometheus242_run_;
};

Fixtures* HarnessE2E::fixtures_ = nullptr;
Fixtures* HarnessE2E::fixtures242_ = nullptr;
LocalPeer* HarnessE2E::prometheus_ = nullptr;
CommandResult* HarnessE2E::prometheus_run_ = nullptr;
CommandResult* HarnessE2E::prometheus242_run_ = nullptr;

void ExpectFullMarks(const CommandResult& r, size_t cases) {
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(r.results.cases.size(), cases);
  EXPECT_EQ(Count(r.results, Verdict::kFail), 0u) << Failures(r.results);
  EXPECT_EQ(Count(r.results, Verdict::kError), 0u) << Failures(r.results);
  EXPECT_EQ(Count(r.results, Verdict::kUnsupported), 0u) << Failures(r.results);
  EXPECT_EQ(Count(r.results, Verdict::kOtherVersion), 0u) << Failures(r.results);
  EXPECT_GT(Count(r.results, Verdict::kPass), cases / 2);
  EXPECT_DOUBLE_EQ(r.results.Total().Score(), 1.0);
}

TEST_F(HarnessE2E, Prometheus3ScoresFullMarksOnItsOwnFixtures) {
  ExpectFullMarks(*prometheus_run_, fixtures_->cases.size());
  EXPECT_EQ(prometheus_run_->results.info.claims, "3.x");
  EXPECT_EQ(prometheus_run_->results.info.target_version, fixtures_->manifest.reference_version);
}

TEST_F(HarnessE2E, Prometheus242ScoresFullMarksOnItsOwnFixtures) {
  ExpectFullMarks(*prometheus242_run_, fixtures242_->cases.size());
  EXPECT_EQ(prometheus242_run_->results.info.claims, "2.42");
  EXPECT_NE(prometheus242_run_->results.info.target_version.find("2.42"), std::string::npos)
      << prometheus242_run_->results.info.target_version;
}

TEST_F(HarnessE2E, AlteringProxyIsFlaggedOnEveryAlteredCaseAndNoOther) {
  ASSERT_EQ(prometheus_run_->rc, 0);
  // Choose queries whose recorded answers the alterations visibly change.
  std::map<std::string, std::string> chosen;   // kind -> query
  std::map<std::string, std::string> chooser;  // kind -> the case it was chosen from
  auto choose = [&](const std::string& kind, const std::string& q, const Case& c) {
    if (chosen.count(kind)) return;
    for (const auto& [k, other] : chosen) {
      if (other == q) return;
    }
    chosen[kind] = q;
    chooser[kind] = c.id;
  };
  auto finite = [](const json& v) {
    if (!v.is_string()) return false;
    const double d = std::strtod(v.get<std::string>().c_str(), nullptr);
    return std::isfinite(d) && d != 0;
  };
  for (const Case& c : fixtures_->cases) {
    // Native-histogram answers hold `histogram`, not `value`: the alterations are about floats.
    if (c.absolute_time || c.serial || c.native_histograms) continue;
    for (const Exchange& e : c.exchanges) {
      const std::string q = QueryOf(e);
      if (q.empty() || !e.expect || e.request.path.find("/query") == std::string::npos) continue;
      const json& x = *e.expect;
      if (x.value("errorType", "") == "bad_data") choose("error_type", q, c);
      if (!x.contains("data") || !x["data"].contains("result") || !x["data"]["result"].is_array()) continue;
      const json& res = x["data"]["result"];
      const std::string type = x["data"].value("resultType", "");
      if (res.size() < 2 || (type != "vector" && type != "matrix")) continue;
      bool labelled = false;
      for (auto it = res[0]["metric"].begin(); it != res[0]["metric"].end(); ++it)
        labelled |= it.key() != "__name__";
      if (type == "vector" && finite(res[0]["value"][1])) choose("value", q, c);
      if (type == "vector" && labelled) choose("drop_label", q, c);
      if (type == "matrix") choose("timestamp", q, c);
      if (type == "vector" && q.rfind("sort_desc(", 0) == 0 &&
          res[0]["value"][1] != res[res.size() - 1]["value"][1]) {
        choose("reorder", q, c);
      }
      if (type == "matrix") choose("status", q, c);
    }
  }
  std::set<std::string> queries;
  for (const auto& [k, q] : chosen) queries.insert(q);
  ASSERT_EQ(chosen.size(), 6u) << "the fixtures lack a query for some alteration";
  ASSERT_EQ(queries.size(), 6u) << "two alterations chose the same query";
  std::vector<Alteration> alterations;
  for (const auto& [kind, q] : chosen) alterations.push_back({q, kind});
  AlteringProxy proxy(prometheus_->base_url(), alterations);

  // The cases the proxy can touch: any exchange asking one of the altered queries.
  std::set<std::string> touched;
  for (const Case& c : fixtures_->cases) {
    for (const Exchange& e : c.exchanges) {
      if (queries.count(QueryOf(e))) touched.insert(c.id);
    }
  }
  // The data is already in Prometheus: replay at the same base, without writing again.
  const std::string base = std::to_string(prometheus_run_->results.info.base_ms / 1000);
  CommandResult r = RunCommand(
      {"run", "--target", proxy.url(), "--claims", "3.x", "--remote-write", "none", "--base", base}, "proxy");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::set<std::string> failed;
  for (const auto& c : r.results.cases) {
    if (c.verdict == Verdict::kFail || c.verdict == Verdict::kError || c.verdict == Verdict::kUnsupported) {
      failed.insert(c.id);
    }
  }
  for (const auto& id : failed)
    EXPECT_TRUE(touched.count(id)) << "flagged but not altered: " << id << "\n" << Failures(r.results);
  for (const auto& [kind, id] : chooser) {
    EXPECT_TRUE(failed.count(id)) << kind << " alteration of `" << chosen[kind] << "` (case " << id
                                  << ") was not flagged";
  }
  EXPECT_GE(failed.size(), 6u);
  // And the diffs say what changed.
  bool value_diff = false, errortype_diff = false, status_diff = false;
  for (const auto& c : r.results.cases) {
    for (const auto& e : c.exchanges) {
      for (const auto& d : e.diffs) {
        value_diff |= d.find("value expected") != std::string::npos;
        errortype_diff |= d.find("errorType") != std::string::npos;
        status_diff |= d.find("503") != std::string::npos;
      }
    }
  }
  EXPECT_TRUE(value_diff);
  EXPECT_TRUE(errortype_diff);
  EXPECT_TRUE(status_diff);
}

TEST_F(HarnessE2E, TargetBehindAPrefixAndABearerToken) {
  ASSERT_EQ(prometheus_run_->rc, 0);
  AlteringProxy proxy(prometheus_->base_url(), {}, "/prometheus", "s3cret");
  const std::string base = std::to_string(prometheus_run_->results.info.base_ms / 1000);
  const std::vector<std::string> common = {"--remote-write", "none",      "--base",   base,
                                           "--claims",       "3.x",       "--filter", "api/query",
                                           "--filter",       "front_door"};
  std::vector<std::string> args = {"run",         "--target",       proxy.url(), "--path-prefix",
                                   "/prometheus", "--bearer-token", "s3cret"};
  args.insert(args.end(), common.begin(), common.end());
  CommandResult r = RunCommand(args, "bearer");
  ASSERT_EQ(r.rc, 0) << r.out;
  size_t front_door = 0;
  for (const auto& c : r.results.cases) {
    if (c.category == "front_door" && c.verdict == Verdict::kPass) ++front_door;
  }
  EXPECT_GT(front_door, 0u) << "with credentials, the front-door cases run (and pass: 401 without them)";
  EXPECT_EQ(Count(r.results, Verdict::kFail), 0u) << Failures(r.results);
  EXPECT_EQ(Count(r.results, Verdict::kError), 0u) << Failures(r.results);
  EXPECT_GT(Count(r.results, Verdict::kPass), 20u);

  // A wrong token: the harness stops at once (exit 3) and says why.
  args = {"run", "--target", proxy.url(), "--path-prefix", "/prometheus", "--bearer-token", "wrong"};
  args.insert(args.end(), common.begin(), common.end());
  testing::internal::CaptureStderr();
  r = RunCommand(args, "bearer-wrong");
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.rc, 3);
  EXPECT_NE(err.find("401"), std::string::npos) << err;
  EXPECT_TRUE(r.results.cases.empty()) << "no case is asked once the target refuses the credentials";

  // The prefix may also be part of the URL.
  args = {"run", "--target", proxy.url() + "/prometheus", "--bearer-token", "s3cret"};
  args.insert(args.end(), common.begin(), common.end());
  r = RunCommand(args, "bearer-url-prefix");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(Count(r.results, Verdict::kFail), 0u) << Failures(r.results);
  EXPECT_GT(Count(r.results, Verdict::kPass), 20u);
}

// Behaviours the harness must not miss or misjudge, shown by a proxy in front of Prometheus 3.x:
// label names answered unsorted, an instant matrix in the wrong order and "-0" written as "0"
// fail; an endpoint answered with VictoriaMetrics' "unsupported path" is unsupported.
TEST_F(HarnessE2E, FakeTargetBehavioursGetTheRightVerdicts) {
  ASSERT_EQ(prometheus_run_->rc, 0);
  std::string neg_zero_case, neg_zero_query, matrix_case, matrix_query;
  std::set<std::string> label_cases, format_cases;
  for (const Case& c : fixtures_->cases) {
    if (c.native_histograms) continue;  // their vectors hold `histogram`, not `value`
    for (const Exchange& e : c.exchanges) {
      if (!e.expect || c.absolute_time) continue;
      const json& x = *e.expect;
      if (e.request.path == "/api/v1/labels" && x.contains("data") && x["data"].size() >= 2 && !c.front_door)
        label_cases.insert(c.id);
      if (e.request.path == "/api/v1/format_query") format_cases.insert(c.id);
      if (e.request.path != "/api/v1/query" || !x.contains("data") || !x["data"].is_object()) continue;
      const json& res = x["data"].value("result", json::array());
      const std::string type = x["data"].value("resultType", "");
      if (type == "matrix" && res.size() >= 2 && matrix_case.empty() && c.order.by.empty()) {
        matrix_case = c.id;
        matrix_query = QueryOf(e);
      }
      for (const json& item : res) {
        if (type == "vector" && item["value"][1] == "-0" && neg_zero_case.empty() && c.order.by.empty() &&
            QueryOf(e) != matrix_query) {
          neg_zero_case = c.id;
          neg_zero_query = QueryOf(e);
        }
      }
    }
  }
  ASSERT_FALSE(neg_zero_case.empty()) << "the fixtures lack a query answering -0";
  ASSERT_FALSE(matrix_case.empty()) << "the fixtures lack an instant query answering a matrix";
  ASSERT_FALSE(label_cases.empty());
  ASSERT_FALSE(format_cases.empty());
  AlteringProxy proxy(prometheus_->base_url(), {{neg_zero_query, "negative_zero"},
                                                {matrix_query, "reorder"},
                                                {"", "reverse_data", "/api/v1/labels"},
                                                {"", "unsupported_path", "/api/v1/format_query"}});
  const std::string base = std::to_string(prometheus_run_->results.info.base_ms / 1000);
  std::vector<std::string> args = {
      "run",        "--target", proxy.url(),       "--claims",    "3.x",      "--remote-write", "none",
      "--base",     base,       "--filter",        neg_zero_case, "--filter", matrix_case,      "--filter",
      "api/labels", "--filter", "api/format_query"};
  CommandResult r = RunCommand(args, "fake-target");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::map<std::string, const CaseResult*> by_id;
  for (const auto& c : r.results.cases) by_id[c.id] = &c;
  auto verdict = [&](const std::string& id) {
    return by_id.count(id) ? by_id[id]->verdict : Verdict::kSkipped;
  };
  EXPECT_EQ(verdict(neg_zero_case), Verdict::kFail) << neg_zero_query;
  EXPECT_EQ(verdict(matrix_case), Verdict::kFail) << matrix_query;
  for (const auto& id : label_cases) EXPECT_EQ(verdict(id), Verdict::kFail) << id;
  for (const auto& id : format_cases) EXPECT_EQ(verdict(id), Verdict::kUnsupported) << id;
}

// A target whose every value is off by a relative 1e-9 (last digits of a different summation
// order) is right: the tolerance applies to the value as the target answered it, also where
// the harness compares Unix times (time(), timestamp()) relative to the dataset's base.
TEST_F(HarnessE2E, AHarmlessRelativeErrorFailsNothing) {
  ASSERT_EQ(prometheus_run_->rc, 0);
  AlteringProxy proxy(prometheus_->base_url(), {{"", "relative_error", "/api/v1/query"},
                                                {"", "relative_error", "/api/v1/query_range"}});
  const std::string base = std::to_string(prometheus_run_->results.info.base_ms / 1000);
  CommandResult r = RunCommand({"run", "--target", proxy.url(), "--claims", "3.x", "--remote-write", "none",
                                "--base", base, "--filter", "promql/*"},
                               "relative-error");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_GT(Count(r.results, Verdict::kPass), 1000u);
  EXPECT_EQ(Count(r.results, Verdict::kFail), 0u) << Failures(r.results);
}

TEST_F(HarnessE2E, MainJobRunsTheFixturesAgainstAnEmbeddedPromref) {
  CommandResult r = RunCommand({"run"}, "promref");
  ASSERT_EQ(r.rc, 0) << r.out;
  // It prints where the report for people is, and writes the CI formats beside it.
  const std::string md = r.report_dir + "/promref.md";
  EXPECT_NE(r.out.find("report: " + md), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(md));
  EXPECT_TRUE(fs::exists(r.report_dir + "/promref.xml"));
  const std::string markdown = ReadFile(md);
  EXPECT_NE(markdown.find("promref"), std::string::npos);
  EXPECT_EQ(r.results.cases.size(), fixtures_->cases.size());
  EXPECT_EQ(r.results.info.claims, "3.x");
  EXPECT_NE(r.results.info.target_version.find("promref"), std::string::npos);
  // The engine's and the API's differential test against Prometheus 3.x: promref answers every
  // case as the pinned Prometheus 3.x did when the fixtures were recorded. Nothing may fail.
  EXPECT_EQ(Count(r.results, Verdict::kError), 0u) << Failures(r.results);
  EXPECT_EQ(Count(r.results, Verdict::kFail), 0u) << Failures(r.results);
  EXPECT_EQ(Count(r.results, Verdict::kOtherVersion), 0u) << Failures(r.results);
  EXPECT_DOUBLE_EQ(r.results.Total().Score(), 1.0) << Failures(r.results);
  EXPECT_GT(Count(r.results, Verdict::kPass), fixtures_->cases.size() / 2);
}

TEST_F(HarnessE2E, PromrefAgainstItselfScoresFullMarks) {
  CommandResult r =
      RunCommand({"diff", "--reference", "embedded", "--target", "embedded", "--filter", "promql/*",
                  "--filter", "api/query*", "--filter", "api/series", "--filter", "api/label*"},
                 "promref-self");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_GT(r.results.cases.size(), 100u);
  EXPECT_EQ(Count(r.results, Verdict::kFail), 0u) << Failures(r.results);
  EXPECT_EQ(Count(r.results, Verdict::kError), 0u) << Failures(r.results);
  EXPECT_DOUBLE_EQ(r.results.Total().Score(), 1.0);
}

// The verdicts do not depend on when a run starts: the current VictoriaMetrics evaluates at
// now-30s (its -search.latencyOffset), so a run whose questions reach close to "now" would get
// other answers. Two VictoriaMetrics, the second loaded 5 minutes further in the past (as a run
// started 5 minutes later would be), must get the same verdict on every case.
TEST(HarnessStability, SameVerdictsWhateverTheWallClock) {
  auto first = LocalPeer::Start(PinnedVictoriaMetricsPeer({"-search.disableCache"}));
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = LocalPeer::Start(PinnedVictoriaMetricsPeer({"-search.disableCache"}));
  ASSERT_TRUE(second.ok()) << second.error().message();
  const std::vector<std::string> scope = {"--claims", "3.x", "--filter", "promql/functions/*"};
  std::vector<std::string> args = {"run", "--target", (*first)->base_url()};
  args.insert(args.end(), scope.begin(), scope.end());
  CommandResult a = RunCommand(args, "stability-a");
  ASSERT_EQ(a.rc, 0) << a.out;
  const std::string earlier = std::to_string(a.results.info.base_ms / 1000 - 300);
  args = {"run", "--target", (*second)->base_url(), "--base", earlier};
  args.insert(args.end(), scope.begin(), scope.end());
  CommandResult b = RunCommand(args, "stability-b");
  ASSERT_EQ(b.rc, 0) << b.out;
  ASSERT_EQ(a.results.cases.size(), b.results.cases.size());
  std::map<std::string, Verdict> verdicts;
  for (const auto& c : a.results.cases) verdicts[c.id] = c.verdict;
  size_t changed = 0;
  for (const auto& c : b.results.cases) {
    if (verdicts[c.id] == c.verdict) continue;
    ++changed;
    ADD_FAILURE() << c.id << " (" << c.title << "): " << VerdictName(verdicts[c.id]) << " in the first run, "
                  << VerdictName(c.verdict) << " in the second";
    if (changed > 10) break;
  }
  // VictoriaMetrics differs from Prometheus in many functions on purpose; enough pass to show the
  // runs compared real answers.
  EXPECT_GT(Count(a.results, Verdict::kPass), a.results.cases.size() / 4);
}

}  // namespace
}  // namespace promconform
