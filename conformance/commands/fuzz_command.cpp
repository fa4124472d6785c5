#include "commands/fuzz_command.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>

#include "commands/target_options.h"
#include "fuzz/fuzz_runner.h"
#include "fuzz/known_findings.h"
#include "report/writers.h"
#include "target/target.h"

namespace promconform {
namespace {

using fuzz::Finding;
using fuzz::FuzzOutcome;
using fuzz::FuzzRequest;
using fuzz::Oracle;

constexpr const char* kUsage = R"(usage: promconform fuzz [--target URL|PROFILE|embedded] [options]

Fuzzes the target's parsers through its HTTP API: mutated PromQL, query parameters, label names
and remote-write bodies, judged by oracles (no 5xx but a 503 timeout; what promref's PromQL
parser rejects gets 400 bad_data and what it accepts no parse error; the target keeps answering
a canary query; the canary data written at the start is unchanged). Findings are minimised and
written as reproducers.

options:
  --target T            a URL, a profile (file or name) or embedded (default: embedded)
  --duration S          seconds of fuzzing (default 60)
  --max-requests N      stop after N fuzzed requests (default: no bound but the duration)
  --seed N              the generator's seed (default 1): the same seed sends the same requests
  --out DIR             reproducers (default: <report-dir>/<report-name>-findings)
  --experimental        judge with Prometheus' experimental PromQL syntax on (default: on when
                        the profile's launch_args enable a promql-* feature)
  --max-nesting N       the deepest nesting a query is given (default 20000)
  --batch N             requests between canary probes (default 50)
  --request-timeout S   per request; a slower answer is counted, not judged (default 10)
  --max-findings N      distinct findings minimised and kept (default 20)
  --minimize-budget N   requests spent minimising each finding (default 300)
  --known FILE          known findings (`oracle | glob | why` lines, e.g.
                        fixtures/fuzz/known_findings.txt): reported apart, not failing the run
  --no-writes           do not fuzz remote-write bodies
  --no-progress         no progress lines on stderr
  target options        as for `promconform run` (--path-prefix, --bearer-token, --header, ...)
  --report-dir DIR      (default reports)   --report-name NAME (default fuzz-<profile>)
  --format LIST         text,json,junit,markdown,html or all (default all)

exit codes: 0 nothing found, 1 findings, 2 usage, 3 the harness could not run.
)";

struct Options {
  std::string target = "embedded";
  std::string report_dir = "reports", report_name, out_dir, known;
  std::vector<std::string> formats = {"all"};
  bool experimental = false;
  TargetOptions target_options;
  fuzz::FuzzOptions fuzz;
  std::string error;
};

bool ParseNumber(const std::string& v, double* out) {
  char* end = nullptr;
  *out = std::strtod(v.c_str(), &end);
  return end != v.c_str() && *end == '\0' && *out >= 0;
}

Options Parse(const std::vector<std::string>& args) {
  Options o;
  o.fuzz.progress = true;
  for (size_t i = 1; i < args.size() && o.error.empty(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        o.error = a + " needs a value";
        return "";
      }
      return args[++i];
    };
    auto number = [&](double* out) {
      const std::string v = value();
      if (o.error.empty() && !ParseNumber(v, out)) o.error = a + ": expected a non-negative number, got " + v;
    };
    double n = 0;
    if (a == "--target") {
      o.target = value();
    } else if (a == "--duration") {
      number(&o.fuzz.duration_s);
    } else if (a == "--max-requests") {
      number(&n);
      o.fuzz.max_requests = static_cast<size_t>(n);
    } else if (a == "--seed") {
      number(&n);
      o.fuzz.seed = static_cast<uint64_t>(n);
    } else if (a == "--out") {
      o.out_dir = value();
    } else if (a == "--known") {
      o.known = value();
    } else if (a == "--experimental") {
      o.experimental = true;
    } else if (a == "--max-nesting") {
      number(&n);
      o.fuzz.max_nesting = std::max<size_t>(1, static_cast<size_t>(n));
    } else if (a == "--batch") {
      number(&n);
      o.fuzz.batch_size = std::max<size_t>(1, static_cast<size_t>(n));
    } else if (a == "--request-timeout") {
      number(&n);
      o.fuzz.request_timeout_ms = static_cast<int64_t>(n * 1000);
    } else if (a == "--max-findings") {
      number(&n);
      o.fuzz.max_findings = static_cast<size_t>(n);
    } else if (a == "--minimize-budget") {
      number(&n);
      o.fuzz.minimize_budget = static_cast<size_t>(n);
    } else if (a == "--no-writes") {
      o.fuzz.fuzz_writes = false;
    } else if (a == "--no-progress") {
      o.fuzz.progress = false;
    } else if (a == "--report-dir") {
      o.report_dir = value();
    } else if (a == "--report-name") {
      o.report_name = value();
    } else if (a == "--format") {
      o.formats = SplitList(value());
    } else if (ParseTargetOption(args, i, o.target_options, &o.error)) {
    } else {
      o.error = a == "--help" ? "help" : "unknown argument " + a;
    }
  }
  FinishTargetOptions(o.target_options);
  return o;
}

