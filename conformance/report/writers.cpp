#include "report/writers.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "report/report_format.h"

namespace promconform {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using report_format::CaseLabel;
using report_format::Count;
using report_format::MdEscape;
using report_format::Pct;
using report_format::XmlEscape;

std::string Secs(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", v);
  return buf;
}

std::string Header(const RunResults& r) {
  const RunInfo& i = r.info;
  std::string s = "promconform " + i.mode + ": " + i.target;
  if (!i.target_url.empty()) s += " (" + i.target_url + ")";
  if (!i.target_version.empty()) s += ", reports version " + i.target_version;
  s += "\n  claims: Prometheus " + (i.claims.empty() ? std::string("2.42") : i.claims) + "\n";
  if (!i.reference.empty()) {
    s += "  expected answers: " + i.reference +
         (i.reference_version.empty() ? "" : " " + i.reference_version) + "\n";
  }
  s += "  dataset: " + i.dataset + ", started " + i.started_at + "\n";
  for (const auto& n : i.tweak_notes) s += "  tweak: " + n + "\n";
  return s;
}

bool Failing(const CaseResult& c) {
  return c.verdict == Verdict::kFail || c.verdict == Verdict::kError || c.verdict == Verdict::kUnsupported ||
         c.verdict == Verdict::kOtherVersion;
}

}  // namespace

std::string TextReport(const RunResults& r, size_t max_failures) {
  std::ostringstream o;
  o << Header(r);
  const CategoryScore total = r.Total();
  o << "  " << total.total << " cases in " << Secs(r.info.seconds) << " (loading data "
    << Secs(r.info.load_seconds) << ")\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "  %-34s %6s %6s %6s %6s %6s %6s %6s %8s\n", "category", "cases", "pass",
                "fail", "unsup", "error", "other", "skip", "score");
  o << line;
  auto row = [&](const std::string& name, const CategoryScore& s) {
    std::snprintf(line, sizeof line, "  %-34s %6zu %6zu %6zu %6zu %6zu %6zu %6zu %8s\n", name.c_str(),
                  s.total, Count(s, Verdict::kPass), Count(s, Verdict::kFail),
                  Count(s, Verdict::kUnsupported), Count(s, Verdict::kError),
                  Count(s, Verdict::kOtherVersion), Count(s, Verdict::kSkipped), Pct(s.Score()).c_str());
    o << line;
  };
  for (const auto& [name, s] : r.ByCategory()) row(name, s);
  row("TOTAL", total);
  o << "\n  score: " << Pct(total.Score()) << " (" << Count(total, Verdict::kPass) << " of " << total.Scored()
    << " scored cases; skipped and other-version cases are not scored)\n";
  size_t vd = 0, vd_pass = 0;
  for (const auto& c : r.cases) {
    if (!c.version_difference) continue;
    ++vd;
    vd_pass += c.verdict == Verdict::kPass ? 1 : 0;
  }
  o << "  version differences: " << vd << " cases answer differently in Prometheus 2.42 and 3.x; " << vd_pass
    << " of them as the claimed version does, " << Count(total, Verdict::kOtherVersion)
    << " as the other version does (other)\n";
  size_t shown = 0, failing = 0;
  for (const auto& c : r.cases) failing += Failing(c) ? 1 : 0;
  if (failing > 0)
    o << "\nNot passing (" << failing
      << (failing > max_failures ? ", first " + std::to_string(max_failures) : "") << "):\n";
  for (const auto& c : r.cases) {
    if (!Failing(c) || shown >= max_failures) continue;
    ++shown;
    o << "\n  [" << VerdictName(c.verdict) << "] " << c.id << "  " << c.category << "\n    " << CaseLabel(c)
      << "\n";
    if (!c.reason.empty()) o << "    reason: " << c.reason << "\n";
    for (const auto& e : c.exchanges) {
      if (e.verdict == Verdict::kPass || e.verdict == Verdict::kSkipped) continue;
      o << "    " << e.name << ": " << e.request << "\n";
      for (const auto& d : e.diffs) o << "      " << d << "\n";
    }
  }
  return o.str();
}

