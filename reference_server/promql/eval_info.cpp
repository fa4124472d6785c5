// info() (experimental): enriching series with the labels of info metrics (target_info by
// default), following Prometheus 3.x's promql/info.go.
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "model/sample.h"
#include "promql/internal/eval_support.h"
#include "promql/internal/evaluator.h"
#include "promql/internal/functions.h"
#include "promql/internal/go_math.h"

namespace promref::promql::internal {

// --- info() (experimental) ----------------------------------------------------------------------

namespace {

// The identifying labels of info series (hard-coded, as in Prometheus).
constexpr std::array<std::string_view, 2> kInfoIdentifyingLabels = {"instance", "job"};

// Where info() looks up the info series: at each step, as of the @ timestamp when pinned (else
// the step) shifted back by the offset.
struct InfoReference {
  std::optional<int64_t> at;
  int64_t offset = 0;
};

// Whether two references read the info series at the same times: pinned ones by their
// effective time (@ 180 offset 1m is @ 120), unpinned ones by their offset.
bool SameInfoReference(const InfoReference& a, const InfoReference& b) {
  if (!a.at || !b.at) return !a.at && !b.at && a.offset == b.offset;
  return WrapSub(*a.at, a.offset) == WrapSub(*b.at, b.offset);
}

// The reference of info()'s first argument, as Prometheus' infoSelectTimestampAndOffset: that
// of its selectors on vector-producing paths (scalar(x @ 1) only yields a number) when they all
// share it; none (the evaluation step) when they differ or some path has no selector
// (vector(1) follows the step), so that the operand order cannot change the answer.
class InfoReferenceFinder {
 public:
  using OffsetOf = std::function<int64_t(const TimeModifiers&)>;
  explicit InfoReferenceFinder(OffsetOf offset_of) : offset_of_(std::move(offset_of)) {}

  // Whether every vector-producing path of e has a selector, all with the same reference.
  bool Uniform(const Expr& e) {
    Inspect(e, {});
    return found_ && uniform_ && !reference_free_;
  }

  InfoReference Shared(const Expr& e) { return Uniform(e) ? first_ : InfoReference{}; }

 private:
  // Subqueries' modifiers add up, outermost first, until an @ pins the time.
  InfoReference Apply(InfoReference r, const TimeModifiers& m) const {
    if (m.at == AtKind::kTimestamp) return {m.timestamp, offset_of_(m)};
    r.offset = WrapAdd(r.offset, offset_of_(m));
    return r;
  }

  void AddSelector(const InfoReference& r) {
    if (!found_) {
      first_ = r;
      found_ = true;
    } else if (!SameInfoReference(first_, r)) {
      uniform_ = false;
    }
  }

  // Whether a vector-producing e has a selector; r: the modifiers of the subqueries around e.
  bool Inspect(const Expr& e, InfoReference r) {
    const ValueType t = e.Type();
    if (t != ValueType::kVector && t != ValueType::kMatrix) return false;
    if (e.kind == NodeKind::kVectorSelector) {
      AddSelector(Apply(r, As<VectorSelector>(e).mods));
      return true;
    }
    if (e.kind == NodeKind::kSubquery) r = Apply(r, As<SubqueryExpr>(e).mods);
    // A nested info()'s data label selector is syntax, not an evaluated vector.
    if (e.kind == NodeKind::kCall && As<Call>(e).func->name == "info")
      return Inspect(*As<Call>(e).args[0], r);
    bool has_selector = false;
    for (const Expr* child : Children(e)) {
      if (Inspect(*child, r)) has_selector = true;
    }
    if (!has_selector) reference_free_ = true;
    return has_selector;
  }

