#include "commands/harness_commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "commands/target_options.h"
#include "datasets/dataset.h"
#include "datasets/loader.h"
#include "fixtures/fixture_store.h"
#include "model/time.h"
#include "profiles/profile.h"
#include "report/compare_report.h"
#include "report/writers.h"
#include "runner/runner.h"
#include "suites/suite.h"
#include "target/target.h"

namespace promconform {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUsage = R"(usage:
  promconform record [--reference URL|PROFILE] [--fixtures DIR] [--filter GLOB]
  promconform run    [--target PROFILE|URL|embedded] [--fixtures DIR] [--base T] [target options]
                     [report options]   (no --target: an embedded promref, in-process)
  promconform diff   --reference URL|PROFILE|embedded --target URL|PROFILE|embedded [report options]
  promconform load   --target PROFILE|URL [--base T]
  promconform list   [--fixtures DIR] [--filter GLOB]
  promconform report --input RESULTS.json [--report-dir DIR] [--report-name NAME] [--format LIST]
  promconform compare RESULTS.json RESULTS.json... [--report-dir DIR] [--report-name NAME]
                     (one Markdown and HTML report comparing the targets; default name: comparison)

target options (override the profile's; a bare URL may carry the prefix: https://host/prometheus):
  --path-prefix P         prepended to every API path (e.g. /prometheus)
  --bearer-token T        Authorization: Bearer T (or --bearer-token-file FILE)
  --basic-auth USER:PASS  Authorization: Basic (or --basic-auth-user U --basic-auth-password-file F)
  --app-key KEY           X-TC-APP-KEY: KEY (NHN Cloud / Tencent Cloud front doors)
  --header 'N: V'         an extra header on every request (repeatable)
  --auth-header 'N: V'    an extra header that carries credentials (front-door cases) (repeatable)
  --remote-write URL|none where the dataset is written (a path under the base, or absolute), or
                          none when it is already there (then --base says where)
  --insecure-skip-verify  do not verify the server's TLS certificate
  --timeout SECONDS       per request

Secrets may also come from the environment: PROMCONFORM_BEARER_TOKEN, PROMCONFORM_BASIC_AUTH
(USER:PASS) and PROMCONFORM_APP_KEY are used when the matching option is not given.

report options:
  --report-dir DIR        where reports go (default ./reports)
  --report-name NAME      file name stem (default: the target profile's name)
  --format LIST           text,json,junit,markdown,html or all (default all)
  --min-score FRACTION    exit 1 when the score is below it (0..1)
  --baseline FILE         a previous JSON report: exit 1 on any case that passed there and not now
  --filter GLOB           only cases whose id or category matches (repeatable)
  --base T                the dataset base (Unix seconds, a multiple of 300): where the data is
                          loaded (or already is, for profiles with remote_write: none)
  --claims VERSION        override the version the target claims (2.42, 3.x)
  --query-margin SECONDS  every instant the suite asks about is at least this far in the past
                          when asked (default: the profile's query_margin, 5 minutes)
  --concurrency N         requests in flight (default: the profile's)
  --no-progress           no progress bar

PROFILE is a file or a name from conformance/profiles (prometheus-3 and victoriametrics-current:
the pinned Go module builds of peers/build; prometheus-2.42 and victoriametrics-1.79: Debian's;
promref, prometheus, thanos, mimir, nhn-cloud, tencent-cloud). `record` writes the recording of
the reference's Prometheus line (DIR/3.x or DIR/2.42; default reference prometheus-3); `run` judges
a target by the recording of the line it claims, the other line's answers telling "other version"
from "wrong". A bare URL means a Prometheus-
compatible endpoint with remote write at /api/v1/write and no credentials.
)";

struct Options {
  std::string reference, target, fixtures, report_dir = "reports", report_name, input;
  std::vector<std::string> inputs;  // compare: the results files, given without an option
  TargetOptions target_options;     // overrides of the profile's settings
  std::vector<std::string> formats = {"all"};
  std::vector<std::string> filters;
  std::optional<double> min_score;
  std::string baseline;
  std::optional<int64_t> base_ms;
  int concurrency = 0;
  bool progress = true;
  bool embedded = false;
  std::string error;
};

Options Parse(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        o.error = a + " needs a value";
        return "";
      }
      return args[++i];
    };
    if (a == "--reference") {
      o.reference = value();
    } else if (a == "--target") {
      o.target = value();
    } else if (a == "--fixtures") {
      o.fixtures = value();
    } else if (a == "--report-dir") {
      o.report_dir = value();
    } else if (a == "--report-name") {
      o.report_name = value();
    } else if (a == "--format") {
      o.formats = SplitList(value());
    } else if (a == "--filter") {
      o.filters.push_back(value());
    } else if (a == "--min-score") {
      o.min_score = std::strtod(value().c_str(), nullptr);
    } else if (a == "--baseline") {
      o.baseline = value();
    } else if (a == "--input") {
      o.input = value();
    } else if (ParseTargetOption(args, i, o.target_options, &o.error)) {
      // --claims, --query-margin and the access overrides
    } else if (a == "--base") {
      auto t = promref::model::ParseTimestamp(value());
      if (!t.ok()) {
        o.error = "--base: " + t.error().message();
      } else {
        o.base_ms = t->Millis();
      }
    } else if (a == "--concurrency") {
      o.concurrency = std::atoi(value().c_str());
    } else if (a == "--no-progress") {
      o.progress = false;
    } else if (a == "--embedded") {
      o.embedded = true;
    } else if (args[0] == "compare" && !a.starts_with("-")) {
      o.inputs.push_back(a);
    } else {
      o.error = "unknown argument " + a;
    }
  }
  if (o.fixtures.empty()) o.fixtures = DefaultFixturesDir();
  FinishTargetOptions(o.target_options);
  return o;
}

bool Selected(const Case& c, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const auto& f : filters) {
    if (GlobMatch(f, c.id) || GlobMatch(f, c.category)) return true;
  }
  return false;
}

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// How far after the base the data and the suite's questions reach: the base is chosen, and the
// run waits, so that all of it is at least the profile's query margin in the past.
int64_t SuiteHorizonMs() {
  static const int64_t horizon = [] {
    int64_t h = SuiteDataset().duration_ms;
    for (const Case& c : BuildSuite()) h = std::max(h, LatestRelativeTimeMs(c));
    return h;
  }();
  return horizon;
}

