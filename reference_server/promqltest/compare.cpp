#include "promqltest/compare.h"

#include <cmath>
#include <limits>
#include <map>

#include "model/go_strconv.h"
#include "model/sample.h"
#include "promqltest/histogram_util.h"

namespace promref::promqltest {
namespace {

std::string Q(std::string_view s) {
  return model::GoQuote(s);
}

std::string ListAnnotations(const promql::Annotations& a) {
  std::string out = "[";
  bool first = true;
  for (const auto* list : {&a.warnings, &a.infos}) {
    for (const std::string& s : *list) {
      out += (first ? "" : " ") + s;
      first = false;
    }
  }
  return out + "]";
}

std::optional<Mismatch> CheckOfKind(const std::vector<MessageMatcher>& expected,
                                    const std::vector<std::string>& actual, const char* kind,
                                    std::string_view expr, int line, const promql::Annotations& all) {
  if (expected.empty()) return std::nullopt;
  const std::string where = " for query " + Q(expr) + " (line " + std::to_string(line) + ")";
  if (actual.empty()) {
    return Mismatch{"annotations",
                    std::string("expected ") + kind + " annotations but none were found" + where};
  }
  for (const MessageMatcher& e : expected) {
    bool found = false;
    for (const std::string& a : actual) found = found || e.Matches(a);
    if (!found) {
      return Mismatch{"annotations", std::string("expected ") + kind + " annotation matching " +
                                         std::string(e.TypeName()) + " " + Q(e.Describe()) +
                                         " but no matching annotation was found" + where +
                                         ", found: " + ListAnnotations(all)};
    }
  }
  for (const std::string& a : actual) {
    bool found = false;
    for (const MessageMatcher& e : expected) found = found || e.Matches(a);
    if (!found) {
      return Mismatch{"annotations",
                      std::string("unexpected ") + kind + " annotation " + Q(a) + " found" + where};
    }
  }
  return std::nullopt;
}

// The expected series by label set; a later line for the same labels replaces an earlier one.
std::map<model::Labels, const ExpectedSeries*> ExpectedByLabels(const EvalCommand& cmd) {
  std::map<model::Labels, const ExpectedSeries*> m;
  for (const ExpectedSeries& s : cmd.series) m[s.labels] = &s;
  return m;
}

std::string FormatSequenceValue(const SequenceValue& v) {
  if (v.omitted) return "_";
  if (v.histogram) return HistogramTestExpression(*v.histogram);
  return FormatValue(v.value);
}

std::string FormatExpectedValues(const ExpectedSeries& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.values.size(); ++i) out += (i ? " " : "") + FormatSequenceValue(s.values[i]);
  return out + "]";
}

std::string FormatSample(const promql::Sample& s) {
  return s.h ? HistogramTestExpression(*s.h) : FormatValue(s.f);
}

std::string FormatVector(const promql::Vector& v) {
  std::string out;
  for (const promql::Sample& s : v)
    out += s.metric.ToString() + " => " + FormatSample(s) + " @[" + std::to_string(s.t) + "]\n";
  return out;
}

std::string FormatMatrix(const promql::Matrix& m) {
  std::string out;
  for (const promql::Series& s : m) out += s.metric.ToString() + " => " + FormatSeries(s) + "\n";
  return out;
}

std::optional<Mismatch> CompareMatrix(const EvalCommand& cmd, const promql::Matrix& m,
                                      HistogramDetail detail) {
  if (cmd.IsOrdered()) return Mismatch{"wrong-type", "expected ordered result, but query returned a matrix"};
  if (cmd.expect_scalar)
    return Mismatch{"wrong-type", "expected scalar result, but got matrix " + FormatMatrix(m)};
  for (size_t i = 0; i + 1 < m.size(); ++i) {
    if (Compare(m[i].metric, m[i + 1].metric) > 0) {
      return Mismatch{
          "unsorted",
          "matrix results should always be sorted by labels, but matrix is not sorted: series at index " +
              std::to_string(i + 1) + " with labels " + m[i + 1].metric.ToString() +
              " sorts before series at index " + std::to_string(i) + " with labels " +
              m[i].metric.ToString()};
    }
  }
  const auto expected = ExpectedByLabels(cmd);
  std::map<model::Labels, bool> seen;
  for (const promql::Series& s : m) {
    auto it = expected.find(s.metric);
    if (it == expected.end()) {
      return Mismatch{"unexpected-series",
                      "unexpected metric " + s.metric.ToString() + " in result, has " + FormatSeries(s)};
    }
    seen[s.metric] = true;
    const ExpectedSeries& exp = *it->second;
    std::vector<promql::FPoint> floats;
    struct ExpectedHistogram {
      int64_t t;
      const SequenceValue* v;
    };
    std::vector<ExpectedHistogram> histograms;
    for (size_t i = 0; i < exp.values.size(); ++i) {
      const int64_t t = cmd.start + static_cast<int64_t>(i) * cmd.step;
      if (t > cmd.end) {
        return Mismatch{"wrong-count", "expected " + std::to_string(exp.values.size()) + " points for " +
                                           exp.labels.ToString() +
                                           ", but query time range cannot return this many points"};
      }
      const SequenceValue& v = exp.values[i];
      if (v.histogram) {
        histograms.push_back({t, &v});
      } else if (!v.omitted) {
        floats.push_back({t, v.value});
      }
    }
    if (floats.size() != s.floats.size() || histograms.size() != s.histograms.size()) {
      return Mismatch{"wrong-count", "expected " + std::to_string(floats.size()) + " float points and " +
                                         std::to_string(histograms.size()) + " histogram points for " +
                                         exp.labels.ToString() + ", but got " + FormatSeries(s)};
    }
    for (size_t i = 0; i < floats.size(); ++i) {
      const promql::FPoint& a = s.floats[i];
      if (floats[i].t != a.t) {
        return Mismatch{"wrong-timestamp", "expected float value at index " + std::to_string(i) + " for " +
                                               exp.labels.ToString() + " to have timestamp " +
                                               std::to_string(floats[i].t) + ", but it had timestamp " +
                                               std::to_string(a.t) + " (result has " + FormatSeries(s) + ")"};
      }
      if (!AlmostEqual(a.f, floats[i].f)) {
        return Mismatch{"wrong-value", "expected float value at index " + std::to_string(i) +
                                           " (t=" + std::to_string(a.t) + ") for " + exp.labels.ToString() +
                                           " to be " + FormatValue(floats[i].f) + ", but got " +
                                           FormatValue(a.f) + " (result has " + FormatSeries(s) + ")"};
      }
    }
    for (size_t i = 0; i < histograms.size(); ++i) {
      const promql::HPoint& a = s.histograms[i];
      if (histograms[i].t != a.t) {
        return Mismatch{"wrong-timestamp", "expected histogram value at index " + std::to_string(i) +
                                               " for " + exp.labels.ToString() + " to have timestamp " +
                                               std::to_string(histograms[i].t) + ", but it had timestamp " +
                                               std::to_string(a.t) + " (result has " + FormatSeries(s) + ")"};
      }
      const SequenceValue& e = *histograms[i].v;
      if (a.h == nullptr ||
          !HistogramsMatch(*e.histogram, *a.h, e.counter_reset_hint_set, detail, kDefaultEpsilon)) {
        return Mismatch{"wrong-value", "expected histogram value at index " + std::to_string(i) +
                                           " (t=" + std::to_string(a.t) + ") for " + exp.labels.ToString() +
                                           " to be " + HistogramTestExpression(*e.histogram) + ", but got " +
                                           (a.h ? HistogramTestExpression(*a.h) : "nothing") +
                                           " (result has " + FormatSeries(s) + ")"};
      }
    }
  }
  for (const auto& [labels, exp] : expected) {
    if (!seen.count(labels))
      return Mismatch{"missing-series", "expected metric " + labels.ToString() + " not found"};
  }
  return std::nullopt;
}

std::optional<Mismatch> CompareVector(const EvalCommand& cmd, const promql::Vector& v,
                                      HistogramDetail detail) {
  if (cmd.expect_scalar)
    return Mismatch{"wrong-type", "expected scalar result, but got vector " + FormatVector(v)};
  const auto expected = ExpectedByLabels(cmd);
  std::map<model::Labels, bool> seen;
  for (size_t pos = 0; pos < v.size(); ++pos) {
    const promql::Sample& s = v[pos];
    auto it = expected.find(s.metric);
    if (it == expected.end()) {
      return Mismatch{"unexpected-series", "unexpected metric " + s.metric.ToString() +
                                               " in result, has value " + FormatSample(s)};
    }
    const ExpectedSeries& exp = *it->second;
    if (cmd.IsOrdered() && exp.position != static_cast<int>(pos) + 1) {
      return Mismatch{"order", "expected metric " + s.metric.ToString() + " with " +
                                   FormatExpectedValues(exp) + " at position " +
                                   std::to_string(exp.position) + " but was at " + std::to_string(pos + 1)};
    }
    if (exp.values.empty()) {
      return Mismatch{"wrong-value",
                      "expected metric " + exp.labels.ToString() + " is written without a value"};
    }
    const SequenceValue& e = exp.values.front();
    if (!e.histogram && s.h) {
      return Mismatch{"wrong-type", "expected float value " + FormatSequenceValue(e) + " for " +
                                        s.metric.ToString() + " but got histogram " +
                                        HistogramTestExpression(*s.h)};
    }
    if (e.histogram && !s.h) {
      return Mismatch{"wrong-type", "expected histogram " + HistogramTestExpression(*e.histogram) + " for " +
                                        s.metric.ToString() + " but got float value " + FormatValue(s.f)};
    }
    if (e.histogram &&
        !HistogramsMatch(*e.histogram, *s.h, e.counter_reset_hint_set, detail, kDefaultEpsilon)) {
      return Mismatch{"wrong-value", "expected " + HistogramTestExpression(*e.histogram) + " for " +
                                         s.metric.ToString() + " but got " + HistogramTestExpression(*s.h)};
    }
    if (!e.histogram && !AlmostEqual(e.value, s.f)) {
      return Mismatch{"wrong-value", "expected " + FormatValue(e.value) + " for " + s.metric.ToString() +
                                         " but got " + FormatValue(s.f)};
    }
    seen[s.metric] = true;
  }
  for (const auto& [labels, exp] : expected) {
    if (!seen.count(labels)) {
      return Mismatch{"missing-series", "expected metric " + labels.ToString() + " with " +
                                            FormatExpectedValues(*exp) + " not found"};
    }
  }
  return std::nullopt;
}

}  // namespace