  OffsetOf offset_of_;
  InfoReference first_;
  bool found_ = false;
  bool uniform_ = true;
  bool reference_free_ = false;
};

bool AllMatch(const std::vector<const model::Matcher*>& ms, std::string_view v) {
  for (const model::Matcher* m : ms) {
    if (!m->Matches(v)) return false;
  }
  return true;
}

bool AllMatchEmpty(const std::vector<const model::Matcher*>& ms) {
  return AllMatch(ms, "");
}

// The join key of a series with an info metric: the info metric's name and the identifying
// labels the series has.
std::string InfoSignature(std::string_view info_name, const model::Labels& l) {
  model::LabelsBuilder b;
  b.Set(model::kMetricNameLabel, info_name);
  for (std::string_view n : kInfoIdentifyingLabels) {
    const std::string_view v = l.Get(n);
    if (!v.empty()) b.Set(n, v);
  }
  return std::string(b.Build().Encoded());
}

// info()'s second argument: the data label matchers by label name, and the matchers on
// __name__ that pick the info metrics.
struct InfoSelector {
  std::map<std::string, std::vector<const model::Matcher*>> data;
  std::vector<const model::Matcher*> names;
};

const model::Matcher* NameMatcher(model::MatchType type, std::string value) {
  return new model::Matcher(
      *model::Matcher::Make(type, std::string(model::kMetricNameLabel), std::move(value)));
}

InfoSelector InfoSelectorOf(const Call& c) {
  static const model::Matcher* const kTargetInfo = NameMatcher(model::MatchType::kEqual, "target_info");
  static const model::Matcher* const kAnyInfo = NameMatcher(model::MatchType::kRegexMatch, ".+_info");
  InfoSelector s;
  if (c.args.size() > 1) {
    const Expr& arg = Unwrap(*c.args[1]);
    if (arg.kind != NodeKind::kVectorSelector) {
      Fail(ErrorKind::kBadData, "expected label selectors only as the second argument of info()");
    }
    for (const model::Matcher& m : As<VectorSelector>(arg).matchers) {
      if (m.name() == model::kMetricNameLabel) {
        s.names.push_back(&m);
      } else {
        s.data[m.name()].push_back(&m);
      }
    }
  }
  // Without a __name__ matcher the info metric is target_info; only negative ones would pick
  // every other metric, so they are narrowed to names ending in _info (as Prometheus does).
  const bool positive = std::any_of(s.names.begin(), s.names.end(), [](const model::Matcher* m) {
    return m->type() == model::MatchType::kEqual || m->type() == model::MatchType::kRegexMatch;
  });
  if (s.names.empty()) {
    s.names.push_back(kTargetInfo);
  } else if (!positive) {
    s.names.insert(s.names.begin(), kAnyInfo);
  }
  return s;
}

model::Matcher MustMatcher(model::MatchType type, std::string_view name, std::string value) {
  auto m = model::Matcher::Make(type, std::string(name), std::move(value));
  if (!m.ok()) Fail(ErrorKind::kInternal, m.error().message());
  return *std::move(m);
}

// As Prometheus' infoIdentifyingMatcherSets: one matcher set per pattern of which identifying
// labels the series to enrich carry (their values, or "" for an absent one), so that an info
// series with, say, only an instance is found for series with only that instance.
std::vector<std::vector<model::Matcher>> InfoIdentifyingMatcherSets(const Matrix& base,
                                                                    const std::vector<bool>& ignored) {
  // Keyed by presence bits in Prometheus' order of the sets: 1 job, 2 instance.
  std::map<int, std::array<std::set<std::string>, kInfoIdentifyingLabels.size()>> groups;
  for (size_t i = 0; i < base.size(); ++i) {
    if (ignored[i]) continue;
    const std::string_view instance = base[i].metric.Get(kInfoIdentifyingLabels[0]);
    const std::string_view job = base[i].metric.Get(kInfoIdentifyingLabels[1]);
    const int presence = (instance.empty() ? 0 : 2) | (job.empty() ? 0 : 1);
    if (presence == 0) continue;
    auto& g = groups[presence];
    if (!instance.empty()) g[0].insert(std::string(instance));
    if (!job.empty()) g[1].insert(std::string(job));
  }
  std::vector<std::vector<model::Matcher>> sets;
  for (const auto& [presence, values] : groups) {
    std::vector<model::Matcher>& set = sets.emplace_back();
    for (size_t k = 0; k < kInfoIdentifyingLabels.size(); ++k) {
      std::string re;
      for (const std::string& v : values[k]) re += (re.empty() ? "" : "|") + RE2::QuoteMeta(v);
      set.push_back(values[k].empty()
                        ? MustMatcher(model::MatchType::kEqual, kInfoIdentifyingLabels[k], "")
                        : MustMatcher(model::MatchType::kRegexMatch, kInfoIdentifyingLabels[k], re));
    }
  }
  return sets;
}

// The newest info sample (series index, sample time) per join signature at reference time rt,
// within the lookback delta; two of the same time conflict, as in Prometheus.
using InfoBySignature = std::unordered_map<std::string_view, std::pair<size_t, int64_t>>;
InfoBySignature NewestInfoAt(const std::vector<LoadedSeries>& info, const std::vector<std::string>& sigs,
                             int64_t rt, int64_t lookback, std::vector<size_t>* cursors) {
  InfoBySignature by_sig;
  for (size_t i = 0; i < info.size(); ++i) {
    const std::vector<Point>& pts = info[i].points;
    size_t& cur = (*cursors)[i];
    while (cur < pts.size() && pts[cur].t <= rt) ++cur;
    while (cur > 0 && pts[cur - 1].t > rt) --cur;
    if (cur == 0) continue;
    const Point& p = pts[cur - 1];
    if (p.t <= WrapSub(rt, lookback) || IsStale(p)) continue;
    if (p.h) {
      Fail(ErrorKind::kExecution,
           "this should be an info metric, with float samples: " + info[i].labels.ToString());
    }
    auto [it, inserted] = by_sig.try_emplace(sigs[i], i, p.t);
    if (inserted || it->second.second > p.t) continue;
    if (it->second.second == p.t) {
      Fail(ErrorKind::kExecution, "found duplicate series for info metric: existing " +
                                      info[it->second.first].labels.ToString() + " @ " + std::to_string(p.t) +
                                      ", new " + info[i].labels.ToString() + " @ " + std::to_string(p.t));
    }
    it->second = {i, p.t};
  }
  return by_sig;
}

// Adds the data labels of the info series matched at this step to a base sample; false when
// none matched and a data label matcher needs a value, which drops the sample.
bool EnrichWithInfo(Sample* bs, const std::vector<std::pair<std::string, std::string>>& base_sigs,
                    const InfoBySignature& by_sig, const std::vector<LoadedSeries>& info,
                    const InfoSelector& sel, bool all_match_empty) {
  model::LabelsBuilder added;
  bool seen_any = false;
  for (const auto& [info_name, sig] : base_sigs) {
    auto it = by_sig.find(sig);
    if (it == by_sig.end()) continue;
    seen_any = true;
    for (const model::LabelView& l : info[it->second.first].labels) {
      if (IsMetadataLabel(l.name)) continue;
      if (!sel.data.empty() && !sel.data.count(std::string(l.name))) continue;
      const std::string_view existing = added.Get(l.name);
      if (!existing.empty() && existing != l.value) {
        Fail(ErrorKind::kExecution, "conflicting label: " + std::string(l.name));
      }
      if (bs->metric.Has(l.name)) continue;
      added.Set(l.name, l.value);
    }
  }
  if (!seen_any && !all_match_empty) return false;
  if (!added.empty()) {
    model::LabelsBuilder b(bs->metric);
    for (const model::LabelView& l : added.Build()) b.Set(l.name, l.value);
    bs->metric = b.Build();
  }
  return true;
}

}  // namespace

bool InfoInputsShareReference(const Expr& e, const QueryContext& ctx) {
  return InfoReferenceFinder([&ctx](const TimeModifiers& m) {
           return m.offset_expr ? EvalDurationExpr(*m.offset_expr, ctx) : m.original_offset;
         })
      .Uniform(e);
}

Matrix Evaluator::EvalInfo(const Call& c) {
  const InfoReference ref =
      InfoReferenceFinder([this](const TimeModifiers& m) { return OffsetOf(m); }).Shared(*c.args[0]);
  Matrix base = Eval(*c.args[0]);
  const InfoSelector sel = InfoSelectorOf(c);

  // Info series themselves are not enriched.
  std::vector<bool> ignored(base.size(), false);
  for (size_t i = 0; i < base.size(); ++i) ignored[i] = AllMatch(sel.names, base[i].metric.MetricName());

  // At each step the info series are read as of the reference time, within the lookback delta.
  auto ref_time = [&](int64_t ts) { return WrapSub(ref.at ? *ref.at : ts, ref.offset); };
  std::vector<LoadedSeries> info;
  for (std::vector<model::Matcher>& ids : InfoIdentifyingMatcherSets(base, ignored)) {
    VectorSelector vs;
    vs.matchers = std::move(ids);
    for (const auto& [name, ms] : sel.data) {
      for (const model::Matcher* m : ms) vs.matchers.push_back(*m);
    }
    for (const model::Matcher* m : sel.names) vs.matchers.push_back(*m);
    std::vector<LoadedSeries> got = Select(vs, WrapSub(ref_time(start_), ctx_->lookback), ref_time(end_));
    std::move(got.begin(), got.end(), std::back_inserter(info));
  }
  bool all_match_empty = true;
  for (const auto& [name, ms] : sel.data) all_match_empty = all_match_empty && AllMatchEmpty(ms);

  std::set<std::string> info_names;
  for (const LoadedSeries& s : info) info_names.insert(std::string(s.labels.MetricName()));
  std::vector<std::string> info_sigs(info.size());
  for (size_t i = 0; i < info.size(); ++i)
    info_sigs[i] = InfoSignature(info[i].labels.MetricName(), info[i].labels);
  std::vector<std::vector<std::pair<std::string, std::string>>> base_sigs(base.size());  // (info name, sig)
  for (size_t i = 0; i < base.size(); ++i) {
    for (const std::string& n : info_names) base_sigs[i].emplace_back(n, InfoSignature(n, base[i].metric));
  }

  std::vector<size_t> info_cursor(info.size(), 0);
  std::vector<size_t> base_cursor;
  std::vector<size_t> base_index;
  MatrixBuilder builder;
  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    ctx_->CheckInterrupt("expression evaluation");
    const InfoBySignature by_sig = NewestInfoAt(info, info_sigs, ref_time(ts), ctx_->lookback, &info_cursor);
    Vector in = VectorAt(base, ts, &base_cursor, &base_index);
    Vector out;
    for (size_t k = 0; k < in.size(); ++k) {
      const size_t bi = base_index[k];
      if (ignored[bi] || EnrichWithInfo(&in[k], base_sigs[bi], by_sig, info, sel, all_match_empty)) {
        out.push_back(std::move(in[k]));
      }
    }
    builder.Add(ts, std::move(out));
  }
  Matrix m = builder.Finish();
  int64_t n = 0;
  for (const Series& s : m) n += static_cast<int64_t>(s.floats.size() + s.histograms.size());
  ctx_->AddSamples(n);
  return m;
}

}  // namespace promref::promql::internal
