#include "compare/comparer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace promconform {
namespace {

using nlohmann::json;

constexpr size_t kMaxDiffs = 12;

class Diffs {
 public:
  void Add(std::string s) {
    ++total_;
    if (lines_.size() < kMaxDiffs) lines_.push_back(std::move(s));
  }
  bool empty() const { return total_ == 0; }
  CompareResult Result() {
    CompareResult r;
    r.equal = total_ == 0;
    r.diffs = std::move(lines_);
    if (total_ > kMaxDiffs)
      r.diffs.push_back("... and " + std::to_string(total_ - kMaxDiffs) + " more differences");
    return r;
  }

 private:
  std::vector<std::string> lines_;
  size_t total_ = 0;
};

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

bool ParseValue(const std::string& s, double* out) {
  if (s == "NaN") {
    *out = std::nan("");
    return true;
  }
  if (s == "+Inf" || s == "Inf") {
    *out = INFINITY;
    return true;
  }
  if (s == "-Inf") {
    *out = -INFINITY;
    return true;
  }
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0';
}

std::string Show(const json& j) {
  if (j.is_null()) return "(none)";
  std::string s = j.dump();
  if (s.size() > 200) s = s.substr(0, 197) + "...";
  return s;
}

std::string TimeText(const json& t) {
  if (!t.is_number_integer()) return Show(t);
  return RelText(t.get<int64_t>());
}

std::string ValueText(const json& v) {
  return v.is_string() ? "\"" + v.get<std::string>() + "\"" : Show(v);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

json TransformMetric(const json& metric, const CompareOptions& o) {
  if (!metric.is_object()) return metric;
  json out = json::object();
  for (auto it = metric.begin(); it != metric.end(); ++it) {
    if (std::find(o.drop_labels.begin(), o.drop_labels.end(), it.key()) != o.drop_labels.end()) continue;
    if (o.ignore_case) {
      out[Lower(it.key())] = it.value().is_string() ? json(Lower(it.value().get<std::string>())) : it.value();
    } else {
      out[it.key()] = it.value();
    }
  }
  return out;
}

int64_t Truncate(int64_t t, int64_t n) {
  if (n <= 0) return t;
  return t >= 0 ? t / n * n : -((-t + n - 1) / n) * n;
}

bool TimesEqual(const json& a, const json& b, const CompareOptions& o) {
  if (a.is_number_integer() && b.is_number_integer()) {
    return Truncate(a.get<int64_t>(), o.truncate_timestamps_ms) ==
           Truncate(b.get<int64_t>(), o.truncate_timestamps_ms);
  }
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

// Deep equality where numeric strings compare under the tolerance (native histogram objects).
bool JsonApproxEqual(const json& a, const json& b, const ValueTolerance& tol) {
  if (a.is_string() && b.is_string()) return ValuesEqual(a.get<std::string>(), b.get<std::string>(), tol);
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonApproxEqual(a[i], b[i], tol)) return false;
    }
    return true;
  }
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key()) || !JsonApproxEqual(it.value(), b[it.key()], tol)) return false;
    }
    return true;
  }
  return a == b;
}

struct Series {
  json metric;
  std::string key;
  const json* item;
};

std::vector<Series> SeriesOf(const json& result, const CompareOptions& o) {
  std::vector<Series> out;
  if (!result.is_array()) return out;
  for (const json& item : result) {
    json m = TransformMetric(item.is_object() ? item.value("metric", json::object()) : json(), o);
    out.push_back({m, LabelKey(m), &item});
  }
  return out;
}

