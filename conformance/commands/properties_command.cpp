#include "commands/properties_command.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "commands/target_options.h"
#include "datasets/loader.h"
#include "model/time.h"
#include "properties/runner.h"
#include "report/writers.h"
#include "suites/suite.h"
#include "target/target.h"

namespace promconform {
namespace {

using Clock = std::chrono::steady_clock;
namespace props = properties;

constexpr const char* kUsage = R"(usage:
  promconform properties [--target URL|PROFILE|embedded] [--reference URL|PROFILE|embedded]
                         [--seed N] [--cases N] [--filter LAW-GLOB] [--mode laws|differential|both]
                         [--depth N] [--experimental] [--shrink-tries N] [--concurrency N]
                         [--base T] [--list] [target options] [report options]

Laws that hold on any correct Prometheus server are checked on random, well-typed PromQL over
the harness dataset (loaded by remote write, as `run` does); with --reference the same random
expressions are also asked of both and compared with the harness comparer (both get the dataset
at the same base). Every failure is shrunk to a small expression and printed on one line with
both sides and curl commands. A run is reproducible from its seed (printed) and base.

  --target T          the target (default: an embedded promref)
  --reference R       differential mode against R (default mode then: both)
  --seed N            the seed (default: from the clock; printed)
  --cases N           trials per law, and expressions in differential mode (default 100)
  --filter GLOB       only laws whose name matches (repeatable)
  --mode M            laws | differential | both
  --depth N           nesting depth of generated expressions (default 3)
  --experimental      experimental functions and aggregations too
  --list              print the laws and exit

report options: --report-dir DIR (default reports), --report-name NAME (default properties-<target>),
  --format text,json,junit,markdown,html|all, --min-score FRACTION, --no-progress
target options: as for `promconform run --help`.
Exit codes: 0 every law held, 1 a law failed / a difference / below --min-score, 2 usage,
3 the harness could not run.
)";

struct Options {
  std::string target = "embedded", reference, mode, report_dir = "reports", report_name;
  TargetOptions target_options;
  std::vector<std::string> formats = {"all"};
  std::optional<double> min_score;
  std::optional<int64_t> base_ms;
  props::PropertiesOptions p;
  bool seeded = false, list = false;
  std::string error;
};

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool ParseInt(const std::string& s, int64_t lo, int64_t* out) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || v < lo) return false;
  *out = v;
  return true;
}

Options Parse(const std::vector<std::string>& args) {
  Options o;
  o.p.progress = true;
  for (size_t i = 1; i < args.size() && o.error.empty(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        o.error = a + " needs a value";
        return "";
      }
      return args[++i];
    };
    auto number = [&](int64_t lo) -> int64_t {
      int64_t v = 0;
      const std::string s = value();
      if (o.error.empty() && !ParseInt(s, lo, &v))
        o.error = a + ": expected an integer >= " + std::to_string(lo);
      return v;
    };
    if (a == "--target") {
      o.target = value();
    } else if (a == "--embedded") {
      o.target = "embedded";
    } else if (a == "--reference") {
      o.reference = value();
    } else if (a == "--seed") {
      const std::string s = value();
      char* end = nullptr;
      o.p.seed = std::strtoull(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0') o.error = "--seed: expected an unsigned integer";
      o.seeded = true;
    } else if (a == "--cases") {
      o.p.cases = static_cast<int>(number(1));
    } else if (a == "--filter") {
      o.p.filters.push_back(value());
    } else if (a == "--mode") {
      o.mode = value();
      if (o.mode != "laws" && o.mode != "differential" && o.mode != "both")
        o.error = "--mode: laws|differential|both";
    } else if (a == "--depth") {
      o.p.max_depth = static_cast<int>(number(0));
    } else if (a == "--experimental") {
      o.p.experimental = true;
    } else if (a == "--shrink-tries") {
      o.p.shrink_tries = static_cast<int>(number(0));
    } else if (a == "--concurrency") {
      o.p.concurrency = static_cast<int>(number(1));
    } else if (a == "--base") {
      auto t = promref::model::ParseTimestamp(value());
      if (!t.ok()) {
        o.error = "--base: " + t.error().message();
      } else {
        o.base_ms = t->Millis();
      }
    } else if (a == "--list") {
      o.list = true;
    } else if (a == "--report-dir") {
      o.report_dir = value();
    } else if (a == "--report-name") {
      o.report_name = value();
    } else if (a == "--format") {
      o.formats = SplitComma(value());
    } else if (a == "--min-score") {
      o.min_score = std::strtod(value().c_str(), nullptr);
    } else if (a == "--no-progress") {
      o.p.progress = false;
    } else if (a == "--help" || a == "-h") {
      o.error = "help";
    } else if (ParseTargetOption(args, i, o.target_options, &o.error)) {
      // access overrides, --claims, --query-margin
    } else {
      o.error = "unknown argument " + a;
    }
  }
  FinishTargetOptions(o.target_options);
  if (o.mode.empty()) o.mode = o.reference.empty() ? "laws" : "both";
  if (o.mode != "laws" && o.reference.empty() && o.error.empty())
    o.error = "--mode " + o.mode + " needs --reference";
  if (!o.seeded) {
    o.p.seed =
        static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007ULL;
  }
  return o;
}