// Loads the dataset at the base (--base, the profile's dataset_base, or one chosen just before
// now) and waits until the target answers with it (see PrepareDataset).
promref::Result<int64_t> PrepareData(const Target& target, const Options& o, double* seconds,
                                     LoadReport* report) {
  const auto t0 = Clock::now();
  auto base = PrepareDataset(target, SuiteDataset(), o.base_ms, SuiteHorizonMs(), report);
  if (base.ok() && !report->native_histograms_unsupported.empty()) {
    std::cerr << "promconform: " << target.profile().name
              << ": native-histogram cases are unsupported: " << report->native_histograms_unsupported
              << "\n";
  }
  *seconds = Since(t0);
  return base;
}

int Finish(RunResults& results, const Options& o, const std::string& default_name) {
  std::cout << TextReport(results) << std::flush;
  auto paths =
      WriteReports(results, o.report_dir, o.report_name.empty() ? default_name : o.report_name, o.formats);
  if (!paths.ok()) {
    std::cerr << "promconform: " << paths.error().message() << "\n";
    return 3;
  }
  std::cout << "\nreports:\n";
  std::string main_report;
  for (const auto& p : *paths) {
    std::cout << "  " << p << "\n";
    if (main_report.empty() || p.ends_with(".md")) main_report = p;
  }
  // The last line: the report for people (the Markdown one when written).
  if (!main_report.empty()) std::cout << "\nreport: " << main_report << "\n";
  int rc = 0;
  const double score = results.Total().Score();
  if (o.min_score && score < *o.min_score) {
    std::cout << "\nscore " << score << " is below --min-score " << *o.min_score << "\n";
    rc = 1;
  }
  if (!o.baseline.empty()) {
    std::ifstream in(o.baseline);
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    auto base =
        j.is_discarded() ? promref::Result<RunResults>(promref::BadData("not JSON")) : ResultsFromJson(j);
    if (!base.ok()) {
      std::cerr << "promconform: --baseline " << o.baseline << ": " << base.error().message() << "\n";
      return 3;
    }
    auto reg = Regressions(results, *base);
    if (!reg.empty()) {
      std::cout << "\n" << reg.size() << " regressions against " << o.baseline << ":\n";
      for (size_t i = 0; i < reg.size() && i < 50; ++i) std::cout << "  " << reg[i] << "\n";
      rc = 1;
    }
  }
  return rc;
}

