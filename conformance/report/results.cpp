#include "report/results.h"

#include <chrono>
#include <ctime>

namespace promconform {
namespace {
using nlohmann::json;

constexpr std::pair<Verdict, std::string_view> kNames[] = {
    {Verdict::kPass, "pass"},
    {Verdict::kFail, "fail"},
    {Verdict::kUnsupported, "unsupported"},
    {Verdict::kError, "error"},
    {Verdict::kOtherVersion, "other_version"},
    {Verdict::kSkipped, "skipped"},
};
}  // namespace

std::string_view VerdictName(Verdict v) {
  for (const auto& [k, n] : kNames) {
    if (k == v) return n;
  }
  return "error";
}

Verdict ParseVerdict(std::string_view s) {
  for (const auto& [k, n] : kNames) {
    if (n == s) return k;
  }
  return Verdict::kError;
}

size_t CategoryScore::Scored() const {
  auto get = [&](Verdict v) {
    auto it = counts.find(v);
    return it == counts.end() ? size_t{0} : it->second;
  };
  return total - get(Verdict::kSkipped) - get(Verdict::kOtherVersion);
}

double CategoryScore::Score() const {
  const size_t scored = Scored();
  if (scored == 0) return 1.0;
  auto it = counts.find(Verdict::kPass);
  return static_cast<double>(it == counts.end() ? 0 : it->second) / static_cast<double>(scored);
}

CategoryScore RunResults::Total() const {
  CategoryScore s;
  for (const auto& c : cases) {
    ++s.total;
    ++s.counts[c.verdict];
  }
  return s;
}

std::map<std::string, CategoryScore> RunResults::ByCategory() const {
  std::map<std::string, CategoryScore> out;
  for (const auto& c : cases) {
    auto& s = out[c.category];
    ++s.total;
    ++s.counts[c.verdict];
  }
  return out;
}

size_t RunResults::VersionDifferences() const {
  size_t n = 0;
  for (const auto& c : cases) n += c.version_difference ? 1 : 0;
  return n;
}

json ResultsToJson(const RunResults& r) {
  json j;
  const RunInfo& i = r.info;
  j["info"] = {{"mode", i.mode},
               {"target", i.target},
               {"target_url", i.target_url},
               {"target_version", i.target_version},
               {"claims", i.claims},
               {"reference", i.reference},
               {"reference_version", i.reference_version},
               {"dataset", i.dataset},
               {"base_ms", i.base_ms},
               {"started_at", i.started_at},
               {"load_seconds", i.load_seconds},
               {"seconds", i.seconds},
               {"tweak_notes", i.tweak_notes}};
  const CategoryScore t = r.Total();
  json counts = json::object();
  for (const auto& [v, n] : t.counts) counts[std::string(VerdictName(v))] = n;
  j["summary"] = {{"total", t.total},
                  {"scored", t.Scored()},
                  {"score", t.Score()},
                  {"counts", counts},
                  {"version_differences", r.VersionDifferences()}};
  json cats = json::object();
  for (const auto& [name, s] : r.ByCategory()) {
    json c = json::object();
    for (const auto& [v, n] : s.counts) c[std::string(VerdictName(v))] = n;
    cats[name] = {{"total", s.total}, {"scored", s.Scored()}, {"score", s.Score()}, {"counts", c}};
  }
  j["categories"] = cats;
  json cases = json::array();
  for (const auto& c : r.cases) {
    json cj = {{"id", c.id},     {"category", c.category}, {"verdict", VerdictName(c.verdict)},
               {"seed", c.seed}, {"since", c.since},       {"seconds", c.seconds}};
    if (!c.title.empty()) cj["title"] = c.title;
    if (!c.expr.empty()) cj["expr"] = c.expr;
    if (!c.reason.empty()) cj["reason"] = c.reason;
    if (c.version_difference) cj["version_difference"] = true;
    // Evidence only where something is to be explained, to keep reports small.
    if (c.verdict != Verdict::kPass && c.verdict != Verdict::kSkipped) {
      json ex = json::array();
      for (const auto& e : c.exchanges) {
        if (e.verdict == Verdict::kPass) continue;
        ex.push_back({{"name", e.name},
                      {"verdict", VerdictName(e.verdict)},
                      {"request", e.request},
                      {"diffs", e.diffs},
                      {"expected", e.expected},
                      {"actual", e.actual},
                      {"expected_source", e.expected_source}});
      }
      cj["exchanges"] = ex;
    }
    cases.push_back(std::move(cj));
  }
  j["cases"] = std::move(cases);
  return j;
}

promref::Result<RunResults> ResultsFromJson(const json& j) {
  try {
    RunResults r;
    const json& i = j.at("info");
    r.info.mode = i.value("mode", "");
    r.info.target = i.value("target", "");
    r.info.target_url = i.value("target_url", "");
    r.info.target_version = i.value("target_version", "");
    r.info.claims = i.value("claims", "");
    r.info.reference = i.value("reference", "");
    r.info.reference_version = i.value("reference_version", "");
    r.info.dataset = i.value("dataset", "");
    r.info.base_ms = i.value("base_ms", int64_t{0});
    r.info.started_at = i.value("started_at", "");
    r.info.load_seconds = i.value("load_seconds", 0.0);
    r.info.seconds = i.value("seconds", 0.0);
    if (i.contains("tweak_notes")) r.info.tweak_notes = i["tweak_notes"].get<std::vector<std::string>>();
    for (const json& cj : j.at("cases")) {
      CaseResult c;
      c.id = cj.at("id").get<std::string>();
      c.category = cj.value("category", "");
      c.verdict = ParseVerdict(cj.value("verdict", "error"));
      c.title = cj.value("title", "");
      c.expr = cj.value("expr", "");
      c.seed = cj.value("seed", "");
      c.since = cj.value("since", "");
      c.reason = cj.value("reason", "");
      c.seconds = cj.value("seconds", 0.0);
      c.version_difference = cj.value("version_difference", false);
      if (cj.contains("exchanges")) {
        for (const json& ej : cj["exchanges"]) {
          ExchangeResult e;
          e.name = ej.value("name", "");
          e.verdict = ParseVerdict(ej.value("verdict", "error"));
          e.request = ej.value("request", "");
          if (ej.contains("diffs")) e.diffs = ej["diffs"].get<std::vector<std::string>>();
          e.expected = ej.value("expected", json());
          e.actual = ej.value("actual", json());
          e.expected_source = ej.value("expected_source", "");
          c.exchanges.push_back(std::move(e));
        }
      }
      r.cases.push_back(std::move(c));
    }
    return r;
  } catch (const json::exception& e) {
    return promref::BadData(std::string("not a promconform JSON report: ") + e.what());
  }
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NowRfc3339() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace promconform