void ComparePoint(const std::string& where, const json& e, const json& a, const CompareOptions& o, Diffs& d) {
  if (!e.is_array() || e.size() != 2 || !a.is_array() || a.size() != 2) {
    if (e != a) d.Add(where + ": expected " + Show(e) + ", got " + Show(a));
    return;
  }
  if (!TimesEqual(e[0], a[0], o)) {
    d.Add(where + ": timestamp expected " + TimeText(e[0]) + ", got " + TimeText(a[0]));
  }
  if (e[1].is_string() && a[1].is_string()) {
    if (!ValuesEqual(e[1].get<std::string>(), a[1].get<std::string>(), o.tolerance)) {
      d.Add(where + " at " + TimeText(e[0]) + ": value expected " + ValueText(e[1]) + ", got " +
            ValueText(a[1]));
    }
  } else if (!JsonApproxEqual(e[1], a[1], o.tolerance)) {
    d.Add(where + " at " + TimeText(e[0]) + ": expected " + Show(e[1]) + ", got " + Show(a[1]));
  }
}

void ComparePoints(const std::string& where, const char* field, const json& ei, const json& ai,
                   const CompareOptions& o, Diffs& d) {
  json ev = ei.contains(field) ? ei[field] : json::array();
  const json av = ai.contains(field) ? ai[field] : json::array();
  if (!ev.is_array() || !av.is_array()) {
    d.Add(where + ": " + field + " expected " + Show(ev) + ", got " + Show(av));
    return;
  }
  if (o.ignore_first_step && !ev.empty() && !av.empty() && ev[0].is_array() && av[0].is_array() &&
      ev[0][0].is_number_integer() && av[0][0].is_number_integer() &&
      av[0][0].get<int64_t>() > ev[0][0].get<int64_t>()) {
    ev.erase(ev.begin());
  }
  if (ev.size() != av.size()) {
    // Say where they start to differ: the first timestamp present on one side only.
    std::set<int64_t> et, at;
    for (const json& p : ev) {
      if (p.is_array() && !p.empty() && p[0].is_number_integer())
        et.insert(Truncate(p[0].get<int64_t>(), o.truncate_timestamps_ms));
    }
    for (const json& p : av) {
      if (p.is_array() && !p.empty() && p[0].is_number_integer())
        at.insert(Truncate(p[0].get<int64_t>(), o.truncate_timestamps_ms));
    }
    std::string detail;
    for (int64_t t : et) {
      if (!at.count(t)) {
        detail = "; first missing point at " + RelText(t);
        break;
      }
    }
    if (detail.empty()) {
      for (int64_t t : at) {
        if (!et.count(t)) {
          detail = "; first unexpected point at " + RelText(t);
          break;
        }
      }
    }
    d.Add(where + ": " + std::to_string(ev.size()) + " " + field + " expected, got " +
          std::to_string(av.size()) + detail);
    return;
  }
  size_t bad = 0;
  Diffs local;
  for (size_t i = 0; i < ev.size(); ++i) {
    Diffs one;
    ComparePoint(where, ev[i], av[i], o, one);
    if (!one.empty()) {
      ++bad;
      if (bad == 1) {
        for (auto& line : one.Result().diffs) d.Add(line);
      }
    }
  }
  if (bad > 1)
    d.Add(where + ": " + std::to_string(bad - 1) + " more points differ (of " + std::to_string(ev.size()) +
          ")");
}

// The value of a vector element as a double (for order checks); NaN when absent.
double ElementValue(const json& item) {
  double v = std::nan("");
  if (item.is_object() && item.contains("value") && item["value"].is_array() && item["value"].size() == 2 &&
      item["value"][1].is_string()) {
    ParseValue(item["value"][1].get<std::string>(), &v);
  }
  return v;
}

std::string GroupKey(const json& metric, const OrderSpec& order) {
  if (!order.grouped) return "";
  json g = json::object();
  if (!metric.is_object()) return "";
  for (auto it = metric.begin(); it != metric.end(); ++it) {
    const std::string& k = it.key();
    const bool listed_by = std::find(order.group_by.begin(), order.group_by.end(), k) != order.group_by.end();
    const bool listed_without =
        std::find(order.group_without.begin(), order.group_without.end(), k) != order.group_without.end();
    const bool keep = order.group_without.empty() ? listed_by : (!listed_without && k != "__name__");
    if (keep) g[k] = it.value();
  }
  return LabelKey(g);
}