bool AlmostEqual(double a, double b, double epsilon) {
  // The stale marker is a NaN, but must not pass for an ordinary NaN (or the reverse).
  if (model::IsStaleNaN(a) || model::IsStaleNaN(b)) return model::IsStaleNaN(a) && model::IsStaleNaN(b);
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double min_normal = std::numeric_limits<double>::min();  // smallest positive normal
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < min_normal) return diff < epsilon * min_normal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

std::string FormatValue(double v) {
  if (model::IsStaleNaN(v)) return "stale";
  return model::FormatFloat(v, 'g');
}

std::string FormatSeries(const promql::Series& s) {
  std::string floats = "[";
  for (size_t i = 0; i < s.floats.size(); ++i) {
    floats +=
        (i ? " " : "") + model::FormatFloat(s.floats[i].f, 'f') + " @[" + std::to_string(s.floats[i].t) + "]";
  }
  floats += "]";
  std::string histograms = "[";
  for (size_t i = 0; i < s.histograms.size(); ++i) {
    histograms += (i ? " " : "") + (s.histograms[i].h ? HistogramTestExpression(*s.histograms[i].h) : "nil") +
                  " @[" + std::to_string(s.histograms[i].t) + "]";
  }
  histograms += "]";
  return std::to_string(s.floats.size()) + (s.floats.size() == 1 ? " float point " : " float points ") +
         floats + " and " + std::to_string(s.histograms.size()) +
         (s.histograms.size() == 1 ? " histogram point " : " histogram points ") + histograms;
}