std::vector<std::string> TweakNotes(const TargetProfile& p) {
  std::vector<std::string> out;
  for (const auto& t : p.query_tweaks) {
    out.push_back((t.note.empty() ? std::string("(no note)") : t.note) + (t.no_bug ? " [not a bug]" : ""));
  }
  return out;
}

// What a recording from Prometheus 3.x says about the 3.x answers the project wrote down before
// it had one: those stated by the suites (seed documents, promqltest lines) and those in the
// previous 2.42 recording (its answers, which 3.x was assumed to share, and the 3.x answers it
// derived). Each disagreement is a finding about our understanding of 3.x.
void ReportThreeXFindings(const std::vector<Case>& recorded, const std::string& fixtures_root) {
  size_t stated = 0, stated_ok = 0, derived = 0, derived_ok = 0, shared = 0, shared_ok = 0;
  std::vector<std::string> findings;
  auto check = [&](const Case& c, const Exchange& e, const nlohmann::json& claimed, const std::string& what,
                   size_t& n, size_t& ok) {
    ++n;
    auto cmp = CompareAnswers(c, e, claimed, *e.expect, false);
    if (cmp.equal) {
      ++ok;
      return;
    }
    findings.push_back(what + " " + c.id + " " + e.name + ": " + (cmp.diffs.empty() ? "" : cmp.diffs[0]));
  };
  for (const Case& c : recorded) {
    for (const Exchange& e : c.exchanges) {
      if (e.expect && e.expect_v3) check(c, e, *e.expect_v3, "stated", stated, stated_ok);
    }
  }
  auto old = ReadFixtures(fixtures_root + "/" + FixtureSetFor(false));
  if (old.ok()) {
    std::map<std::string, const Case*> now;
    for (const Case& c : recorded) now[c.id] = &c;
    for (const Case& oc : old->cases) {
      auto it = now.find(oc.id);
      if (it == now.end()) continue;
      for (const Exchange& oe : oc.exchanges) {
        for (const Exchange& e : it->second->exchanges) {
          if (e.name != oe.name || !e.expect) continue;
          if (oe.expect_v3 && !e.expect_v3) {  // derived at recording, not stated by the suite
            check(*it->second, e, *oe.expect_v3, "derived", derived, derived_ok);
          } else if (oe.expect && !oe.expect_v3 && e.expect_source.empty()) {
            check(*it->second, e, *oe.expect, "as-2.42", shared, shared_ok);
          }
        }
      }
    }
  }
  std::printf("3.x answers stated by the suites: %zu of %zu confirmed\n", stated_ok, stated);
  if (old.ok()) {
    std::printf("3.x answers derived from 2.42 by rules: %zu of %zu confirmed\n", derived_ok, derived);
    std::printf("2.42 answers assumed to hold for 3.x: %zu of %zu confirmed\n", shared_ok, shared);
  }
  for (const auto& f : findings) std::printf("  contradicted: %s\n", f.c_str());
}

