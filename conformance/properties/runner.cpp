#include "properties/runner.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "model/value_text.h"
#include "promql/parser.h"
#include "properties/law_support.h"
#include "runner/runner.h"
#include "suites/suite.h"

namespace promconform::properties {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t Fnv(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// splitmix64 finaliser over the three inputs: independent streams per (seed, law, trial).
uint64_t Mix(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t z = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL) ^ (c * 0xbf58476d1ce4e5b9ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Evaluation times: between 6 and 40 minutes into the dataset, at +234 ms (never on a sample,
// which sit at odd milliseconds, nor on a whole-second subquery step).
int64_t RelTimeMs(Rng& rng) {
  return (6 * 60 + static_cast<int64_t>(Below(rng, 34 * 60))) * 1000 + 234;
}

bool Selected(const std::string& name, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const auto& f : filters) {
    if (GlobMatch(f, name) || GlobMatch(f, "properties/" + name)) return true;
  }
  return false;
}

ValueTolerance ToleranceFor(const Target& target, const std::string& category) {
  ValueTolerance t;
  for (const QueryTweak* q : target.profile().TweaksFor(category, category)) {
    if (q->value_tolerance) t = *q->value_tolerance;
  }
  return t;
}

bool V3(const Target& target) {
  const std::string v = target.Version();
  return v.empty() ? target.profile().ClaimsV3() : VersionAtLeast(v, 3, 0);
}

std::string Rel(int64_t t, int64_t base) {
  return RelText(t - base);
}

// Whether a law may take the expression: its own premise, and a deterministic answer (laws
// evaluate it several times; tie-sensitive selections may pick differently each time).
bool Acceptable(const Law& law, const promref::promql::Expr& e) {
  return FitsShape(e, law.shape) && law.accepts(e) && !TieSensitive(e);
}

// For the differential mode: a topk/bottomk is fine at the root (the comparer allows any of the
// series tied at its boundary), not below it, where ties change what the rest computes.
// Subqueries without a step use the server's evaluation_interval, a setting (the pinned peers run
// with 15s, promref defaults to 1m): differential expressions state their steps.
bool DiffComparable(const promref::promql::Expr& e) {
  using namespace promref::promql;
  if (HasDefaultStepSubquery(e)) return false;
  if (e.kind == NodeKind::kAggregate) {
    const auto& a = As<AggregateExpr>(e);
    return !TieSensitive(*a.expr) && (!a.param || !TieSensitive(*a.param));
  }
  return !TieSensitive(e);
}

}  // namespace

GeneratorOptions GeneratorOptionsFor(const Target& target, int64_t base_ms, const PropertiesOptions& o) {
  GeneratorOptions g;
  g.base_ms = base_ms;
  g.max_depth = o.max_depth;
  g.experimental = o.experimental;
  if (!V3(target)) {
    // Added after Prometheus 2.42 (the 2.x line the harness knows).
    g.skip_functions = {"first_over_time",  "histogram_avg", "histogram_stddev",
                        "histogram_stdvar", "info",          "double_exponential_smoothing",
                        "mad_over_time",    "sort_by_label", "sort_by_label_desc"};
  }
  return g;
}

Trial DrawTrial(const Generator& g, const Law& law, uint64_t seed, int index, int64_t base_ms) {
  Rng rng(Mix(seed, Fnv(law.name), static_cast<uint64_t>(index)));
  Trial tr;
  tr.t = base_ms + RelTimeMs(rng);
  tr.t2 = base_ms + RelTimeMs(rng);
  const int64_t durations[] = {30000, 60000, 120000, 300000, 600000};
  tr.d = durations[Below(rng, 5)];
  const int64_t steps[] = {15000, 30000, 60000};
  tr.step = steps[Below(rng, 3)];
  const int64_t ranges[] = {60000, 120000, 300000, 600000};
  tr.range = ranges[Below(rng, 4)];
  tr.k = 1 + static_cast<int>(Below(rng, 3));
  const double phis[] = {0, 0.25, 0.5, 0.9, 1};
  tr.phi = phis[Below(rng, 5)];
  const double cs[] = {0, 1, 10, 0.5, -1, 100, 1000};
  tr.c = cs[Below(rng, 7)];
  tr.label = g.vocabulary().label_names[Below(rng, g.vocabulary().label_names.size())];
  const char* cmps[] = {"==", "!=", ">", "<", ">=", "<="};
  tr.cmp = cmps[Below(rng, 6)];
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::string e = g.Generate(rng, law.shape);
    auto parsed = ParseGenerated(e, g.options().experimental);
    if (parsed.ok() && Acceptable(law, **parsed)) {
      tr.expr = std::move(e);
      break;
    }
  }
  return tr;
}

std::vector<LawRun> CheckLaws(const Target& target, int64_t base_ms, const PropertiesOptions& o) {
  std::vector<const Law*> laws;
  for (const Law& l : AllLaws()) {
    if (Selected(l.name, o.filters)) laws.push_back(&l);
  }
  const Generator gen(StandardVocabulary(), GeneratorOptionsFor(target, base_ms, o));
  const bool v3 = V3(target);
  std::vector<LawRun> runs(laws.size());
  std::atomic<size_t> next{0};
  std::mutex print_mu;
  auto work = [&] {
    QueryClient client(target);
    for (size_t i = next++; i < laws.size(); i = next++) {
      const Law& law = *laws[i];
      LawRun& run = runs[i];
      run.law = &law;
      const auto t0 = Clock::now();
      LawContext ctx{client, ToleranceFor(target, "properties/" + law.name), base_ms, v3};
      for (int k = 0; k < o.cases; ++k) {
        Trial tr = DrawTrial(gen, law, o.seed, k, base_ms);
        if (tr.expr.empty()) {
          ++run.skipped;
          continue;
        }
        Outcome out = law.check(ctx, tr);
        if (out.status == Outcome::kHold) {
          ++run.checked;
          continue;
        }
        if (out.status == Outcome::kSkip) {
          ++run.skipped;
          if (run.first_skip_reason.empty()) run.first_skip_reason = out.detail;
          continue;
        }
        ++run.checked;
        LawFailure f;
        f.original = tr.expr;
        f.trial_index = k;
        f.outcome = out;
        f.shrink = Shrink(
            tr.expr,
            [&](const std::string& candidate) {
              auto parsed = ParseGenerated(candidate, o.experimental);
              if (!parsed.ok() || !Acceptable(law, **parsed)) return false;
              Trial t = tr;
              t.expr = candidate;
              Outcome c = law.check(ctx, t);
              if (c.status != Outcome::kFail) return false;
              f.outcome = c;
              return true;
            },
            o.shrink_tries, o.experimental);
        f.trial = tr;
        f.trial.expr = f.shrink.expr;
        run.failure = std::move(f);
        break;
      }
      run.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      if (o.progress) {
        std::lock_guard<std::mutex> l(print_mu);
        std::fprintf(stderr, "  %-36s %s (%d checked, %d skipped, %.1f s)\n", law.name.c_str(),
                     run.failure ? "FAILED" : "held", run.checked, run.skipped, run.seconds);
      }
    }
  };
  std::vector<std::thread> threads;
  const int n = std::max(1, std::min<int>(o.concurrency, static_cast<int>(laws.size())));
  for (int i = 0; i < n; ++i) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  return runs;
}

std::string ReproLine(const LawRun& run, uint64_t seed, int64_t base_ms) {
  if (!run.failure) return "";
  const LawFailure& f = *run.failure;
  std::string line = "FAIL " + run.law->name + ": " + f.trial.expr + "  at T+" + Rel(f.trial.t, base_ms) +
                     " (seed " + std::to_string(seed) + ", trial " + std::to_string(f.trial_index) +
                     ", base " + std::to_string(base_ms / 1000) + "; shrunk in " +
                     std::to_string(f.shrink.steps) + " steps from " + f.original + "): " + f.outcome.detail;
  if (!f.outcome.lhs.empty()) line += " | left: " + f.outcome.lhs;
  if (!f.outcome.rhs.empty()) line += " | right: " + f.outcome.rhs;
  for (const auto& c : f.outcome.curl) line += " | " + c;
  return line;
}

std::vector<CaseResult> LawResults(const std::vector<LawRun>& runs, uint64_t seed, int64_t base_ms) {
  std::vector<CaseResult> out;
  for (const LawRun& r : runs) {
    CaseResult c;
    c.id = "properties." + r.law->name;
    c.category = "properties/" + r.law->name;
    c.title = r.law->statement + " (" + std::to_string(r.checked) + " checked, " + std::to_string(r.skipped) +
              " skipped)";
    c.seed = "promconform properties --seed " + std::to_string(seed);
    c.seconds = r.seconds;
    ExchangeResult e;
    e.name = "law over generated " + std::string(ShapeName(r.law->shape)) + " expressions";
    if (r.failure) {
      const LawFailure& f = *r.failure;
      c.expr = f.trial.expr;
      const bool no_answer = f.outcome.detail.rfind("no answer", 0) == 0;
      c.verdict = e.verdict = no_answer ? Verdict::kError : Verdict::kFail;
      for (size_t i = 0; i < f.outcome.curl.size(); ++i) e.request += (i ? "  ;  " : "") + f.outcome.curl[i];
      e.diffs = {
          f.outcome.detail,
          "evaluated at T+" + Rel(f.trial.t, base_ms) + " (base " + std::to_string(base_ms / 1000) + ")",
          "shrunk in " + std::to_string(f.shrink.steps) + " steps from: " + f.original};
      e.expected = f.outcome.lhs;
      e.actual = f.outcome.rhs;
      e.expected_source = "the law's left side";
    } else if (r.checked == 0) {
      c.verdict = e.verdict = Verdict::kSkipped;
      c.reason = r.first_skip_reason.empty() ? "no trial met the law's premise" : r.first_skip_reason;
    } else {
      c.verdict = e.verdict = Verdict::kPass;
    }
    c.exchanges.push_back(std::move(e));
    out.push_back(std::move(c));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Differential mode.

namespace {

struct DiffInput {
  std::string expr;
  int64_t t = 0, t2 = 0, step = 0;  // relative to the base
};

Case DiffCase(const DiffInput& in, int index) {
  Case c;
  c.id = "properties.differential." + std::to_string(index);
  c.category = "properties/differential";
  c.title = "the target answers a random expression as the reference does";
  c.expr = in.expr;
  c.order = suite_util::OrderOf(in.expr);
  c.exchanges.push_back(suite_util::InstantExchange(in.expr, in.t));
  c.exchanges.push_back(suite_util::InstantExchange(in.expr, in.t2));
  auto parsed = ParseGenerated(in.expr, true);
  if (parsed.ok() && (*parsed)->Type() != promref::promql::ValueType::kMatrix) {
    c.exchanges.push_back(suite_util::RangeExchange(in.expr, in.t, in.t + 10 * in.step, in.step));
  }
  return c;
}

std::string Truncated(const nlohmann::json& j, size_t n = 300) {
  std::string s = j.dump();
  return s.size() > n ? s.substr(0, n) + "..." : s;
}

}  // namespace

DiffRun DiffProperties(const Target& reference, const Target& target, int64_t base_ms,
                       const PropertiesOptions& o) {
  GeneratorOptions go = GeneratorOptionsFor(target, base_ms, o);
  const GeneratorOptions ro = GeneratorOptionsFor(reference, base_ms, o);
  go.skip_functions.insert(ro.skip_functions.begin(), ro.skip_functions.end());
  const Generator gen(StandardVocabulary(), go);
  std::vector<DiffInput> inputs;
  std::vector<Case> cases;
  for (int i = 0; i < o.cases; ++i) {
    Rng rng(Mix(o.seed, Fnv("differential"), static_cast<uint64_t>(i)));
    DiffInput in;
    in.t = RelTimeMs(rng);
    in.t2 = RelTimeMs(rng);
    const int64_t steps[] = {15000, 30000, 60000};
    in.step = steps[Below(rng, 3)];
    for (int attempt = 0; attempt < 50; ++attempt) {
      in.expr = gen.Generate(rng, Shape::kAny);
      auto parsed = ParseGenerated(in.expr, o.experimental);
      if (parsed.ok() && DiffComparable(**parsed)) break;
    }
    inputs.push_back(in);
    cases.push_back(DiffCase(in, i));
  }
  RunnerOptions rop;
  rop.concurrency = o.concurrency;
  rop.reference_name = reference.profile().name;
  rop.reference_version = reference.Version();
  DiffRun out;
  out.cases = DiffCases(cases, reference, base_ms, target, base_ms, rop);
  int shrunk = 0;
  for (size_t i = 0; i < out.cases.size(); ++i) {
    CaseResult& r = out.cases[i];
    if (r.verdict != Verdict::kFail) continue;
    std::string original = inputs[i].expr;
    if (shrunk++ < 10) {  // shrinking costs requests: the first failures are shrunk
      RunnerOptions one = rop;
      one.concurrency = 1;
      CaseResult last = r;
      auto result = Shrink(
          original,
          [&](const std::string& candidate) {
            auto parsed = ParseGenerated(candidate, o.experimental);
            if (!parsed.ok() || !DiffComparable(**parsed)) return false;
            DiffInput in = inputs[i];
            in.expr = candidate;
            auto res =
                DiffCases({DiffCase(in, static_cast<int>(i))}, reference, base_ms, target, base_ms, one);
            if (res.empty() || res[0].verdict != Verdict::kFail) return false;
            last = res[0];
            return true;
          },
          o.shrink_tries);
      if (result.expr != original) {
        r = last;
        r.title += " (shrunk in " + std::to_string(result.steps) + " steps from " + original + ")";
      }
    }
    const DiffInput shown{r.expr, inputs[i].t, inputs[i].t2, inputs[i].step};
    const Case shown_case = DiffCase(shown, static_cast<int>(i));
    std::string line = "DIFF " + r.expr + " (seed " + std::to_string(o.seed) + ", expression " +
                       std::to_string(i) + ", base " + std::to_string(base_ms / 1000) + ")";
    for (size_t k = 0; k < r.exchanges.size() && k < shown_case.exchanges.size(); ++k) {
      const ExchangeResult& e = r.exchanges[k];
      if (e.verdict != Verdict::kFail) continue;
      const RequestSpec& spec = shown_case.exchanges[k].request;
      Params params;
      for (const auto& [name, v] : spec.params) {
        auto rendered = RenderTemplate(v, base_ms);
        params.emplace_back(name, rendered.ok() ? *rendered : v);
      }
      line += ": " + e.name + ": " + (e.diffs.empty() ? "" : e.diffs[0]) +
              " | target: " + Truncated(e.actual) + " | reference: " + Truncated(e.expected) + " | " +
              CurlCommand(target, spec.path, params, spec.form) + " | " +
              CurlCommand(reference, spec.path, params, spec.form);
      break;
    }
    out.failures.push_back(line);
  }
  return out;
}

}  // namespace promconform::properties
