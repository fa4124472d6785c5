#include "report/compare_report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "report/report_format.h"

namespace promconform {
namespace fs = std::filesystem;

namespace {

using report_format::Count;
using report_format::MdEscape;
using report_format::Pct;
using report_format::XmlEscape;

constexpr size_t kFixCategories = 8;
constexpr size_t kFixExamples = 3;
constexpr size_t kDiffChars = 240;  // a diff line can hold a whole JSON value
constexpr const char* kAbsent = "—";

// ---------------------------------------------------------------------------------------------
// What is compared

std::string Label(const CaseResult& c) {
  if (!c.title.empty()) return c.title;
  return c.expr.empty() ? c.id : c.expr;
}

// Cuts at a character boundary, never inside a UTF-8 sequence.
std::string Clip(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "…";
}

bool FailOrError(Verdict v) {
  return v == Verdict::kFail || v == Verdict::kError;
}

bool Perfect(const CategoryScore& s) {
  return Count(s, Verdict::kPass) >= s.Scored();
}

// The same profile run twice (two versions, two days) still needs two tellable columns.
std::vector<std::string> ColumnNames(const std::vector<RunResults>& runs) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;
  for (const auto& r : runs) {
    const std::string name = r.info.target.empty() ? "(unnamed)" : r.info.target;
    const int n = ++seen[name];
    out.push_back(n == 1 ? name : name + " (" + std::to_string(n) + ")");
  }
  return out;
}

void FillMatrix(const std::vector<RunResults>& runs, Comparison& cmp) {
  std::vector<std::map<std::string, CategoryScore>> by_run;
  std::set<std::string> names;
  for (const auto& r : runs) {
    by_run.push_back(r.ByCategory());
    for (const auto& [name, s] : by_run.back()) names.insert(name);
  }
  cmp.categories.assign(names.begin(), names.end());
  for (const auto& cat : cmp.categories) {
    auto& row = cmp.matrix.emplace_back();
    for (const auto& scores : by_run) {
      MatrixCell cell;
      if (auto it = scores.find(cat); it != scores.end()) {
        cell.present = true;
        cell.passed = Count(it->second, Verdict::kPass);
        cell.scored = it->second.Scored();
        cell.score = it->second.Score();
      }
      row.push_back(cell);
    }
  }
}

// Runs without the case do not count: they neither agree nor disagree.
bool Differs(const std::vector<std::optional<Verdict>>& verdicts) {
  std::optional<Verdict> first;
  for (const auto& v : verdicts) {
    if (!v) continue;
    if (!first) {
      first = v;
    } else if (*v != *first) {
      return true;
    }
  }
  return false;
}

void FillDiffer(const std::vector<RunResults>& runs, Comparison& cmp) {
  std::map<std::string, DifferRow> by_id;
  for (size_t i = 0; i < runs.size(); ++i) {
    for (const auto& c : runs[i].cases) {
      DifferRow& row = by_id[c.id];
      if (row.verdicts.empty()) {
        row.category = c.category;
        row.id = c.id;
        row.label = Label(c);
        row.verdicts.resize(runs.size());
      }
      row.verdicts[i] = c.verdict;
    }
  }
  for (auto& [id, row] : by_id) {
    const auto have =
        std::count_if(row.verdicts.begin(), row.verdicts.end(), [](const auto& v) { return v.has_value(); });
    if (have >= 2) ++cmp.compared;
    if (Differs(row.verdicts)) cmp.differ.push_back(std::move(row));
  }
  std::sort(cmp.differ.begin(), cmp.differ.end(), [](const DifferRow& a, const DifferRow& b) {
    return std::tie(a.category, a.id) < std::tie(b.category, b.id);
  });
}

// The first diff line of the first exchange that did not pass; the case's reason when that
// exchange has no diff (a connection error, an unsupported endpoint).
std::string FirstDiff(const CaseResult& c) {
  for (const auto& e : c.exchanges) {
    if (e.verdict == Verdict::kPass || e.verdict == Verdict::kSkipped) continue;
    return Clip(e.diffs.empty() ? c.reason : e.diffs.front(), kDiffChars);
  }
  return Clip(c.reason, kDiffChars);
}

std::optional<FixFirst> FixFirstOf(const RunResults& r, size_t index) {
  if (Perfect(r.Total())) return std::nullopt;
  std::map<std::string, FixCategory> failing;  // by name: ties stay in name order below
  for (const auto& c : r.cases) {
    if (!FailOrError(c.verdict)) continue;
    FixCategory& f = failing[c.category];
    f.category = c.category;
    ++f.failing;
    if (f.examples.size() < kFixExamples) f.examples.push_back({c.id, Label(c), FirstDiff(c)});
  }
  const auto scores = r.ByCategory();
  FixFirst out;
  out.run = index;
  for (auto& [name, f] : failing) {
    f.scored = scores.at(name).Scored();
    out.categories.push_back(std::move(f));
  }
  std::stable_sort(out.categories.begin(), out.categories.end(),
                   [](const FixCategory& a, const FixCategory& b) { return a.failing > b.failing; });
  if (out.categories.size() > kFixCategories) out.categories.resize(kFixCategories);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared by both renderings

std::string VerdictText(Verdict v) {
  std::string s(VerdictName(v));
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string Claims(const RunInfo& i) {
  return "Prometheus " + (i.claims.empty() ? std::string("2.42") : i.claims);
}

std::string JudgedBy(const RunInfo& i) {
  if (i.reference_version.empty()) return i.reference;
  return i.reference.empty() ? i.reference_version : i.reference + " " + i.reference_version;
}

std::string CellText(const MatrixCell& c) {
  if (!c.present) return kAbsent;
  if (c.scored == 0) return "not scored";
  return Pct(c.score) + " (" + std::to_string(c.passed) + "/" + std::to_string(c.scored) + ")";
}

std::string ScoreText(const CategoryScore& s) {
  return Pct(s.Score()) + " (" + std::to_string(Count(s, Verdict::kPass)) + "/" + std::to_string(s.Scored()) +
         ")";
}

constexpr Verdict kCounted[] = {Verdict::kPass,  Verdict::kFail,         Verdict::kUnsupported,
                                Verdict::kError, Verdict::kOtherVersion, Verdict::kSkipped};

std::string MoreLine(size_t more) {
  return std::to_string(more) + " more " + (more == 1 ? "case differs" : "cases differ") +
         " (not shown; the per-target reports list every case).";
}

// ---------------------------------------------------------------------------------------------
// Markdown

// Table cells: `|` escaped, newlines flattened, and no raw HTML from a target's name.
std::string MdCell(const std::string& s) {
  std::string out;
  for (char c : MdEscape(s)) {
    if (c == '<') {
      out += "&lt;";
    } else {
      out += c;
    }
  }
  return out;
}

// A code span that survives backticks in its text (a longer fence). In a table the `|` is
// escaped (GitHub reads `\|` as a pipe even in code); elsewhere a backslash would show.
std::string MdCode(const std::string& s, bool in_table) {
  std::string text = in_table ? MdEscape(s) : s;
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  if (text.empty()) return "";
  size_t run = 0, longest = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  return longest == 0 ? fence + text + fence : fence + " " + text + " " + fence;
}

void MdTargets(std::ostringstream& o, const std::vector<RunResults>& runs, const Comparison& cmp) {
  o << "## Targets\n\n| target | version | claims | judged by | score | pass | fail | unsupported | error | "
       "other version | skipped |\n|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunInfo& info = runs[i].info;
    const CategoryScore total = runs[i].Total();
    o << "| " << MdCell(cmp.columns[i]) << " | " << MdCell(info.target_version) << " | "
      << MdCell(Claims(info)) << " | " << MdCell(JudgedBy(info)) << " | **" << ScoreText(total) << "**";
    for (Verdict v : kCounted) o << " | " << Count(total, v);
    o << " |\n";
  }
}

void MdMatrix(std::ostringstream& o, const std::vector<RunResults>& runs, const Comparison& cmp) {
  o << "\n## Scores by category\n\n"
    << "Score and passed/scored cases; " << kAbsent << ": the target has no case in the category.\n\n"
    << "| category |";
  for (const auto& c : cmp.columns) o << " " << MdCell(c) << " |";
  o << "\n|---|";
  for (size_t i = 0; i < cmp.columns.size(); ++i) o << "---:|";
  o << "\n";
  for (size_t k = 0; k < cmp.categories.size(); ++k) {
    o << "| " << MdCell(cmp.categories[k]) << " |";
    for (const auto& cell : cmp.matrix[k]) o << " " << CellText(cell) << " |";
    o << "\n";
  }
  o << "| **all** |";
  for (const auto& r : runs) o << " **" << ScoreText(r.Total()) << "** |";
  o << "\n";
}

void MdDiffer(std::ostringstream& o, const Comparison& cmp, size_t max_rows) {
  o << "\n## Where they differ\n\n"
    << cmp.differ.size() << " of " << cmp.compared
    << " cases that two or more targets ran do not have the same verdict in all of them.\n";
  if (cmp.differ.empty()) return;
  o << "\n| category | case | id |";
  for (const auto& c : cmp.columns) o << " " << MdCell(c) << " |";
  o << "\n|---|---|---|";
  for (size_t i = 0; i < cmp.columns.size(); ++i) o << "---|";
  o << "\n";
  const size_t shown = std::min(max_rows, cmp.differ.size());
  for (size_t k = 0; k < shown; ++k) {
    const DifferRow& row = cmp.differ[k];
    o << "| " << MdCell(row.category) << " | " << MdCode(row.label, true) << " | " << MdCode(row.id, true)
      << " |";
    for (const auto& v : row.verdicts) o << " " << (v ? VerdictText(*v) : kAbsent) << " |";
    o << "\n";
  }
  if (shown < cmp.differ.size()) o << "\n" << MoreLine(cmp.differ.size() - shown) << "\n";
}

void MdFixFirst(std::ostringstream& o, const std::vector<RunResults>& runs, const Comparison& cmp) {
  if (cmp.fix_first.empty()) return;
  o << "\n## Fix first\n\nFor each target below 100%: the categories with the most failing (fail and error) "
       "cases, with examples and the first difference found.\n";
  for (const FixFirst& f : cmp.fix_first) {
    o << "\n### " << MdCell(cmp.columns[f.run]) << ": " << ScoreText(runs[f.run].Total()) << "\n\n";
    if (f.categories.empty()) o << "No case fails or errs: unsupported cases make the difference.\n";
    for (size_t k = 0; k < f.categories.size(); ++k) {
      const FixCategory& c = f.categories[k];
      o << k + 1 << ". **" << MdCell(c.category) << "**: " << c.failing << " failing of " << c.scored
        << " scored\n";
      for (const auto& e : c.examples) {
        o << "   - " << MdCode(e.label, false) << " (" << MdCode(e.id, false) << ")";
        if (!e.first_diff.empty()) o << ": " << MdCode(e.first_diff, false);
        o << "\n";
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTML

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1.05em;margin-top:1.5em}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse}"
    "td,th{padding:4px 8px;border:1px solid #ddd;text-align:left;vertical-align:top;overflow-wrap:break-word}"
    "th{background:#f6f8fa;font-weight:600}"
    "td.num{text-align:right;white-space:nowrap}"
    "td.case{overflow-wrap:anywhere;min-width:16em}"
    ".full{background:#dafbe1}.high{background:#fff8c5}.low{background:#ffebe9}.none{background:#f6f8fa;"
    "color:#666}"
    ".v-pass{color:#1a7f37}.v-fail,.v-error{color:#cf222e;font-weight:600}"
    ".v-unsupported,.v-other_version{color:#9a6700}.v-skipped{color:#666}"
    ".legend span{display:inline-block;padding:2px 8px;margin:0 .5em .3em 0;border:1px solid #ddd}"
    "code{background:#f6f8fa;padding:0 3px}"
    ".diff{color:#cf222e;font-family:monospace;font-size:13px;overflow-wrap:anywhere}"
    "li{margin:.2em 0}.muted{color:#666}";

// Escaped, with break opportunities after / - _ . so long names wrap instead of being cut or
// widening the table.
std::string Breakable(const std::string& s) {
  std::string out;
  for (char c : XmlEscape(s)) {
    out += c;
    if (c == '/' || c == '-' || c == '_' || c == '.') out += "<wbr>";
  }
  return out;
}

const char* ScoreClass(const MatrixCell& c) {
  if (!c.present || c.scored == 0) return "none";
  if (c.passed >= c.scored) return "full";
  return c.score >= 0.9 ? "high" : "low";
}

MatrixCell TotalCell(const RunResults& r) {
  const CategoryScore t = r.Total();
  return {true, Count(t, Verdict::kPass), t.Scored(), t.Score()};
}

std::string VerdictCell(const std::optional<Verdict>& v) {
  if (!v) return std::string("<td class=\"none\">") + kAbsent + "</td>";
  return "<td class=\"v-" + std::string(VerdictName(*v)) + "\">" + VerdictText(*v) + "</td>";
}

void HtmlTargets(std::ostringstream& o, const std::vector<RunResults>& runs, const Comparison& cmp) {
  o << "<h2>Targets</h2>\n<div class=\"scroll\"><table><tr><th>target</th><th>version</th><th>claims</th>"
       "<th>judged by</th><th>score</th><th>pass</th><th>fail</th><th>unsupported</th><th>error</th>"
       "<th>other version</th><th>skipped</th></tr>\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunInfo& info = runs[i].info;
    const CategoryScore total = runs[i].Total();
    const MatrixCell cell = TotalCell(runs[i]);
    o << "<tr><th>" << Breakable(cmp.columns[i]) << "</th><td>" << XmlEscape(info.target_version)
      << "</td><td>" << XmlEscape(Claims(info)) << "</td><td>" << XmlEscape(JudgedBy(info))
      << "</td><td class=\"num " << ScoreClass(cell) << "\"><b>" << ScoreText(total) << "</b></td>";
    for (Verdict v : kCounted) o << "<td class=\"num\">" << Count(total, v) << "</td>";
    o << "</tr>\n";
  }
  o << "</table></div>\n";
}

void HtmlMatrix(std::ostringstream& o, const std::vector<RunResults>& runs, const Comparison& cmp) {
  o << "<h2>Scores by category</h2>\n<p class=\"legend\"><span class=\"full\">every scored case passes</span>"
       "<span class=\"high\">90% or more</span><span class=\"low\">below 90%</span><span class=\"none\">"
    << kAbsent << " no case in the category, or none scored</span></p>\n"
    << "<div class=\"scroll\"><table><tr><th>category</th>";
  for (const auto& c : cmp.columns) o << "<th>" << Breakable(c) << "</th>";
  o << "</tr>\n";
  auto cell_html = [&](const MatrixCell& c) {
    o << "<td class=\"num " << ScoreClass(c) << "\">" << CellText(c) << "</td>";
  };
  for (size_t k = 0; k < cmp.categories.size(); ++k) {
    o << "<tr><th>" << Breakable(cmp.categories[k]) << "</th>";
    for (const auto& cell : cmp.matrix[k]) cell_html(cell);
    o << "</tr>\n";
  }
  o << "<tr><th>all categories</th>";
  for (const auto& r : runs) cell_html(TotalCell(r));
  o << "</tr></table></div>\n";
}

void HtmlDiffer(std::ostringstream& o, const Comparison& cmp, size_t max_rows) {
  o << "<h2>Where they differ</h2>\n<p>" << cmp.differ.size() << " of " << cmp.compared
    << " cases that two or more targets ran do not have the same verdict in all of them.</p>\n";
  if (cmp.differ.empty()) return;
  o << "<div class=\"scroll\"><table><tr><th>category</th><th>case</th>";
  for (const auto& c : cmp.columns) o << "<th>" << Breakable(c) << "</th>";
  o << "</tr>\n";
  const size_t shown = std::min(max_rows, cmp.differ.size());
  for (size_t k = 0; k < shown; ++k) {
    const DifferRow& row = cmp.differ[k];
    o << "<tr><td>" << Breakable(row.category) << "</td><td class=\"case\"><code>" << XmlEscape(row.label)
      << "</code><br><span class=\"muted\">" << XmlEscape(row.id) << "</span></td>";
    for (const auto& v : row.verdicts) o << VerdictCell(v);
    o << "</tr>\n";
  }
  o << "</table></div>\n";
  if (shown < cmp.differ.size())
    o << "<p class=\"muted\">" << MoreLine(cmp.differ.size() - shown) << "</p>\n";
}

void HtmlFixFirst(std::ostringstream& o, const std::vector<RunResults>& runs, const Comparison& cmp) {
  if (cmp.fix_first.empty()) return;
  o << "<h2>Fix first</h2>\n<p class=\"muted\">For each target below 100%: the categories with the most "
       "failing (fail and error) cases, with examples and the first difference found.</p>\n";
  for (const FixFirst& f : cmp.fix_first) {
    o << "<h3>" << XmlEscape(cmp.columns[f.run]) << ": " << ScoreText(runs[f.run].Total()) << "</h3>\n";
    if (f.categories.empty()) {
      o << "<p>No case fails or errs: unsupported cases make the difference.</p>\n";
      continue;
    }
    o << "<ol>\n";
    for (const FixCategory& c : f.categories) {
      o << "<li><b>" << XmlEscape(c.category) << "</b>: " << c.failing << " failing of " << c.scored
        << " scored<ul>\n";
      for (const auto& e : c.examples) {
        o << "<li><code>" << XmlEscape(e.label) << "</code> <span class=\"muted\">" << XmlEscape(e.id)
          << "</span>";
        if (!e.first_diff.empty()) o << "<div class=\"diff\">" << XmlEscape(e.first_diff) << "</div>";
        o << "</li>\n";
      }
      o << "</ul></li>\n";
    }
    o << "</ol>\n";
  }
}

std::string TargetList(const Comparison& cmp) {
  std::string s;
  for (const auto& c : cmp.columns) s += (s.empty() ? "" : ", ") + c;
  return s;
}

}  // namespace

Comparison BuildComparison(const std::vector<RunResults>& runs) {
  Comparison cmp;
  cmp.columns = ColumnNames(runs);
  FillMatrix(runs, cmp);
  FillDiffer(runs, cmp);
  for (size_t i = 0; i < runs.size(); ++i) {
    if (auto f = FixFirstOf(runs[i], i)) cmp.fix_first.push_back(std::move(*f));
  }
  return cmp;
}

std::string CompareMarkdown(const std::vector<RunResults>& runs, size_t max_rows) {
  const Comparison cmp = BuildComparison(runs);
  std::ostringstream o;
  o << "# promconform comparison: " << MdCell(TargetList(cmp)) << "\n\n"
    << "Each target is judged against the Prometheus version it claims. Score: passed / scored cases; "
       "skipped and other-version cases are not scored. Cases are matched across targets by id.\n\n";
  MdTargets(o, runs, cmp);
  MdMatrix(o, runs, cmp);
  MdDiffer(o, cmp, max_rows);
  MdFixFirst(o, runs, cmp);
  return o.str();
}

std::string CompareHtml(const std::vector<RunResults>& runs, size_t max_rows) {
  const Comparison cmp = BuildComparison(runs);
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>promconform comparison: "
    << XmlEscape(TargetList(cmp)) << "</title>\n<style>\n"
    << kStyle << "\n</style></head><body>\n<h1>promconform comparison</h1>\n"
    << "<p class=\"muted\">Each target is judged against the Prometheus version it claims. Score: passed / "
       "scored cases; skipped and other-version cases are not scored. Cases are matched across targets by "
       "id.</p>\n";
  HtmlTargets(o, runs, cmp);
  HtmlMatrix(o, runs, cmp);
  HtmlDiffer(o, cmp, max_rows);
  HtmlFixFirst(o, runs, cmp);
  o << "</body></html>\n";
  return o.str();
}

promref::Result<std::vector<std::string>> WriteCompareReports(const std::vector<RunResults>& runs,
                                                              const std::string& dir,
                                                              const std::string& name) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::pair<const char*, std::string> outputs[] = {
      {".md", CompareMarkdown(runs)},
      {".html", CompareHtml(runs)},
  };
  std::vector<std::string> written;
  for (const auto& [ext, text] : outputs) {
    const std::string path = (fs::path(dir) / (name + ext)).string();
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) return promref::BadData("cannot write " + path);
    written.push_back(path);
  }
  return written;
}

}  // namespace promconform