std::string JsonReport(const RunResults& r) {
  return ResultsToJson(r).dump(1) + "\n";
}

std::string JunitReport(const RunResults& r) {
  std::map<std::string, std::vector<const CaseResult*>> by_cat;
  for (const auto& c : r.cases) by_cat[c.category].push_back(&c);
  const CategoryScore total = r.Total();
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites name=\"promconform " << XmlEscape(r.info.target) << "\" tests=\"" << total.total
    << "\" failures=\""
    << Count(total, Verdict::kFail) + Count(total, Verdict::kUnsupported) +
           Count(total, Verdict::kOtherVersion)
    << "\" errors=\"" << Count(total, Verdict::kError) << "\" skipped=\"" << Count(total, Verdict::kSkipped)
    << "\" time=\"" << r.info.seconds << "\">\n";
  for (const auto& [cat, cases] : by_cat) {
    size_t fail = 0, err = 0, skip = 0;
    double secs = 0;
    for (const CaseResult* c : cases) {
      fail += (c->verdict == Verdict::kFail || c->verdict == Verdict::kUnsupported ||
               c->verdict == Verdict::kOtherVersion);
      err += c->verdict == Verdict::kError;
      skip += c->verdict == Verdict::kSkipped;
      secs += c->seconds;
    }
    o << "  <testsuite name=\"" << XmlEscape(cat) << "\" tests=\"" << cases.size() << "\" failures=\"" << fail
      << "\" errors=\"" << err << "\" skipped=\"" << skip << "\" time=\"" << secs << "\">\n";
    for (const CaseResult* c : cases) {
      o << "    <testcase classname=\"" << XmlEscape(cat) << "\" name=\""
        << XmlEscape(c->id + " " + CaseLabel(*c)) << "\" time=\"" << c->seconds << "\"";
      if (c->verdict == Verdict::kPass) {
        o << "/>\n";
        continue;
      }
      o << ">\n";
      std::string body;
      for (const auto& e : c->exchanges) {
        if (e.verdict == Verdict::kPass || e.verdict == Verdict::kSkipped) continue;
        body += e.name + ": " + e.request + "\n";
        for (const auto& d : e.diffs) body += "  " + d + "\n";
      }
      const std::string first = [&] {
        for (const auto& e : c->exchanges) {
          if (!e.diffs.empty()) return e.diffs.front();
        }
        return c->reason;
      }();
      switch (c->verdict) {
        case Verdict::kSkipped: o << "      <skipped message=\"" << XmlEscape(c->reason) << "\"/>\n"; break;
        case Verdict::kError:
          o << "      <error message=\"" << XmlEscape(first) << "\">" << XmlEscape(body) << "</error>\n";
          break;
        default:
          o << "      <failure type=\"" << VerdictName(c->verdict) << "\" message=\"" << XmlEscape(first)
            << "\">" << XmlEscape(body) << "</failure>\n";
      }
      o << "    </testcase>\n";
    }
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
  return o.str();
}

std::string MarkdownReport(const RunResults& r, size_t max_failures) {
  std::ostringstream o;
  const CategoryScore total = r.Total();
  o << "# promconform report: " << MdEscape(r.info.target) << "\n\n";
  o << "| | |\n|---|---|\n";
  o << "| mode | " << r.info.mode << " |\n";
  o << "| target | " << MdEscape(r.info.target)
    << (r.info.target_version.empty() ? "" : " (reports " + MdEscape(r.info.target_version) + ")") << " |\n";
  o << "| claims | Prometheus " << (r.info.claims.empty() ? "2.42" : MdEscape(r.info.claims)) << " |\n";
  o << "| expected answers | " << MdEscape(r.info.reference + " " + r.info.reference_version) << " |\n";
  o << "| dataset | " << MdEscape(r.info.dataset) << " |\n";
  o << "| duration | " << Secs(r.info.seconds) << " (loading data " << Secs(r.info.load_seconds) << ") |\n";
  o << "| **score** | **" << Pct(total.Score()) << "** (" << Count(total, Verdict::kPass) << " of "
    << total.Scored() << " scored cases) |\n";
  o << "| version differences | " << r.VersionDifferences() << " cases differ between 2.42 and 3.x; "
    << Count(total, Verdict::kOtherVersion) << " answered as the other version |\n\n";
  for (const auto& n : r.info.tweak_notes) o << "- tweak: " << MdEscape(n) << "\n";
  o << "\n## Scores by category\n\n| category | cases | pass | fail | unsupported | error | other version | "
       "skipped | score |\n"
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [name, s] : r.ByCategory()) {
    o << "| " << name << " | " << s.total << " | " << Count(s, Verdict::kPass) << " | "
      << Count(s, Verdict::kFail) << " | " << Count(s, Verdict::kUnsupported) << " | "
      << Count(s, Verdict::kError) << " | " << Count(s, Verdict::kOtherVersion) << " | "
      << Count(s, Verdict::kSkipped) << " | " << Pct(s.Score()) << " |\n";
  }
  size_t shown = 0;
  bool any = false;
  for (const auto& c : r.cases) {
    if (!Failing(c)) continue;
    if (!any) {
      o << "\n## Not passing\n";
      any = true;
    }
    if (shown++ >= max_failures) {
      o << "\n(further cases in the JSON and HTML reports)\n";
      break;
    }
    o << "\n### `" << c.id << "` " << VerdictName(c.verdict) << "\n\n"
      << c.category << ": `" << MdEscape(CaseLabel(c)) << "`\n\n";
    if (!c.reason.empty()) o << "reason: " << MdEscape(c.reason) << "\n\n";
    o << "```\n";
    for (const auto& e : c.exchanges) {
      if (e.verdict == Verdict::kPass || e.verdict == Verdict::kSkipped) continue;
      o << e.name << ": " << e.request << "\n";
      for (const auto& d : e.diffs) o << "  " << d << "\n";
    }
    o << "```\n";
  }
  return o.str();
}