std::optional<Mismatch> CheckExpectedFailure(const EvalCommand& cmd, const Error& error,
                                             std::string_view shown_expr) {
  const std::string where =
      " evaluating query " + Q(cmd.expr) + " (line " + std::to_string(cmd.line) + "), but got: ";
  if (cmd.expected_fail && !cmd.expected_fail->Matches(error.message())) {
    return Mismatch{"wrong-error", std::string(cmd.expected_fail->kind() == MessageMatcher::Kind::kExact
                                                   ? "expected error "
                                                   : "expected error matching pattern ") +
                                       Q(cmd.expected_fail->Describe()) + where + error.message()};
  }
  if (!cmd.expect_fail.empty() && !cmd.expect_fail.front().Matches(error.message())) {
    return Mismatch{"wrong-error", "expected error matching " + Q(cmd.expect_fail.front().Describe()) +
                                       where + error.message()};
  }
  (void)shown_expr;
  return std::nullopt;
}

std::optional<Mismatch> CheckAnnotations(const EvalCommand& cmd, const promql::Annotations& a,
                                         std::string_view shown_expr) {
  const std::string where = " evaluating query " + Q(shown_expr) + " (line " + std::to_string(cmd.line) + ")";
  if (cmd.warn && a.warnings.empty())
    return Mismatch{"annotations", "expected warnings" + where + " but got none"};
  if (cmd.info && a.infos.empty())
    return Mismatch{"annotations", "expected info annotations" + where + " but got none"};
  if (auto m = CheckOfKind(cmd.expect_warn, a.warnings, "warn", shown_expr, cmd.line, a)) return m;
  if (auto m = CheckOfKind(cmd.expect_info, a.infos, "info", shown_expr, cmd.line, a)) return m;
  if (cmd.expect_no_warn && !a.warnings.empty()) {
    return Mismatch{"annotations", "unexpected warning annotations" + where + ": " + ListAnnotations(a)};
  }
  if (cmd.expect_no_info && !a.infos.empty()) {
    return Mismatch{"annotations", "unexpected info annotations" + where + ": " + ListAnnotations(a)};
  }
  return std::nullopt;
}

