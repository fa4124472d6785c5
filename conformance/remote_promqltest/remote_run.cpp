#include "remote_promqltest/remote_run.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "remote_promqltest/api_answer.h"
#include "runner/runner.h"

namespace promconform::remote_promqltest {
namespace {

using promref::Error;
using promref::ErrorKind;

struct LoadedScripts {
  std::vector<pt::Script> parsed;         // in file order
  std::vector<pt::ScriptReport> invalid;  // scripts that do not parse, with their position
  std::vector<int> order;                 // per file: index into parsed (>= 0) or ~index into invalid
};

promref::Result<LoadedScripts> ReadScripts(const std::vector<std::string>& files) {
  LoadedScripts out;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return promref::BadData("cannot read " + f);
    std::stringstream text;
    text << in.rdbuf();
    const std::string name = std::filesystem::path(f).filename().string();
    pt::ParsedScript p = pt::ParseScript(text.str(), name);
    if (p.ok()) {
      out.order.push_back(static_cast<int>(out.parsed.size()));
      out.parsed.push_back(std::move(p.script));
      continue;
    }
    pt::ScriptReport r{.name = name, .failed = 1};
    r.results.push_back({.line = p.error->line,
                         .outcome = pt::Outcome::kFailed,
                         .category = "script",
                         .message = p.error->ToString(name)});
    out.order.push_back(~static_cast<int>(out.invalid.size()));
    out.invalid.push_back(std::move(r));
  }
  return out;
}

// Any series with a sample in the span (the series API, one series is enough).
promref::Status CheckSpanIsEmpty(const Target& target, const Interval& span) {
  HttpClient client(target.ClientOptions());
  HttpRequest req{"GET",
                  target.Url("/api/v1/series") + "?" +
                      FormEncode({{"match[]", "{__name__=~\".+\"}"},
                                  {"start", ApiTime(span.lo)},
                                  {"end", ApiTime(span.hi)},
                                  {"limit", "1"}}),
                  {},
                  ""};
  HttpResponse r = target.Send(client, req);
  if (!r.answered()) return Error(ErrorKind::kUnavailable, target.base_url() + ": " + r.transport_error);
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object() || !j.contains("data") || !j["data"].is_array()) {
    return Error(ErrorKind::kUnavailable,
                 "the series API answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
  }
  if (j["data"].empty()) return {};
  return promref::BadData(
      "the endpoint already holds samples between " + ApiTime(span.lo) + " and " + ApiTime(span.hi) +
      " (e.g. " + j["data"][0].dump() +
      "), where the scripts' windows go; wipe it (--restart-cmd for a local server) or pass "
      "--allow-existing-data");
}

promref::Status Restart(const Target& target, const RemoteRunOptions& o) {
  const int rc = std::system(o.restart_cmd.c_str());
  if (rc != 0) return Error(ErrorKind::kUnavailable, "--restart-cmd exited with " + std::to_string(rc));
  HttpClient client(target.ClientOptions());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(o.restart_ready_timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResponse r = target.Send(client, HttpRequest{"GET", target.Url("/api/v1/query?query=1"), {}, ""});
    if (r.answered() && r.status == 200) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return Error(ErrorKind::kUnavailable, "the endpoint did not answer within " +
                                            std::to_string(o.restart_ready_timeout_ms / 1000) +
                                            "s after --restart-cmd");
}

// Runs `scripts` as one layout.
promref::Status RunLayout(const Target& target, const std::vector<const pt::Script*>& scripts,
                          const RemoteRunOptions& o, int64_t now_ms, RemoteRun* run,
                          std::vector<pt::ScriptReport>* reports) {
  const Layout layout = PlanWindows(scripts, o.plan, now_ms - o.end_margin_ms);
  run->windows += layout.windows.size();
  run->span = layout.span;
  if (!o.allow_existing_data) {
    if (auto st = CheckSpanIsEmpty(target, layout.span); !st.ok()) return st;
  }
  RemoteEvaluator evaluator(target, layout, o.remote);
  if (auto st = evaluator.Prepare(); !st.ok()) return st;
  for (const pt::Script* s : scripts) {
    evaluator.SetScript(s->name);
    reports->push_back(pt::RunScript(*s, evaluator, o.remote.run));
  }
  const RemoteStats& st = evaluator.stats();
  run->stats.samples_written += st.samples_written;
  run->stats.histogram_samples_written += st.histogram_samples_written;
  run->stats.histogram_samples_dropped += st.histogram_samples_dropped;
  run->stats.unchecked_reset_hints.insert(st.unchecked_reset_hints.begin(), st.unchecked_reset_hints.end());
  run->stats.write_requests += st.write_requests;
  run->stats.queries += st.queries;
  run->stats.time_shifted.insert(st.time_shifted.begin(), st.time_shifted.end());
  return {};
}

}  // namespace

std::vector<std::string> PromqltestServerArgs(bool experimental, bool start_timestamps) {
  std::string features = "promql-delayed-name-removal";
  if (start_timestamps) features += ",st-storage,use-start-timestamps";
  if (experimental) {
    features +=
        ",promql-experimental-functions,promql-duration-expr,promql-binop-fill-modifiers,"
        "promql-extended-range-selectors,promql-unquoted-utf8-names";
  }
  return {"--enable-feature=" + features, "--storage.tsdb.retention.time=10y"};
}

promref::Result<RemoteRun> RunRemote(const Target& target, const std::vector<std::string>& files,
                                     const RemoteRunOptions& o, int64_t now_ms) {
  auto loaded = ReadScripts(files);
  if (!loaded.ok()) return loaded.error();
  RemoteRun run;
  std::vector<pt::ScriptReport> parsed_reports;
  if (o.restart_cmd.empty()) {
    std::vector<const pt::Script*> all;
    for (const pt::Script& s : loaded->parsed) all.push_back(&s);
    if (auto st = RunLayout(target, all, o, now_ms, &run, &parsed_reports); !st.ok()) return st.error();
  } else {
    for (const pt::Script& s : loaded->parsed) {
      if (auto st = Restart(target, o); !st.ok()) return st.error();
      if (auto st = RunLayout(target, {&s}, o, now_ms, &run, &parsed_reports); !st.ok()) return st.error();
    }
  }
  for (int i : loaded->order) {
    run.reports.push_back(i >= 0 ? std::move(parsed_reports[i]) : std::move(loaded->invalid[~i]));
  }
  return run;
}

RunResults ToRunResults(const std::vector<pt::ScriptReport>& reports, const TargetProfile& profile) {
  RunResults out;
  for (const pt::ScriptReport& r : reports) {
    for (const pt::EvalResult& e : r.results) {
      CaseResult c{.id = r.name + ":" + std::to_string(e.line),
                   .category = "promqltest/" + r.name,
                   .title = r.name + ":" + std::to_string(e.line) + " " + e.expr,
                   .expr = e.expr};
      switch (e.outcome) {
        case pt::Outcome::kPassed: c.verdict = Verdict::kPass; break;
        case pt::Outcome::kSkipped:
          c.verdict = Verdict::kSkipped;
          c.reason = e.category + ": " + e.message;
          break;
        case pt::Outcome::kFailed: {
          const bool unsupported =
              e.category.ends_with("unexpected-error") &&
              LooksUnsupported({{"http", 200}}, {{"http", 400}, {"error", e.message}}, profile);
          c.verdict = unsupported ? Verdict::kUnsupported : Verdict::kFail;
          c.reason = e.category;
          c.exchanges.push_back(ExchangeResult{.name = e.category,
                                               .verdict = c.verdict,
                                               .request = e.expr,
                                               .diffs = {e.message},
                                               .expected_source = "promqltest " + c.id});
          break;
        }
      }
      out.cases.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace promconform::remote_promqltest