bool SameValue(double x, double y, const CompareOptions& o) {
  return (std::isnan(x) && std::isnan(y)) || ValuesEqual(FormatDouble(x), FormatDouble(y), o.tolerance);
}

// Equal as sorting and selection see values: -0 and 0 tie (Go compares them with <), so either
// may come first in sort() or be kept by topk().
bool TieValue(double x, double y, const CompareOptions& o) {
  return x == y || SameValue(x, y, o);
}

// Checks the order of `as` against that of `es` on what both have, so that it runs (and reports)
// even when series are missing or unexpected: value orders compare the value sequence of each
// group where both hold as many elements (ties may come in any order, as Prometheus' sort is not
// stable); label order compares the relative order of the series both have.
void CheckOrder(const std::vector<Series>& es, const std::vector<Series>& as, const CompareOptions& o,
                Diffs& d) {
  if (o.order.by == "value_asc" || o.order.by == "value_desc") {
    std::map<std::string, std::vector<std::pair<double, std::string>>> eg, ag;
    for (const Series& s : es) eg[GroupKey(s.metric, o.order)].push_back({ElementValue(*s.item), s.key});
    for (const Series& s : as) ag[GroupKey(s.metric, o.order)].push_back({ElementValue(*s.item), s.key});
    for (const auto& [g, ev] : eg) {
      const auto& av = ag[g];
      if (ev.size() != av.size()) continue;  // reported as missing or unexpected series
      for (size_t i = 0; i < ev.size(); ++i) {
        const double x = ev[i].first, y = av[i].first;
        if (!TieValue(x, y, o)) {
          d.Add("order" + (g.empty() || g == "{}" ? std::string() : " in group " + g) + ": position " +
                std::to_string(i + 1) + " expected " + ev[i].second + " (" + FormatDouble(x) + "), got " +
                av[i].second + " (" + FormatDouble(y) + ") (" +
                (o.order.by == "value_desc" ? "descending" : "ascending") + " by value)");
          return;
        }
      }
    }
  } else if (o.order.by == "labels") {
    std::set<std::string> ek, ak;
    for (const Series& s : es) ek.insert(s.key);
    for (const Series& s : as) ak.insert(s.key);
    std::vector<std::string> ec, ac;  // the keys both have, in each side's order
    for (const Series& s : es) {
      if (ak.count(s.key)) ec.push_back(s.key);
    }
    for (const Series& s : as) {
      if (ek.count(s.key)) ac.push_back(s.key);
    }
    for (size_t i = 0; i < ec.size() && i < ac.size(); ++i) {
      if (ec[i] != ac[i]) {
        d.Add("order: series " + std::to_string(i + 1) + " (of those both have) expected " + ec[i] +
              ", got " + ac[i] + " (sorted by labels)");
        return;
      }
    }
  }
}

// topk/bottomk: which of several series with the value at the selection's boundary is kept is not
// defined (Prometheus' own choice changed between versions). So within each group and at each
// time the selected values must be the same multiset, and every series whose value is not the
// boundary value must be the same series; those at the boundary may be others.
struct Pick {
  std::string key;
  double value;
};
using Picks = std::map<std::pair<std::string, int64_t>, std::vector<Pick>>;  // (group, time) -> picks

Picks PicksOf(const std::vector<Series>& ss, const CompareOptions& o) {
  Picks out;
  for (const Series& s : ss) {
    const std::string g = GroupKey(s.metric, o.order);
    const json& item = *s.item;
    std::vector<const json*> points;
    if (item.contains("value")) points.push_back(&item["value"]);
    if (item.contains("values") && item["values"].is_array()) {
      for (const json& p : item["values"]) points.push_back(&p);
    }
    for (const json* p : points) {
      if (!p->is_array() || p->size() != 2 || !(*p)[0].is_number_integer() || !(*p)[1].is_string()) continue;
      double v = std::nan("");
      ParseValue((*p)[1].get<std::string>(), &v);
      out[{g, Truncate((*p)[0].get<int64_t>(), o.truncate_timestamps_ms)}].push_back({s.key, v});
    }
  }
  return out;
}