int Record(const Options& o) {
  const auto t0 = Clock::now();
  auto profile = ResolveProfile(o.reference.empty() ? "prometheus-3" : o.reference);
  if (!profile.ok()) {
    std::cerr << "promconform record: " << profile.error().message() << "\n";
    return 2;
  }
  ApplyTargetOptions(o.target_options, *profile);
  auto ref = Target::Open(*profile);
  if (!ref.ok()) {
    std::cerr << "promconform record: " << ref.error().message() << "\n";
    return 3;
  }
  double load_s = 0;
  LoadReport loaded;
  auto base = PrepareData(**ref, o, &load_s, &loaded);
  if (!base.ok()) {
    std::cerr << "promconform record: " << base.error().message() << "\n";
    return 3;
  }
  std::vector<Case> cases;
  for (auto& c : BuildSuite()) {
    if (Selected(c, o.filters)) cases.push_back(std::move(c));
  }
  RunnerOptions ro;
  ro.concurrency = o.concurrency > 0 ? o.concurrency : profile->concurrency;
  ro.progress = o.progress;
  ro.reference_lacks_native_histograms = loaded.native_histograms_unsupported;
  auto st = RecordCases(cases, **ref, *base, ro);
  if (!st.ok()) {
    std::cerr << "promconform record: " << st.error().message() << "\n";
    return 3;
  }
  FixtureManifest m;
  m.reference = profile->launch.empty() ? profile->name : profile->launch;
  m.reference_version = (*ref)->Version();
  m.reference_url = (*ref)->launched() ? "(launched locally)" : (*ref)->base_url();
  m.recorded_at = NowRfc3339();
  m.dataset = DatasetFingerprint(SuiteDataset());
  m.base_ms = *base;
  const bool v3 = VersionAtLeast(m.reference_version, 3, 0);
  if (v3 != profile->ClaimsV3()) {
    std::cerr << "promconform record: " << profile->name << " claims " << profile->claims
              << " but reports version " << m.reference_version << "\n";
    return 3;
  }
  if (v3) ReportThreeXFindings(cases, o.fixtures);
  const std::string dir = o.fixtures + "/" + FixtureSetFor(v3);
  st = WriteFixtures(dir, cases, m);
  if (!st.ok()) {
    std::cerr << "promconform record: " << st.error().message() << "\n";
    return 3;
  }
  size_t exchanges = 0;
  for (const auto& c : cases) exchanges += c.exchanges.size();
  std::printf("recorded %zu cases (%zu requests) from %s %s in %.1f s into %s\n", cases.size(), exchanges,
              m.reference.c_str(), m.reference_version.c_str(), Since(t0), dir.c_str());
  return 0;
}

// The recording a target claiming `claims_v3` is judged by, with the other line's answers attached
// where they differ (see AttachOtherAnswers), filtered by --filter.
promref::Result<std::vector<Case>> LoadCases(const Options& o, bool claims_v3, FixtureManifest* manifest) {
  const std::string want = DatasetFingerprint(SuiteDataset());
  auto read = [&](bool v3) -> promref::Result<Fixtures> {
    const std::string dir = o.fixtures + "/" + FixtureSetFor(v3);
    auto f = ReadFixtures(dir);
    if (!f.ok()) return f.error();
    if (f->manifest.dataset != want) {
      return promref::BadData(dir + " was recorded on dataset " + f->manifest.dataset +
                              ", this build generates " + want + ": re-record it (scripts/record-fixtures)");
    }
    return f;
  };
  auto f = read(claims_v3);
  if (!f.ok()) return f.error();
  *manifest = f->manifest;
  if (auto other = read(!claims_v3); other.ok()) {
    AttachOtherAnswers(
        f->cases, other->cases,
        "recorded from " + other->manifest.reference + " " + other->manifest.reference_version);
  }
  std::vector<Case> out;
  for (auto& c : f->cases) {
    if (Selected(c, o.filters)) out.push_back(std::move(c));
  }
  return out;
}

int Run(Options o) {
  const auto t0 = Clock::now();
  const std::string started = NowRfc3339();
  if (o.target.empty()) o.target = "embedded";  // the main job: promref, in-process
  auto profile = ResolveProfile(o.target);
  if (!profile.ok()) {
    std::cerr << "promconform run: " << profile.error().message() << "\n";
    return 2;
  }
  ApplyTargetOptions(o.target_options, *profile);
  FixtureManifest manifest;
  auto cases = LoadCases(o, profile->ClaimsV3(), &manifest);
  if (!cases.ok()) {
    std::cerr << "promconform run: " << cases.error().message() << "\n";
    return 3;
  }
  auto target = Target::Open(*profile);
  if (!target.ok()) {
    std::cerr << "promconform run: " << target.error().message() << "\n";
    return 3;
  }
  RunResults results;
  LoadReport loaded;
  auto base = PrepareData(**target, o, &results.info.load_seconds, &loaded);
  if (!base.ok()) {
    std::cerr << "promconform run: " << base.error().message() << "\n";
    return 3;
  }
  RunnerOptions ro;
  ro.concurrency = o.concurrency > 0 ? o.concurrency : profile->concurrency;
  ro.progress = o.progress;
  ro.reference_name = manifest.reference;
  ro.reference_version = manifest.reference_version;
  ro.target_lacks_native_histograms = loaded.native_histograms_unsupported;
  results.cases = RunCases(*cases, **target, *base, ro);
  RunInfo& i = results.info;
  i.mode = "run";
  i.target = profile->name;
  i.target_url =
      (*target)->launched() ? "(launched locally: " + (*target)->base_url() + ")" : (*target)->base_url();
  i.target_version = (*target)->Version();
  i.claims = profile->claims;
  i.reference = "fixtures recorded from " + manifest.reference;
  i.reference_version = manifest.reference_version;
  i.dataset = manifest.dataset;
  i.base_ms = *base;
  i.started_at = started;
  i.tweak_notes = TweakNotes(*profile);
  i.seconds = Since(t0);
  return Finish(results, o, ReportFileName(profile->name));
}