std::string HtmlReport(const RunResults& r, size_t max_failures) {
  std::ostringstream o;
  const CategoryScore total = r.Total();
  const auto cats = r.ByCategory();
  // Everything must show in full at any window width (html_render_test checks it in chromium):
  // text wraps, even inside long tokens (numbers of 300 digits, URLs), rather than being cut or
  // pushing the page wider; what cannot wrap (tables, JSON bodies) scrolls in its own box.
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>promconform: "
    << XmlEscape(r.info.target)
    << "</title>\n<style>\n"
       "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}"
       "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}"
       ".scroll{overflow-x:auto;max-width:100%}"
       "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
       "td:first-child,th:first-child{text-align:left}"
       ".cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid "
       "#ccc;border-radius:6px;padding:.6em 1em}"
       ".card b{font-size:1.6em;display:block}"
       ".pass{color:#1a7f37}.fail{color:#cf222e}.other{color:#9a6700}"
       // The chart is laid out by the browser, not at fixed coordinates, so no label is cut off
       // whatever the font: category names take the width they need (up to 40%, then wrap).
       ".chart{display:grid;grid-template-columns:fit-content(40%) minmax(6em,500px) max-content;"
       "gap:5px 6px;align-items:center;font-size:12px}"
       ".chart .label{text-align:right;overflow-wrap:anywhere}.chart .bar{background:#eee;height:15px}"
       ".chart .bar span{display:block;height:100%}.chart .value{white-space:nowrap}"
       "pre{background:#f6f8fa;padding:.5em;overflow:auto;font-size:12px;max-height:360px;margin:0}"
       // minmax(0, 1fr): a JSON body's longest line must scroll inside its <pre>, not widen the
       // column (a 1fr track is at least as wide as its content's longest unbreakable line).
       ".side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:.5em}"
       ".diffs{color:#cf222e;font-family:monospace;font-size:13px}"
       ".diffs,summary,p{overflow-wrap:anywhere}"
       "details{border:1px solid #ddd;border-radius:4px;margin:.4em 0;padding:.3em "
       ".6em}summary{cursor:pointer}"
       "code{background:#f6f8fa;padding:0 3px}.muted{color:#666}\n"
       "</style></head><body>\n";
  o << "<h1>promconform " << XmlEscape(r.info.mode) << ": " << XmlEscape(r.info.target)
    << "</h1>\n<p class=\"muted\">" << XmlEscape(r.info.target_url)
    << (r.info.target_version.empty() ? "" : ", reports version " + XmlEscape(r.info.target_version))
    << "; claims Prometheus " << XmlEscape(r.info.claims.empty() ? "2.42" : r.info.claims)
    << "; expected answers: " << XmlEscape(r.info.reference + " " + r.info.reference_version) << "; dataset "
    << XmlEscape(r.info.dataset) << "; started " << XmlEscape(r.info.started_at) << "; "
    << Secs(r.info.seconds) << "</p>\n";
  for (const auto& n : r.info.tweak_notes) o << "<p class=\"muted\">tweak: " << XmlEscape(n) << "</p>\n";
  o << "<div class=\"cards\">"
    << "<div class=\"card\"><b>" << Pct(total.Score()) << "</b>score</div>"
    << "<div class=\"card\"><b>" << total.total << "</b>cases</div>"
    << "<div class=\"card pass\"><b>" << Count(total, Verdict::kPass) << "</b>pass</div>"
    << "<div class=\"card fail\"><b>" << Count(total, Verdict::kFail) << "</b>fail</div>"
    << "<div class=\"card\"><b>" << Count(total, Verdict::kUnsupported) << "</b>unsupported</div>"
    << "<div class=\"card\"><b>" << Count(total, Verdict::kError) << "</b>error</div>"
    << "<div class=\"card other\"><b>" << Count(total, Verdict::kOtherVersion) << "</b>other version</div>"
    << "<div class=\"card\"><b>" << Count(total, Verdict::kSkipped) << "</b>skipped</div>"
    << "<div class=\"card\"><b>" << r.VersionDifferences() << "</b>version differences</div></div>\n";

  // The chart: one horizontal bar per category, pass rate.
  o << "<h2>Pass rate by category</h2>\n<div class=\"chart\">\n";
  for (const auto& [name, s] : cats) {
    const double score = s.Score();
    const char* color = score >= 0.999 ? "#2da44e" : (score >= 0.9 ? "#bf8700" : "#cf222e");
    char width[16];
    std::snprintf(width, sizeof width, "%.1f%%", score * 100);
    o << "<span class=\"label\">" << XmlEscape(name)
      << "</span><span class=\"bar\"><span style=\"width:" << width << ";background:" << color
      << "\"></span></span><span class=\"value\">" << Pct(score) << " (" << Count(s, Verdict::kPass) << "/"
      << s.Scored() << ")</span>\n";
  }
  o << "</div>\n";

  o << "<h2>Scores by "
       "category</h2>\n<div "
       "class=\"scroll\"><table><tr><th>category</th><th>cases</th><th>pass</th><th>fail</"
       "th><th>unsupported</"
       "th>"
       "<th>error</th><th>other version</th><th>skipped</th><th>score</th></tr>\n";
  for (const auto& [name, s] : cats) {
    o << "<tr><td>" << XmlEscape(name) << "</td><td>" << s.total << "</td><td>" << Count(s, Verdict::kPass)
      << "</td><td>" << Count(s, Verdict::kFail) << "</td><td>" << Count(s, Verdict::kUnsupported)
      << "</td><td>" << Count(s, Verdict::kError) << "</td><td>" << Count(s, Verdict::kOtherVersion)
      << "</td><td>" << Count(s, Verdict::kSkipped) << "</td><td>" << Pct(s.Score()) << "</td></tr>\n";
  }
  o << "<tr><th>total</th><th>" << total.total << "</th><th>" << Count(total, Verdict::kPass) << "</th><th>"
    << Count(total, Verdict::kFail) << "</th><th>" << Count(total, Verdict::kUnsupported) << "</th><th>"
    << Count(total, Verdict::kError) << "</th><th>" << Count(total, Verdict::kOtherVersion) << "</th><th>"
    << Count(total, Verdict::kSkipped) << "</th><th>" << Pct(total.Score()) << "</th></tr></table></div>\n";

  size_t shown = 0, failing = 0;
  for (const auto& c : r.cases) failing += Failing(c) ? 1 : 0;
  o << "<h2>Not passing (" << failing << ")</h2>\n";
  if (failing > max_failures)
    o << "<p class=\"muted\">The first " << max_failures << " are shown; the JSON report has all.</p>\n";
  for (const auto& c : r.cases) {
    if (!Failing(c) || shown >= max_failures) continue;
    ++shown;
    o << "<details><summary><b class=\"" << (c.verdict == Verdict::kOtherVersion ? "other" : "fail") << "\">"
      << VerdictName(c.verdict) << "</b> <code>" << XmlEscape(c.id) << "</code> " << XmlEscape(c.category)
      << ": <code>" << XmlEscape(CaseLabel(c)) << "</code></summary>\n";
    o << "<p class=\"muted\">seed: " << XmlEscape(c.seed) << "; since Prometheus " << XmlEscape(c.since)
      << "</p>\n";
    if (!c.reason.empty()) o << "<p>reason: " << XmlEscape(c.reason) << "</p>\n";
    for (const auto& e : c.exchanges) {
      if (e.verdict == Verdict::kPass || e.verdict == Verdict::kSkipped) continue;
      o << "<p><b>" << XmlEscape(e.name) << "</b> <code>" << XmlEscape(e.request)
        << "</code></p>\n<div class=\"diffs\">";
      for (const auto& d : e.diffs) o << XmlEscape(d) << "<br>";
      o << "</div>\n<div class=\"side\"><div><p class=\"muted\">expected (" << XmlEscape(e.expected_source)
        << ")</p><pre>" << XmlEscape(e.expected.dump(1))
        << "</pre></div><div><p class=\"muted\">actual</p><pre>" << XmlEscape(e.actual.dump(1))
        << "</pre></div></div>\n";
    }
    o << "</details>\n";
  }
  o << "</body></html>\n";
  return o.str();
}