std::string PicksText(std::vector<Pick> ps) {
  std::sort(ps.begin(), ps.end(), [](const Pick& a, const Pick& b) { return a.key < b.key; });
  std::string out;
  for (const Pick& p : ps) out += (out.empty() ? "" : ", ") + p.key + " " + FormatDouble(p.value);
  return "[" + out + "]";
}

std::vector<double> SortedValues(const std::vector<Pick>& ps) {
  std::vector<double> v;
  for (const Pick& p : ps) v.push_back(p.value);
  // NaN last and -0 before 0, so that both sides line up.
  std::sort(v.begin(), v.end(), [](double x, double y) {
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return x < y || (x == y && std::signbit(x) && !std::signbit(y));
  });
  return v;
}

void CompareSelection(const std::vector<Series>& es, const std::vector<Series>& as, const CompareOptions& o,
                      Diffs& d) {
  const bool top = o.order.by == "value_desc";
  const Picks ep = PicksOf(es, o), ap = PicksOf(as, o);
  std::set<std::pair<std::string, int64_t>> slots;
  for (const auto& [k, v] : ep) slots.insert(k);
  for (const auto& [k, v] : ap) slots.insert(k);
  const std::vector<Pick> none;
  for (const auto& slot : slots) {
    const auto ei = ep.find(slot), ai = ap.find(slot);
    const std::vector<Pick>& e = ei == ep.end() ? none : ei->second;
    const std::vector<Pick>& a = ai == ap.end() ? none : ai->second;
    const std::string where = "selection" +
                              (slot.first == "{}" || slot.first.empty() ? "" : " in group " + slot.first) +
                              " at " + RelText(slot.second);
    const auto ev = SortedValues(e), av = SortedValues(a);
    bool same = ev.size() == av.size();
    for (size_t i = 0; same && i < ev.size(); ++i) same = TieValue(ev[i], av[i], o);
    if (!same) {
      d.Add(where + ": expected " + PicksText(e) + ", got " + PicksText(a));
      continue;
    }
    if (e.empty()) continue;
    // The worst value kept: NaN when any (topk and bottomk both rank it last), else the smallest
    // for topk and the largest for bottomk.
    const double boundary = std::isnan(ev.back()) ? ev.back() : (top ? ev.front() : ev.back());
    std::map<std::string, double> akeys;
    for (const Pick& p : a) akeys[p.key] = p.value;
    for (const Pick& p : e) {
      if (TieValue(p.value, boundary, o)) continue;
      auto it = akeys.find(p.key);
      if (it == akeys.end() || !SameValue(it->second, p.value, o)) {
        d.Add(where + ": expected " + p.key + " " + FormatDouble(p.value) + " (not a tie), got " +
              PicksText(a));
        break;
      }
    }
  }
}

