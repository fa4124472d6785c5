// `promconform properties` end to end:
//   - every law holds for the generated expressions on an embedded promref, on Prometheus 3.x
//     built from its pinned module and on Debian's Prometheus 2.42 (100 trials per law each);
//   - a planted semantic bug (a proxy in front of promref that adds 1 to every value of a query
//     with `sum by`) is found by the laws and by the differential mode against promref itself,
//     and shrunk to a small expression;
//   - the same seed gives the same run.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "client/http_client.h"
#include "commands/properties_command.h"
#include "promql/parser.h"
#include "report/results.h"
#include "target/target.h"

namespace promconform {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CommandResult {
  int rc = 0;
  std::string out;
  RunResults results;
};

CommandResult RunProperties(std::vector<std::string> args, const std::string& name) {
  CommandResult r;
  const std::string dir = (fs::temp_directory_path() / ("promconform-props-" + name)).string();
  fs::remove_all(dir);
  args.insert(args.begin(), "properties");
  args.insert(args.end(),
              {"--report-dir", dir, "--report-name", name, "--no-progress", "--format", "json,junit"});
  testing::internal::CaptureStdout();
  r.rc = RunPropertiesCommand(args);
  r.out = testing::internal::GetCapturedStdout();
  std::ifstream in(dir + "/" + name + ".json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = json::parse(ss.str(), nullptr, false);
  if (!j.is_discarded()) {
    auto res = ResultsFromJson(j);
    if (res.ok()) r.results = std::move(*res);
  }
  return r;
}

void ExpectEveryLawHeld(const CommandResult& r) {
  EXPECT_EQ(r.rc, 0) << r.out.substr(0, 20000);
  ASSERT_GE(r.results.cases.size(), 30u);
  for (const auto& c : r.results.cases) {
    EXPECT_EQ(c.verdict, Verdict::kPass) << c.id << " " << c.title << " " << c.reason;
  }
}

TEST(PropertiesE2E, EveryLawHoldsOnPromref) {
  ExpectEveryLawHeld(RunProperties({"--target", "embedded", "--seed", "101", "--cases", "100"}, "promref"));
}

TEST(PropertiesE2E, EveryLawHoldsOnPrometheus3) {
  ExpectEveryLawHeld(RunProperties({"--target", "prometheus-3", "--seed", "102", "--cases", "100"}, "prom3"));
}

TEST(PropertiesE2E, EveryLawHoldsOnPrometheus242) {
  ExpectEveryLawHeld(
      RunProperties({"--target", "prometheus-2.42", "--seed", "103", "--cases", "100"}, "prom242"));
}

TEST(PropertiesE2E, SameSeedSameRun) {
  const std::vector<std::string> args = {"--target", "embedded", "--seed",   "7",
                                         "--cases",  "15",       "--filter", "*sum*"};
  auto a = RunProperties(args, "seed-a"), b = RunProperties(args, "seed-b");
  ASSERT_EQ(a.results.cases.size(), b.results.cases.size());
  for (size_t i = 0; i < a.results.cases.size(); ++i) {
    EXPECT_EQ(a.results.cases[i].title, b.results.cases[i].title);
  }
}

// A proxy in front of a server that adds 1 to every value of the answers to queries with
// `sum by`: a plausible aggregation bug.
class SumByProxy {
 public:
  explicit SumByProxy(std::string upstream) : upstream_(std::move(upstream)) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~SumByProxy() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    HttpRequest up;
    up.method = req.method;
    up.url = upstream_ + req.target;
    for (const auto& [k, v] : req.headers) {
      if (k == "Content-Type" || k == "Content-Encoding" || k.rfind("X-Prometheus", 0) == 0)
        up.headers.emplace_back(k, v);
    }
    up.body = req.body;
    thread_local HttpClient client{HttpClientOptions{}};
    HttpResponse r = client.Do(up);
    std::string body = r.body;
    const std::string query = req.has_param("query") ? req.get_param_value("query") : "";
    if (query.find("sum by") != std::string::npos) {
      json j = json::parse(body, nullptr, false);
      if (j.is_object() && j.contains("data") && j["data"].contains("result") &&
          j["data"]["result"].is_array()) {
        for (json& item : j["data"]["result"]) {
          auto bump = [](json& p) {
            p[1] = std::to_string(std::strtod(p[1].get<std::string>().c_str(), nullptr) + 1);
          };
          if (item.contains("value")) bump(item["value"]);
          if (item.contains("values")) {
            for (json& p : item["values"]) bump(p);
          }
        }
        body = j.dump();
      }
    }
    res.status = static_cast<int>(r.status);
    res.set_content(body, r.Header("Content-Type").empty() ? "text/plain" : r.Header("Content-Type").c_str());
  }

  std::string upstream_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// The length of a parsable expression (1000 when it does not parse), to judge how far it was shrunk.
size_t Size(const std::string& text) {
  auto p = promref::promql::ParseExpr(text);
  return p.ok() ? text.size() : 1000;
}

TEST(PropertiesE2E, PlantedBugIsFoundAndShrunk) {
  auto profile = LoadProfile("promref");
  ASSERT_TRUE(profile.ok());
  auto promref = Target::Open(*profile);
  ASSERT_TRUE(promref.ok()) << promref.error().message();
  SumByProxy proxy((*promref)->base_url());

  // Laws: sum(x) == sum(sum by (l) (x)) no longer holds; the counterexample is a plain selector.
  auto laws = RunProperties(
      {"--target", proxy.url(), "--seed", "5", "--cases", "30", "--filter", "sum-of-partial-sums"},
      "planted-laws");
  EXPECT_EQ(laws.rc, 1) << laws.out;
  ASSERT_EQ(laws.results.cases.size(), 1u);
  const CaseResult& law = laws.results.cases[0];
  EXPECT_EQ(law.verdict, Verdict::kFail);
  auto shrunk = promref::promql::ParseExpr(law.expr);
  ASSERT_TRUE(shrunk.ok()) << law.expr;
  EXPECT_EQ((*shrunk)->kind, promref::promql::NodeKind::kVectorSelector) << law.expr;
  EXPECT_NE(laws.out.find("FAIL sum-of-partial-sums: " + law.expr), std::string::npos) << laws.out;
  EXPECT_NE(laws.out.find("curl -sG"), std::string::npos);

  // Differential against promref itself: every failing expression has a `sum by`, shrunk small.
  // The data is already behind the proxy (written again, it would be out of order): its base is
  // the reference's too.
  const std::string base = std::to_string(laws.results.info.base_ms / 1000);
  auto diff = RunProperties({"--target", proxy.url(), "--remote-write", "none", "--base", base, "--reference",
                             "embedded", "--mode", "differential", "--seed", "5", "--cases", "120"},
                            "planted-diff");
  EXPECT_EQ(diff.rc, 1);
  size_t failed = 0;
  for (const auto& c : diff.results.cases) {
    if (c.verdict == Verdict::kPass) continue;
    ++failed;
    EXPECT_EQ(c.verdict, Verdict::kFail) << c.expr;
    EXPECT_NE(c.expr.find("sum by"), std::string::npos) << c.expr;
    if (c.title.find("shrunk") != std::string::npos) {
      EXPECT_LE(Size(c.expr), 60u) << c.expr;
    }
  }
  EXPECT_GT(failed, 0u) << diff.out;
  EXPECT_NE(diff.out.find("DIFF "), std::string::npos);
}

}  // namespace
}  // namespace promconform