int Diff(Options o) {
  const auto t0 = Clock::now();
  const std::string started = NowRfc3339();
  if (o.embedded && o.target.empty()) o.target = "embedded";
  if (o.reference.empty() || o.target.empty()) {
    std::cerr << "promconform diff: --reference and --target are required\n" << kUsage;
    return 2;
  }
  auto rp = ResolveProfile(o.reference);
  auto tp = ResolveProfile(o.target);
  if (!rp.ok() || !tp.ok()) {
    std::cerr << "promconform diff: " << (!rp.ok() ? rp.error() : tp.error()).message() << "\n";
    return 2;
  }
  ApplyTargetOptions(o.target_options, *tp);
  auto ref = Target::Open(*rp);
  if (!ref.ok()) {
    std::cerr << "promconform diff: reference: " << ref.error().message() << "\n";
    return 3;
  }
  auto target = Target::Open(*tp);
  if (!target.ok()) {
    std::cerr << "promconform diff: target: " << target.error().message() << "\n";
    return 3;
  }
  RunResults results;
  double ref_load = 0;
  LoadReport ref_loaded, tgt_loaded;
  auto ref_base = PrepareData(**ref, o, &ref_load, &ref_loaded);
  if (!ref_base.ok()) {
    std::cerr << "promconform diff: reference: " << ref_base.error().message() << "\n";
    return 3;
  }
  Options to = o;
  to.base_ms = *ref_base;  // the same base on both sides
  auto tgt_base = PrepareData(**target, to, &results.info.load_seconds, &tgt_loaded);
  if (!tgt_base.ok()) {
    std::cerr << "promconform diff: target: " << tgt_base.error().message() << "\n";
    return 3;
  }
  results.info.load_seconds += ref_load;
  std::vector<Case> cases;
  for (auto& c : BuildSuite()) {
    if (Selected(c, o.filters)) cases.push_back(std::move(c));
  }
  RunnerOptions ro;
  ro.concurrency = o.concurrency > 0 ? o.concurrency : std::min(rp->concurrency, tp->concurrency);
  ro.progress = o.progress;
  ro.reference_name = rp->name;
  ro.reference_version = (*ref)->Version();
  ro.reference_lacks_native_histograms = ref_loaded.native_histograms_unsupported;
  ro.target_lacks_native_histograms = tgt_loaded.native_histograms_unsupported;
  results.cases = DiffCases(cases, **ref, *ref_base, **target, *tgt_base, ro);
  RunInfo& i = results.info;
  i.mode = "diff";
  i.target = tp->name;
  i.target_url =
      (*target)->launched() ? "(launched locally: " + (*target)->base_url() + ")" : (*target)->base_url();
  i.target_version = (*target)->Version();
  i.claims = tp->claims;
  i.reference = "live " + rp->name;
  i.reference_version = ro.reference_version;
  i.dataset = DatasetFingerprint(SuiteDataset());
  i.base_ms = *tgt_base;
  i.started_at = started;
  i.tweak_notes = TweakNotes(*tp);
  i.seconds = Since(t0);
  return Finish(results, o, ReportFileName(tp->name) + "-vs-" + ReportFileName(rp->name));
}