void CompareResultSeries(const json& e, const json& a, const std::string& type, const CompareOptions& o,
                         Diffs& d) {
  if (!e.is_array() || !a.is_array()) {
    if (e != a) d.Add("result: expected " + Show(e) + ", got " + Show(a));
    return;
  }
  const auto es = SeriesOf(e, o), as = SeriesOf(a, o);
  if (o.order.grouped && (type == "vector" || type == "matrix")) {
    // topk/bottomk: compared by value, ties at the boundary may be other series.
    CompareSelection(es, as, o, d);
    if (type == "vector") CheckOrder(es, as, o, d);
    return;
  }
  std::multimap<std::string, const Series*> amap;
  for (const Series& s : as) amap.emplace(s.key, &s);
  std::set<const Series*> matched;
  size_t missing = 0;
  for (const Series& s : es) {
    auto it = amap.find(s.key);
    while (it != amap.end() && it->first == s.key && matched.count(it->second)) ++it;
    if (it == amap.end() || it->first != s.key) {
      ++missing;
      std::string val;
      if (s.item->contains("value")) val = " = " + Show((*s.item)["value"][1]);
      if (s.item->contains("values")) val = " (" + std::to_string((*s.item)["values"].size()) + " points)";
      d.Add("result: missing series " + s.key + val);
      continue;
    }
    matched.insert(it->second);
    const json& ei = *s.item;
    const json& ai = *it->second->item;
    if (type == "vector") {
      if (ei.contains("value") || ai.contains("value")) {
        ComparePoint("result " + s.key, ei.value("value", json()), ai.value("value", json()), o, d);
      }
      if (ei.contains("histogram") || ai.contains("histogram")) {
        ComparePoint("result " + s.key + " histogram", ei.value("histogram", json()),
                     ai.value("histogram", json()), o, d);
      }
    } else {
      if (ei.contains("values") || ai.contains("values"))
        ComparePoints("result " + s.key, "values", ei, ai, o, d);
      if (ei.contains("histograms") || ai.contains("histograms")) {
        ComparePoints("result " + s.key, "histograms", ei, ai, o, d);
      }
    }
  }
  for (const Series& s : as) {
    if (matched.count(&s)) continue;
    std::string val;
    if (s.item->contains("value")) val = " = " + Show((*s.item)["value"][1]);
    if (s.item->contains("values")) val = " (" + std::to_string((*s.item)["values"].size()) + " points)";
    d.Add("result: unexpected series " + s.key + val);
  }
  if (type == "vector" && !o.order.by.empty()) CheckOrder(es, as, o, d);
  if (type == "matrix" && o.matrix_ordered) {
    OrderSpec by_labels;
    by_labels.by = "labels";
    CompareOptions lo = o;
    lo.order = by_labels;
    CheckOrder(es, as, lo, d);
  }
}

void CompareQueryData(const json& e, const json& a, const CompareOptions& o, Diffs& d) {
  if (!a.is_object() || !a.contains("resultType")) {
    d.Add("data: expected a query result, got " + Show(a));
    return;
  }
  if (e["resultType"] != a["resultType"]) {
    d.Add("resultType: expected " + Show(e["resultType"]) + ", got " + Show(a["resultType"]));
    return;
  }
  const std::string type = e["resultType"].get<std::string>();
  const json& er = e.value("result", json());
  const json& ar = a.value("result", json());
  if (type == "scalar") {
    ComparePoint("scalar", er, ar, o, d);
  } else if (type == "string") {
    if (!er.is_array() || !ar.is_array() || er.size() != 2 || ar.size() != 2) {
      if (er != ar) d.Add("string: expected " + Show(er) + ", got " + Show(ar));
    } else {
      if (!TimesEqual(er[0], ar[0], o))
        d.Add("string: timestamp expected " + TimeText(er[0]) + ", got " + TimeText(ar[0]));
      if (er[1] != ar[1]) d.Add("string: expected " + Show(er[1]) + ", got " + Show(ar[1]));
    }
  } else {
    CompareResultSeries(er, ar, type, o, d);
  }
}

void CompareSets(const std::string& what, const json& e, const json& a, const CompareOptions& o, Diffs& d) {
  if (!e.is_array() || !a.is_array()) {
    if (e != a) d.Add(what + ": expected " + Show(e) + ", got " + Show(a));
    return;
  }
  std::multiset<std::string> es, as;
  for (const json& x : e) es.insert(x.is_object() ? LabelKey(TransformMetric(x, o)) : x.dump());
  for (const json& x : a) as.insert(x.is_object() ? LabelKey(TransformMetric(x, o)) : x.dump());
  std::vector<std::string> missing, extra;
  std::set_difference(es.begin(), es.end(), as.begin(), as.end(), std::back_inserter(missing));
  std::set_difference(as.begin(), as.end(), es.begin(), es.end(), std::back_inserter(extra));
  for (const auto& m : missing) d.Add(what + ": missing " + m);
  for (const auto& x : extra) d.Add(what + ": unexpected " + x);
}