// How far after the base the laws ask: evaluation times reach 40 minutes, plus a range query's
// six steps or an offset of ten minutes; the dataset itself spans more.
int64_t Horizon() {
  return std::max<int64_t>(SuiteDataset().duration_ms, 52 * 60000);
}

promref::Result<std::unique_ptr<Target>> OpenTarget(const std::string& spec, const TargetOptions* overrides) {
  auto profile = ResolveProfile(spec);
  if (!profile.ok()) return profile.error();
  if (overrides != nullptr) ApplyTargetOptions(*overrides, *profile);
  return Target::Open(*profile);
}

}  // namespace

int RunPropertiesCommand(const std::vector<std::string>& args) {
  Options o = Parse(args);
  if (o.error == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (!o.error.empty()) {
    std::cerr << "promconform properties: " << o.error << "\n" << kUsage;
    return 2;
  }
  if (o.list) {
    for (const auto& l : props::AllLaws()) std::printf("%-36s %s\n", l.name.c_str(), l.statement.c_str());
    return 0;
  }
  const auto t0 = Clock::now();
  const std::string started = NowRfc3339();
  if (!ResolveProfile(o.target).ok() || (!o.reference.empty() && !ResolveProfile(o.reference).ok())) {
    std::cerr << "promconform properties: unknown target or reference "
              << (!ResolveProfile(o.target).ok() ? o.target : o.reference) << "\n";
    return 2;
  }
  auto target = OpenTarget(o.target, &o.target_options);
  if (!target.ok()) {
    std::cerr << "promconform properties: target: " << target.error().message() << "\n";
    return 3;
  }
  std::unique_ptr<Target> reference;
  if (!o.reference.empty()) {
    auto ref = OpenTarget(o.reference, nullptr);
    if (!ref.ok()) {
      std::cerr << "promconform properties: reference: " << ref.error().message() << "\n";
      return 3;
    }
    reference = std::move(*ref);
  }
  // Both sides get the dataset at the same base: the reference's choice is the target's.
  const auto load0 = Clock::now();
  std::optional<int64_t> base = o.base_ms;
  for (const Target* t : {reference.get(), target->get()}) {
    if (t == nullptr) continue;
    LoadReport loaded;  // the laws ask about float series only: native histograms may be missing
    auto b = PrepareDataset(*t, SuiteDataset(), base, Horizon(), &loaded);
    if (!b.ok()) {
      std::cerr << "promconform properties: " << (t == reference.get() ? "reference" : "target") << ": "
                << b.error().message() << "\n";
      return 3;
    }
    base = *b;
  }
  const double load_s = std::chrono::duration<double>(Clock::now() - load0).count();
  std::printf(
      "promconform properties: seed %llu, base %lld, %d cases%s (reproduce with --seed %llu --base %lld)\n",
      static_cast<unsigned long long>(o.p.seed), static_cast<long long>(*base / 1000), o.p.cases,
      o.p.experimental ? ", experimental" : "", static_cast<unsigned long long>(o.p.seed),
      static_cast<long long>(*base / 1000));
  std::fflush(stdout);

  RunResults results;
  std::vector<std::string> lines;
  if (o.mode != "differential") {
    auto runs = props::CheckLaws(**target, *base, o.p);
    for (const auto& r : runs) {
      if (r.failure) lines.push_back(props::ReproLine(r, o.p.seed, *base));
    }
    results.cases = props::LawResults(runs, o.p.seed, *base);
  }
  if (o.mode != "laws") {
    auto diff = props::DiffProperties(*reference, **target, *base, o.p);
    for (auto& l : diff.failures) lines.push_back(std::move(l));
    for (auto& c : diff.cases) results.cases.push_back(std::move(c));
  }
  RunInfo& i = results.info;
  i.mode = "properties";
  i.target = (*target)->profile().name;
  i.target_url =
      (*target)->launched() ? "(launched locally: " + (*target)->base_url() + ")" : (*target)->base_url();
  i.target_version = (*target)->Version();
  i.claims = (*target)->profile().claims;
  i.reference = reference ? "live " + reference->profile().name + " (differential) and laws"
                          : "laws (seed " + std::to_string(o.p.seed) + ")";
  i.reference_version = reference ? reference->Version() : "";
  i.dataset = DatasetFingerprint(SuiteDataset());
  i.base_ms = *base;
  i.started_at = started;
  i.load_seconds = load_s;
  i.seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  for (const auto& l : lines) std::cout << l << "\n";
  std::cout << TextReport(results) << std::flush;
  const std::string name = o.report_name.empty() ? "properties-" + ReportFileName(i.target) : o.report_name;
  auto paths = WriteReports(results, o.report_dir, name, o.formats);
  if (!paths.ok()) {
    std::cerr << "promconform properties: " << paths.error().message() << "\n";
    return 3;
  }
  int rc = lines.empty() ? 0 : 1;
  const double score = results.Total().Score();
  if (o.min_score && score < *o.min_score) {
    std::printf("score %.4f is below --min-score %.4f\n", score, *o.min_score);
    rc = 1;
  }
  std::printf("seed %llu: %zu failures\n", static_cast<unsigned long long>(o.p.seed), lines.size());
  std::string md;
  for (const auto& p : *paths) {
    if (p.ends_with(".md")) md = p;
  }
  if (!md.empty()) std::printf("report: %s\n", md.c_str());
  return rc;
}

}  // namespace promconform