std::optional<Mismatch> CompareResult(const EvalCommand& cmd, const promql::Value& value,
                                      HistogramDetail detail) {
  switch (value.type) {
    case promql::ResultType::kMatrix: return CompareMatrix(cmd, value.matrix, detail);
    case promql::ResultType::kVector: return CompareVector(cmd, value.vector, detail);
    case promql::ResultType::kScalar:
      if (!cmd.expect_scalar) {
        return Mismatch{"wrong-type",
                        "expected vector or matrix result, but got scalar " + FormatValue(value.scalar)};
      }
      if (cmd.scalar.histogram) {
        return Mismatch{"wrong-type", "expected histogram " + HistogramTestExpression(*cmd.scalar.histogram) +
                                          " but got scalar " + FormatValue(value.scalar)};
      }
      if (!AlmostEqual(cmd.scalar.value, value.scalar)) {
        return Mismatch{"wrong-value", "expected scalar " + FormatValue(cmd.scalar.value) + " but got " +
                                           FormatValue(value.scalar)};
      }
      return std::nullopt;
    case promql::ResultType::kString: {
      const std::string expected = cmd.expected_string.value_or("");
      if (expected != value.str) {
        return Mismatch{"wrong-value", "expected string \"" + expected + "\" but got \"" + value.str + "\""};
      }
      return std::nullopt;
    }
  }
  return Mismatch{"wrong-type", "unexpected result type"};
}

std::optional<Mismatch> CheckQueryResult(const EvalCommand& cmd, const promql::QueryResult& result,
                                         std::string_view shown_expr, HistogramDetail detail) {
  const std::string where = " (line " + std::to_string(cmd.line) + ")";
  if (!result.status.ok()) {
    if (cmd.IsFail()) return CheckExpectedFailure(cmd, result.status.error(), shown_expr);
    return Mismatch{"unexpected-error", "error evaluating query " + Q(shown_expr) + where + ": " +
                                            result.status.error().message()};
  }
  if (cmd.IsFail()) {
    return Mismatch{"missing-error",
                    "expected error evaluating query " + Q(shown_expr) + where + " but got none"};
  }
  if (auto m = CheckAnnotations(cmd, result.annotations, shown_expr)) return m;
  if (auto m = CompareResult(cmd, result.value, detail)) {
    m->message = "error in eval " + std::string(shown_expr) + where + ": " + m->message;
    return m;
  }
  return std::nullopt;
}

}  // namespace promref::promqltest