void CompareExact(const std::string& path, const json& e, const json& a, const CompareOptions& o, Diffs& d) {
  if (e.is_object() && a.is_object()) {
    for (auto it = e.begin(); it != e.end(); ++it) {
      if (!a.contains(it.key())) {
        d.Add(path + "." + it.key() + ": missing (expected " + Show(it.value()) + ")");
      } else {
        CompareExact(path + "." + it.key(), it.value(), a[it.key()], o, d);
      }
    }
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!e.contains(it.key())) d.Add(path + "." + it.key() + ": unexpected " + Show(it.value()));
    }
    return;
  }
  if (e.is_array() && a.is_array() && e.size() == a.size()) {
    for (size_t i = 0; i < e.size(); ++i)
      CompareExact(path + "[" + std::to_string(i) + "]", e[i], a[i], o, d);
    return;
  }
  if (e.is_string() && a.is_string() && ValuesEqual(e.get<std::string>(), a.get<std::string>(), o.tolerance))
    return;
  if (e != a) d.Add(path + ": expected " + Show(e) + ", got " + Show(a));
}

size_t CountOf(const json& data) {
  if (data.is_object() && data.contains("result") && data["result"].is_array()) return data["result"].size();
  if (data.is_array()) return data.size();
  return 0;
}

void CompareAnnotations(const char* key, const json& e, const json& a, Diffs& d) {
  const json ev = e.contains(key) ? e[key] : json::array();
  const json av = a.contains(key) ? a[key] : json::array();
  std::set<std::string> es, as;
  for (const json& x : ev) es.insert(x.is_string() ? x.get<std::string>() : x.dump());
  for (const json& x : av) as.insert(x.is_string() ? x.get<std::string>() : x.dump());
  for (const auto& s : es) {
    if (!as.count(s)) d.Add(std::string(key) + ": missing \"" + s + "\"");
  }
  for (const auto& s : as) {
    if (!es.count(s)) d.Add(std::string(key) + ": unexpected \"" + s + "\"");
  }
}

}  // namespace

bool ValuesEqual(const std::string& a, const std::string& b, const ValueTolerance& tol) {
  if (a == b) return true;
  double x, y;
  if (!ParseValue(a, &x) || !ParseValue(b, &y)) return false;
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  if (std::isinf(x) || std::isinf(y)) return x == y;
  // Prometheus writes negative zero as "-0" (sgn(-0.0), -0 * x): its sign is part of the answer.
  if (x == 0 && y == 0) return std::signbit(x) == std::signbit(y);
  if (x == y) return true;
  const double diff = std::fabs(x - y);
  return diff <= std::max(tol.fraction * std::min(std::fabs(x), std::fabs(y)), tol.margin);
}