// The target runs Prometheus' experimental PromQL when its launch flags enable it.
bool ProfileIsExperimental(const TargetProfile& p) {
  for (const auto& a : p.launch_args) {
    if (a.find("promql-experimental-functions") != std::string::npos ||
        a.find("promql-duration-expr") != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string OracleContract(Oracle o) {
  switch (o) {
    case Oracle::kServerError: return "no 5xx but 503 timeout (and 501 unsupported)";
    case Oracle::kNoAnswer: return "every request gets an HTTP answer";
    case Oracle::kParseReject: return "what promref's PromQL parser rejects gets 400 bad_data";
    case Oracle::kParseAccept: return "what promref's PromQL parser accepts gets no parse error";
    case Oracle::kCrash: return "the target answers the canary query after every batch";
    case Oracle::kCanaryData: return "the canary series come back as written";
  }
  return "";
}

CaseResult FindingCase(const Finding& f, size_t index) {
  CaseResult c;
  c.id = "fuzz." + std::string(OracleName(f.oracle)) + "." + std::to_string(index);
  c.category = fuzz::OracleCategory(f.oracle);
  c.title = fuzz::Printable(f.message, 160);
  const FuzzRequest& r = f.minimized;
  if (const std::string* q = r.Param("query"); q != nullptr) c.expr = fuzz::Printable(*q, 2000);
  c.verdict = !f.known.empty()        ? Verdict::kSkipped
              : f.unsupported.empty() ? Verdict::kFail
                                      : Verdict::kUnsupported;
  c.reason = !f.known.empty() ? "known: " + f.known : f.unsupported;
  ExchangeResult e;
  e.name = f.batch.empty() ? "minimised" : "last batch";
  e.request = f.batch.empty() || !r.path.empty() ? fuzz::Summary(r, 2000)
                                                 : "(" + std::to_string(f.batch.size()) + " requests)";
  e.diffs = {fuzz::Printable(f.message, 2000),
             "seen " + std::to_string(f.seen) + " time(s); mutation " + f.original.mutation};
  if (!f.reproducer.empty()) e.diffs.push_back("reproducer: " + f.reproducer);
  e.expected = OracleContract(f.oracle);
  const fuzz::AnswerSummary a = fuzz::Summarize(f.answer);
  e.actual = f.answer.answered() ? nlohmann::json{{"http", a.status},
                                                  {"errorType", a.error_type},
                                                  {"error", fuzz::Printable(a.error, 2000)}}
                                 : nlohmann::json{{"transport_error", f.answer.transport_error}};
  e.expected_source = "promconform fuzz oracle " + std::string(OracleName(f.oracle));
  e.verdict = c.verdict;
  c.exchanges.push_back(std::move(e));
  return c;
}

RunResults ToResults(const FuzzOutcome& out, const Target& target, const Options& o,
                     const std::string& started) {
  RunResults r;
  const auto& s = out.stats;
  RunInfo& i = r.info;
  i.mode = "fuzz";
  i.target = target.profile().name;
  i.target_url = target.launched() ? "(launched locally: " + target.base_url() + ")" : target.base_url();
  i.target_version = target.Version();
  i.claims = target.profile().claims;
  i.reference = std::string("oracles: promref's PromQL parser") +
                (o.fuzz.experimental ? " (experimental syntax)" : "") +
                (s.canary_data ? ", canary data" : ", canary liveness (no remote write)");
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "fuzz seed %llu: %zu requests in %.1f s (%.0f requests/s), %zu minimising, %zu slow",
                static_cast<unsigned long long>(o.fuzz.seed), s.requests, s.fuzz_seconds,
                s.fuzz_seconds > 0 ? s.requests / s.fuzz_seconds : 0.0, s.minimize_requests, s.timeouts);
  i.dataset = buf;
  i.started_at = started;
  i.seconds = s.seconds;
  for (Oracle oracle : fuzz::kAllOracles) {
    size_t n = 0;
    for (size_t k = 0; k < out.findings.size(); ++k) {
      if (out.findings[k].oracle != oracle) continue;
      r.cases.push_back(FindingCase(out.findings[k], k + 1));
      ++n;
    }
    if (n > 0) continue;
    const bool batch_oracle = oracle == Oracle::kCrash || oracle == Oracle::kCanaryData;
    auto it = s.checks.find(oracle);
    const size_t checks = batch_oracle ? s.canary_probes : (it == s.checks.end() ? 0 : it->second);
    CaseResult c;
    c.id = "fuzz." + std::string(fuzz::OracleName(oracle));
    c.category = fuzz::OracleCategory(oracle);
    c.title = OracleContract(oracle) + ": " + std::to_string(checks) + " checks, none fired";
    c.verdict = Verdict::kPass;
    if (checks == 0 || (oracle == Oracle::kCanaryData && !s.canary_data)) {
      c.verdict = Verdict::kSkipped;
      c.reason = oracle == Oracle::kCanaryData ? "no remote write: no canary data" : "nothing to judge";
    }
    r.cases.push_back(std::move(c));
  }
  return r;
}

}  // namespace

int RunFuzzCommand(const std::vector<std::string>& args) {
  Options o = Parse(args);
  if (o.error == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (!o.error.empty()) {
    std::cerr << "promconform fuzz: " << o.error << "\n" << kUsage;
    return 2;
  }
  const std::string started = NowRfc3339();
  auto profile = ResolveProfile(o.target);
  if (!profile.ok()) {
    std::cerr << "promconform fuzz: " << profile.error().message() << "\n";
    return 2;
  }
  ApplyTargetOptions(o.target_options, *profile);
  o.fuzz.experimental = o.experimental || ProfileIsExperimental(*profile);
  if (o.fuzz.max_nesting > fuzz::MaxParsableNesting()) {
    // The oracle parses every query itself: nothing deeper than its own stack takes.
    std::cerr << "promconform fuzz: nesting limited to " << fuzz::MaxParsableNesting() << " in this build\n";
    o.fuzz.max_nesting = fuzz::MaxParsableNesting();
  }
  if (!o.known.empty()) {
    auto known = fuzz::ReadKnownFindings(o.known);
    if (!known.ok()) {
      std::cerr << "promconform fuzz: --known: " << known.error().message() << "\n";
      return 2;
    }
    o.fuzz.known = std::move(*known);
  }
  // A file name stem: a URL target's name is its URL.
  const std::string name =
      o.report_name.empty() ? "fuzz-" + ReportFileName(profile->name) : ReportFileName(o.report_name);
  o.fuzz.out_dir = o.out_dir.empty() ? o.report_dir + "/" + name + "-findings" : o.out_dir;
  // An in-process target's crash is the fuzzer's: keep the batch in flight on disk.
  if (profile->launch == "embedded") o.fuzz.journal_dir = o.fuzz.out_dir;
  auto target = Target::Open(*profile);
  if (!target.ok()) {
    std::cerr << "promconform fuzz: " << target.error().message() << "\n";
    return 3;
  }
  auto out = fuzz::RunFuzz(**target, o.fuzz);
  if (!out.ok()) {
    std::cerr << "promconform fuzz: " << out.error().message() << "\n";
    return 3;
  }
  RunResults results = ToResults(*out, **target, o, started);
  std::cout << TextReport(results);
  const auto& s = out->stats;
  std::printf(
      "\nfuzzed %s: %zu requests in %.1f s (%.0f requests/s), %zu more minimising; %zu slow answers; %s\n",
      profile->name.c_str(), s.requests, s.fuzz_seconds,
      s.fuzz_seconds > 0 ? s.requests / s.fuzz_seconds : 0.0, s.minimize_requests, s.timeouts,
      s.stop_reason.c_str());
  std::printf("mutations:");
  for (const auto& [k, v] : s.by_mutation) std::printf(" %s=%zu", k.c_str(), v);
  std::printf("\nstatuses:");
  for (const auto& [k, v] : s.by_status) std::printf(" %ld=%zu", k, v);
  std::printf("\n");
  for (const auto& slow : s.slow) std::printf("slow (no answer in time): %s\n", slow.c_str());
  size_t counted = 0, known = 0;
  for (const auto& f : out->findings) {
    if (!f.known.empty()) ++known;
    if (!f.unsupported.empty() || !f.known.empty()) continue;
    ++counted;
    std::printf("finding %s (seen %zu): %s\n  %s\n", std::string(fuzz::OracleName(f.oracle)).c_str(), f.seen,
                fuzz::Printable(f.message, 300).c_str(), f.reproducer.c_str());
  }
  if (s.overflow > 0) std::printf("%zu more distinct findings past --max-findings\n", s.overflow);
  std::printf("%zu new findings, %zu known\n", counted, known);
  auto paths = WriteReports(results, o.report_dir, name, o.formats);
  if (!paths.ok()) {
    std::cerr << "promconform fuzz: " << paths.error().message() << "\n";
    return 3;
  }
  std::string main_report;
  std::cout << "\nreports:\n";
  for (const auto& p : *paths) {
    std::cout << "  " << p << "\n";
    if (main_report.empty() || p.ends_with(".md")) main_report = p;
  }
  if (!main_report.empty()) std::cout << "\nreport: " << main_report << "\n";
  std::cout << std::flush;
  return counted > 0 || s.overflow > 0 ? 1 : 0;
}

}  // namespace promconform