std::string ReportFileName(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.starts_with(scheme)) target.remove_prefix(scheme.size());
  }
  while (!target.empty() && target.back() == '/') target.remove_suffix(1);
  std::string out;
  for (const char c : target) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    out.push_back(keep ? c : '_');
  }
  return out.empty() ? "report" : out;
}

promref::Result<std::vector<std::string>> WriteReports(const RunResults& r, const std::string& dir,
                                                       const std::string& name,
                                                       const std::vector<std::string>& formats) {
  std::set<std::string> want(formats.begin(), formats.end());
  if (want.count("all")) want = {"text", "json", "junit", "markdown", "html"};
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::vector<std::string> written;
  const std::pair<const char*, std::pair<const char*, std::string (*)(const RunResults&)>> kinds[] = {
      {"text", {".txt", [](const RunResults& x) { return TextReport(x, 200); }}},
      {"json", {".json", [](const RunResults& x) { return JsonReport(x); }}},
      {"junit", {".xml", [](const RunResults& x) { return JunitReport(x); }}},
      {"markdown", {".md", [](const RunResults& x) { return MarkdownReport(x); }}},
      {"html", {".html", [](const RunResults& x) { return HtmlReport(x); }}},
  };
  for (const auto& [kind, spec] : kinds) {
    if (!want.count(kind)) continue;
    const std::string path = (fs::path(dir) / (name + spec.first)).string();
    std::ofstream out(path, std::ios::binary);
    out << spec.second(r);
    if (!out) return promref::BadData("cannot write " + path);
    written.push_back(path);
  }
  return written;
}

std::vector<std::string> Regressions(const RunResults& now, const RunResults& baseline) {
  std::map<std::string, Verdict> before;
  for (const auto& c : baseline.cases) before[c.id] = c.verdict;
  std::vector<std::string> out;
  for (const auto& c : now.cases) {
    auto it = before.find(c.id);
    if (it != before.end() && it->second == Verdict::kPass && c.verdict != Verdict::kPass &&
        c.verdict != Verdict::kSkipped) {
      out.push_back(c.id + " (" + CaseLabel(c) + "): " + std::string(VerdictName(c.verdict)));
    }
  }
  return out;
}

}  // namespace promconform