std::string LabelKey(const json& metric) {
  if (!metric.is_object()) return metric.dump();
  std::vector<std::pair<std::string, std::string>> kv;
  for (auto it = metric.begin(); it != metric.end(); ++it) {
    kv.emplace_back(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  }
  std::sort(kv.begin(), kv.end());
  std::string out = "{";
  for (size_t i = 0; i < kv.size(); ++i) {
    if (i > 0) out += ", ";
    out += kv[i].first + "=" + json(kv[i].second).dump();
  }
  return out + "}";
}

CompareResult CompareNormalized(const json& expected, const json& actual, const CompareOptions& o) {
  if (!expected.is_object() || !actual.is_object()) {  // not a normalised response: compare as objects
    static const json kEmpty = json::object();
    if (expected.is_object() || actual.is_object()) {
      return CompareNormalized(expected.is_object() ? expected : kEmpty, actual.is_object() ? actual : kEmpty,
                               o);
    }
    CompareResult r;
    r.equal = expected == actual;
    if (!r.equal) r.diffs.push_back("expected " + Show(expected) + ", got " + Show(actual));
    return r;
  }
  Diffs d;
  if (actual.contains("transport_error")) {
    d.Add("no answer: " + actual["transport_error"].get<std::string>());
    return d.Result();
  }
  const bool partial = expected.value("partial", false);
  if (expected.contains("http") && expected["http"] != actual.value("http", json())) {
    d.Add("HTTP status: expected " + Show(expected["http"]) + ", got " + Show(actual.value("http", json())));
  }
  if (expected.contains("http_in")) {
    const json code = actual.contains("http") ? actual["http"] : actual.value("http_info", json());
    bool any = false;
    for (const json& c : expected["http_in"]) any = any || c == code;
    if (!any) d.Add("HTTP status: expected one of " + Show(expected["http_in"]) + ", got " + Show(code));
  }
  if (expected.contains("http_class") && expected["http_class"] != actual.value("http_class", json())) {
    d.Add("HTTP status: expected " + Show(expected["http_class"]) + ", got " +
          Show(actual.value("http_class", json())) + " (" + Show(actual.value("http_info", json())) + ")");
  }
  if (partial && expected.contains("http_info") &&
      expected["http_info"] != actual.value("http_info", json())) {
    d.Add("HTTP status: expected " + Show(expected["http_info"]) + ", got " +
          Show(actual.value("http_info", json())));
  }
  if (expected.contains("content_type") && expected["content_type"] != actual.value("content_type", json())) {
    d.Add("Content-Type: expected " + Show(expected["content_type"]) + ", got " +
          Show(actual.value("content_type", json())));
  }
  if (expected.contains("headers") && expected["headers"].is_object()) {
    const json ah = actual.value("headers", json::object());
    for (auto it = expected["headers"].begin(); it != expected["headers"].end(); ++it) {
      const json av = ah.contains(it.key()) ? ah[it.key()] : json("");
      if (it.value() != av)
        d.Add("header " + it.key() + ": expected " + Show(it.value()) + ", got " + Show(av));
    }
  }
  const bool envelope = expected.contains("status");
  if (envelope) {
    if (expected["status"] != actual.value("status", json())) {
      d.Add("status: expected " + Show(expected["status"]) + ", got " + Show(actual.value("status", json())) +
            (actual.contains("error") ? " (error: " + Show(actual["error"]) + ")" : ""));
    }
    if ((expected.contains("errorType") || !partial) &&
        expected.value("errorType", json()) != actual.value("errorType", json())) {
      d.Add("errorType: expected " + Show(expected.value("errorType", json())) + ", got " +
            Show(actual.value("errorType", json())) +
            (actual.contains("error") ? " (error: " + Show(actual["error"]) + ")" : ""));
    }
  }
  if (o.compare_annotations && envelope) {
    if (!partial || expected.contains("warnings")) CompareAnnotations("warnings", expected, actual, d);
    if (!partial || expected.contains("infos")) CompareAnnotations("infos", expected, actual, d);
  }
  if (expected.contains("result_count")) {
    const size_t n = CountOf(actual.value("data", json()));
    if (expected["result_count"] != n) {
      d.Add("result count: expected " + Show(expected["result_count"]) + ", got " + std::to_string(n));
    }
  }
  if (actual.value("unsorted", false) && !expected.value("unsorted", false) && !partial) {
    d.Add("data: not sorted (expected in ascending order)");
  }
  if (expected.contains("data")) {
    const json& e = expected["data"];
    const json a = actual.contains("data") ? actual["data"] : json();
    if (e.is_object() && e.contains("resultType")) {
      CompareQueryData(e, a, o, d);
    } else if (e.is_array()) {
      CompareSets("data", e, a, o, d);
    } else {
      CompareExact("data", e, a, o, d);
    }
  } else if (!partial && actual.contains("data") && envelope && expected.value("status", "") == "success") {
    d.Add("data: unexpected " + Show(actual["data"]));
  }
  return d.Result();
}

}  // namespace promconform
