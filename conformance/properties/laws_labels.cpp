// Laws about label matching and label functions: equivalent matcher spellings, regex
// alternation, complements, label_replace and label_join identities.
#include <set>

#include "model/go_strconv.h"
#include "model/value_text.h"
#include "promql/printer.h"
#include "properties/law_support.h"

namespace promconform::properties {
namespace {

using promref::model::MatchType;
using promref::promql::AtKind;
using promref::promql::Expr;
using promref::promql::VectorSelector;

bool Any(const Expr&) {
  return true;
}
std::string Q(const std::string& s) {
  return promref::model::GoQuote(s);
}

std::string QuoteMeta(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

// A selector taken apart: its matchers as text, and its modifiers.
struct SelectorParts {
  std::string name;
  std::vector<std::string> matchers;  // without the name's
  std::string mods;                   // " @ t offset d"
  const VectorSelector* vs = nullptr;
};

std::string ModsText(const promref::promql::TimeModifiers& m) {
  std::string out;
  if (m.at == AtKind::kTimestamp) out += " @ " + promref::model::FormatScalarTimestamp(m.timestamp);
  if (m.at == AtKind::kStart) out += " @ start()";
  if (m.at == AtKind::kEnd) out += " @ end()";
  if (m.original_offset != 0) out += " offset " + DurationText(m.original_offset);
  return out;
}

std::string MatcherText(const promref::model::Matcher& m) {
  return m.name() + std::string(promref::model::MatchTypeString(m.type())) + Q(m.value());
}

std::string Build(const std::string& name, const std::vector<std::string>& matchers,
                  const std::string& mods) {
  std::string out = name + "{";
  for (size_t i = 0; i < matchers.size(); ++i) out += (i ? ", " : "") + matchers[i];
  return out + "}" + mods;
}

// The spellings of one selector that must select the same series.
std::vector<std::string> Spellings(const VectorSelector& vs) {
  std::vector<std::string> plain, regex, negated;
  std::string name_value;
  for (const auto& m : vs.matchers) {
    if (m.name() == "__name__" && m.type() == MatchType::kEqual && m.value() == vs.name && !vs.name.empty()) {
      name_value = m.value();
      continue;
    }
    plain.push_back(MatcherText(m));
    // `=v` as `=~"QuoteMeta(v)"`, `!=v` as `!~"QuoteMeta(v)"`: the same sets of values.
    if (m.type() == MatchType::kEqual) {
      regex.push_back(m.name() + "=~" + Q(QuoteMeta(m.value())));
    } else if (m.type() == MatchType::kNotEqual) {
      regex.push_back(m.name() + "!~" + Q(QuoteMeta(m.value())));
    } else {
      regex.push_back(MatcherText(m));
    }
  }
  const std::string mods = ModsText(vs.mods);
  std::vector<std::string> out;
  out.push_back(Build(vs.name, plain, mods));
  out.push_back(Build(vs.name, regex, mods));
  if (!vs.name.empty()) {
    std::vector<std::string> inside = plain;
    inside.insert(inside.begin(), "__name__=" + Q(vs.name));
    out.push_back(Build("", inside, mods));
    std::vector<std::string> re = regex;
    re.insert(re.begin(), "__name__=~" + Q(QuoteMeta(vs.name)));
    out.push_back(Build("", re, mods));
    // A matcher every series satisfies, added: the selection does not change.
    std::vector<std::string> extra = inside;
    extra.push_back("__name__!=\"\"");
    out.push_back(Build("", extra, mods));
  }
  return out;
}

Outcome MatcherSpellings(LawContext& c, const Trial& tr) {
  auto parsed = ParseGenerated(tr.expr, true);
  if (!parsed.ok()) return Outcome::Skip("does not parse");
  const auto spellings = Spellings(promref::promql::As<VectorSelector>(**parsed));
  const Answer first = c.q.Instant(spellings[0], tr.t);
  if (auto s = SkipIfError(first)) return *s;
  for (size_t i = 1; i < spellings.size(); ++i) {
    if (auto o = SameInstant(first, c.q.Instant(spellings[i], tr.t), c.tolerance);
        o.status != Outcome::kHold) {
      o.detail = spellings[0] + " vs " + spellings[i] + ": " + o.detail;
      return o;
    }
  }
  return Outcome::Hold();
}

// The values `label` takes in an answer, sorted; "" when some element lacks it.
std::vector<std::string> ValuesOf(const Answer& a, const std::string& label) {
  std::set<std::string> v;
  for (const auto& s : a.series) {
    auto it = s.labels.find(label);
    v.insert(it == s.labels.end() ? "" : it->second);
  }
  return {v.begin(), v.end()};
}

// The selector with one more matcher.
std::string WithMatcher(const VectorSelector& vs, const std::string& matcher) {
  std::vector<std::string> ms;
  for (const auto& m : vs.matchers) {
    if (m.name() == "__name__" && m.value() == vs.name && !vs.name.empty()) continue;
    ms.push_back(MatcherText(m));
  }
  ms.push_back(matcher);
  return Build(vs.name, ms, ModsText(vs.mods));
}

Outcome AlternationIsUnion(LawContext& c, const Trial& tr) {
  auto parsed = ParseGenerated(tr.expr, true);
  if (!parsed.ok()) return Outcome::Skip("does not parse");
  const auto& vs = promref::promql::As<VectorSelector>(**parsed);
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const auto values = ValuesOf(x, tr.label);
  if (values.empty()) return Outcome::Skip("x is empty");
  const std::string v1 = values[static_cast<size_t>(tr.k) % values.size()], v2 = values.back();
  const Answer both =
      c.q.Instant(WithMatcher(vs, tr.label + "=~" + Q(QuoteMeta(v1) + "|" + QuoteMeta(v2))), tr.t);
  const Answer a = c.q.Instant(WithMatcher(vs, tr.label + "=" + Q(v1)), tr.t);
  const Answer b = c.q.Instant(WithMatcher(vs, tr.label + "=" + Q(v2)), tr.t);
  for (const Answer* y : {&both, &a, &b}) {
    if (auto f = FailIfError(*y, x)) return *f;
  }
  auto want = ByLabels(a);
  for (const auto& [l, p] : ByLabels(b)) want[l] = p;
  const auto got = ByLabels(both);
  if (got.size() != want.size()) return Fail("l=~\"a|b\" is not l=\"a\" or l=\"b\"", both, a);
  for (const auto& [l, p] : got) {
    if (!want.count(l)) return Fail(LabelText(l) + " only in the alternation", both, a);
  }
  return Outcome::Hold();
}

Outcome MatcherComplement(LawContext& c, const Trial& tr) {
  auto parsed = ParseGenerated(tr.expr, true);
  if (!parsed.ok()) return Outcome::Skip("does not parse");
  const auto& vs = promref::promql::As<VectorSelector>(**parsed);
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const auto values = ValuesOf(x, tr.label);
  const std::string v = values.empty() ? "" : values[static_cast<size_t>(tr.k) % values.size()];
  const Answer eq = c.q.Instant(WithMatcher(vs, tr.label + "=" + Q(v)), tr.t);
  const Answer ne = c.q.Instant(WithMatcher(vs, tr.label + "!=" + Q(v)), tr.t);
  if (auto f = FailIfError(eq, x)) return *f;
  if (auto f = FailIfError(ne, x)) return *f;
  if (eq.series.size() + ne.series.size() != x.series.size())
    return Fail("|x{l=v}| + |x{l!=v}| != |x| (" + std::to_string(x.series.size()) + ")", eq, ne);
  return Outcome::Hold();
}

Outcome LabelReplaceIdentity(LawContext& c, const Trial& tr, bool nomatch) {
  const Answer x = c.q.Instant(tr.expr, tr.t);
  if (auto s = SkipIfError(x)) return *s;
  const std::string q =
      nomatch ? "label_replace(" + tr.expr + ", \"pc_new\", \"x\", " + Q(tr.label) +
                    ", \"pc_never_matches_(.*)\")"
              : "label_replace(" + tr.expr + ", " + Q(tr.label) + ", \"$1\", " + Q(tr.label) + ", \"(.*)\")";
  return SameInstant(x, c.q.Instant(q, tr.t), c.tolerance);
}

Outcome LabelJoinEqualsReplace(LawContext& c, const Trial& tr) {
  const Answer j = c.q.Instant("label_join(" + tr.expr + ", \"pc_new\", \"-\", " + Q(tr.label) + ")", tr.t);
  if (auto s = SkipIfError(j)) return *s;
  return SameInstant(
      j,
      c.q.Instant("label_replace(" + tr.expr + ", \"pc_new\", \"$1\", " + Q(tr.label) + ", \"(.*)\")", tr.t),
      c.tolerance);
}

}  // namespace

void AddLabelLaws(std::vector<Law>& out) {
  const Shape V = Shape::kVector, S = Shape::kSelector;
  out.push_back({"equivalent-matcher-spellings",
                 "l=\"v\" / l=~\"v\" quoted, the name inside the braces or as a regex select the same series",
                 S, Any, MatcherSpellings});
  out.push_back({"regex-alternation-is-union", "x{l=~\"a|b\"} == x{l=\"a\"} or x{l=\"b\"}", S, Any,
                 AlternationIsUnion});
  out.push_back({"matcher-complement", "|x{l=\"v\"}| + |x{l!=\"v\"}| == |x|", S, Any, MatcherComplement});
  out.push_back({"label-replace-identity", "label_replace(x, \"l\", \"$1\", \"l\", \"(.*)\") == x", V, Any,
                 [](LawContext& c, const Trial& tr) { return LabelReplaceIdentity(c, tr, false); }});
  out.push_back({"label-replace-nomatch-identity",
                 "label_replace(x, \"new\", \"x\", \"l\", a regex matching nothing) == x", V, Any,
                 [](LawContext& c, const Trial& tr) { return LabelReplaceIdentity(c, tr, true); }});
  out.push_back({"label-join-equals-label-replace",
                 "label_join(x, \"new\", \"-\", \"l\") == label_replace(x, \"new\", \"$1\", \"l\", \"(.*)\")",
                 V, Any, LabelJoinEqualsReplace});
}

}  // namespace promconform::properties