int Load(const Options& o) {
  if (o.target.empty()) {
    std::cerr << "promconform load: --target is required\n";
    return 2;
  }
  auto profile = ResolveProfile(o.target);
  if (!profile.ok()) {
    std::cerr << "promconform load: " << profile.error().message() << "\n";
    return 2;
  }
  ApplyTargetOptions(o.target_options, *profile);
  if (!profile->remote_write) profile->remote_write = RemoteWriteTarget{"/api/v1/write", "1.0", {}};
  auto target = Target::Open(*profile);
  if (!target.ok()) {
    std::cerr << "promconform load: " << target.error().message() << "\n";
    return 3;
  }
  const int64_t base =
      o.base_ms ? *o.base_ms : ChooseBase(WallMs(), SuiteHorizonMs(), profile->query_margin_ms);
  LoadReport loaded;
  auto st = LoadDataset(**target, SuiteDataset(), base, &loaded);
  if (st.ok()) st = WaitForData(**target, SuiteDataset(), base, 60000, &loaded);
  if (st.ok() && !loaded.native_histograms_unsupported.empty()) {
    std::cerr << "promconform load: no native histograms: " << loaded.native_histograms_unsupported << "\n";
  }
  if (!st.ok()) {
    std::cerr << "promconform load: " << st.error().message() << "\n";
    return 3;
  }
  std::printf("loaded %zu samples; base %lld (pass --base %lld, or set dataset_base in the profile)\n",
              SuiteDataset().SampleCount(), static_cast<long long>(base / 1000),
              static_cast<long long>(base / 1000));
  return 0;
}

int List(const Options& o) {
  FixtureManifest m;
  auto cases = LoadCases(o, o.target_options.claims.empty() || o.target_options.claims[0] == '3', &m);
  if (!cases.ok()) {
    std::cerr << "promconform list: " << cases.error().message() << "\n";
    return 3;
  }
  for (const auto& c : *cases) {
    std::printf("%s\t%s\t%s%s\n", c.id.c_str(), c.category.c_str(), c.title.c_str(),
                c.version_difference ? "\t[2.42 and 3.x answer differently]" : "");
  }
  return 0;
}

int Report(const Options& o) {
  std::ifstream in(o.input);
  if (!in) {
    std::cerr << "promconform report: cannot read --input " << o.input << "\n";
    return 2;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  auto r = j.is_discarded() ? promref::Result<RunResults>(promref::BadData("not JSON")) : ResultsFromJson(j);
  if (!r.ok()) {
    std::cerr << "promconform report: " << r.error().message() << "\n";
    return 3;
  }
  return Finish(*r, o, ReportFileName(r->info.target));
}

// A JSON report read back; errors name the file, as several may be read in one command.
promref::Result<RunResults> ReadResultsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return promref::BadData("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return promref::BadData(path + ": not JSON");
  auto r = ResultsFromJson(j);
  if (!r.ok()) return promref::BadData(path + ": " + r.error().message());
  return r;
}

int Compare(const Options& o) {
  if (o.inputs.size() < 2) {
    std::cerr << "promconform compare: needs two or more results files (JSON reports)\n" << kUsage;
    return 2;
  }
  std::vector<RunResults> runs;
  for (const auto& path : o.inputs) {
    auto r = ReadResultsFile(path);
    if (!r.ok()) {
      std::cerr << "promconform compare: " << r.error().message() << "\n";
      return 3;
    }
    runs.push_back(std::move(*r));
  }
  auto paths = WriteCompareReports(runs, o.report_dir, o.report_name.empty() ? "comparison" : o.report_name);
  if (!paths.ok()) {
    std::cerr << "promconform compare: " << paths.error().message() << "\n";
    return 3;
  }
  std::cout << "compared " << runs.size() << " targets\nreports:\n";
  for (const auto& p : *paths) std::cout << "  " << p << "\n";
  // The last line, as the other commands': the report for people.
  std::cout << "\nreport: " << paths->front() << "\n";
  return 0;
}

}  // namespace

int RunHarnessCommand(const std::vector<std::string>& args) {
  Options o = Parse(args);
  if (!o.error.empty()) {
    std::cerr << "promconform " << args[0] << ": " << o.error << "\n" << kUsage;
    return 2;
  }
  if (args[0] == "record") return Record(o);
  if (args[0] == "run") return Run(o);
  if (args[0] == "diff") return Diff(o);
  if (args[0] == "load") return Load(o);
  if (args[0] == "list") return List(o);
  if (args[0] == "report") return Report(o);
  if (args[0] == "compare") return Compare(o);
  std::cerr << kUsage;
  return 2;
}

}  // namespace promconform
