// The HTML reports render fully in a real browser: Debian's chromium, headless, loads each page
// as promconform writes it, with html_render_check.js appended; the script finds text that is
// clipped (by overflow hidden or clip, an ellipsis, an <svg>), spills out of its table cell, lies
// off the page sideways, or has a character no installed font can draw, and writes its verdict as
// JSON into the page, which the test reads back from --dump-dom. A failure names the element and
// its text.
//
// The pages: promconform's single-target report of promref (everything passes) and of
// VictoriaMetrics (failing cases, their details opened), and the comparison of them and
// Prometheus 2.42, all from `promconform run` reports made at the start of the test, rendered by
// the promconform binary (`report --input`, `compare`) as users get them. Each is checked at a laptop's width
// and at a narrow window's; a full-page screenshot of each (at the laptop's width, <details> open) stays in
// the output directory, build/<dir>/conformance/tests/html_render_test.out/*.png (not committed), for people
// to look at.
//
// chromium is a peer like Prometheus: scripts/setup installs it, and without it the test fails
// saying so.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Window widths, in CSS px: a laptop, and a narrow window (half a screen, a tablet).
constexpr int kWidths[] = {1280, 800};
// A screenshot taller than this is cut here (the page is long; its top is what people look at).
constexpr int kMaxScreenshotHeight = 8000;

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

fs::path SourceDir() {
  return Env("PROMCONFORM_SOURCE_DIR", ".");  // ctest sets it
}

fs::path OutDir() {
  static const fs::path dir = [] {
    fs::path d =
        Env("PROMCONFORM_HTML_RENDER_DIR", (fs::temp_directory_path() / "html_render_test").string());
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Ran {
  int status = -1;
  std::string out;  // stdout only: chromium's stderr is noise (dbus, GPU) unless it fails
};

// Runs a shell command; stderr goes to `err_file` so that it can be shown when the command fails.
Ran Run(const std::string& cmd, const fs::path& err_file) {
  Ran r;
  FILE* p = popen((cmd + " 2>" + Quote(err_file.string())).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 65536> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& s, size_t n = 2000) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// chromium from PATH (or $PROMCONFORM_CHROMIUM); empty when it is not installed.
std::string Chromium() {
  const std::string forced = Env("PROMCONFORM_CHROMIUM", "");
  if (!forced.empty()) return fs::exists(forced) ? forced : "";
  for (const char* name : {"chromium", "chromium-browser"}) {
    const Ran r = Run(std::string("command -v ") + name, "/dev/null");
    if (r.status == 0 && !r.out.empty()) return r.out.substr(0, r.out.find('\n'));
  }
  return "";
}

constexpr const char* kNoChromium =
    "chromium is not installed: run scripts/setup as root (it installs Debian's chromium and the "
    "reports' fonts: apt-get install --no-install-recommends chromium fonts-dejavu-core "
    "fonts-droid-fallback)";

// The flags every run shares. --no-sandbox: CI runs as root, where chromium's sandbox refuses to
// start. --disable-dev-shm-usage: a container's small /dev/shm makes big pages crash. A profile
// directory of the test's own, not the user's.
std::string ChromiumCommand(const std::string& chromium, const fs::path& profile, int width, int height) {
  return Quote(chromium) +
         " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
         "--disable-extensions" +
         " --user-data-dir=" + Quote(profile.string()) + " --window-size=" + std::to_string(width) + "," +
         std::to_string(height);
}

struct Verdict {
  std::string error;  // the page could not be checked
  json v;
};

// Loads `page` with the check appended, in a window `width` px wide; returns the check's verdict.
Verdict CheckPage(const std::string& chromium, const fs::path& page, int width) {
  Verdict out;
  const std::string html = ReadFile(page);
  const size_t body_end = html.rfind("</body>");
  if (body_end == std::string::npos) {
    out.error = page.string() + " has no </body>";
    return out;
  }
  const std::string script = ReadFile(SourceDir() / "conformance/tests/html_render_check.js");
  if (script.empty()) {
    out.error = "cannot read conformance/tests/html_render_check.js under " + SourceDir().string();
    return out;
  }
  const std::string stem = page.stem().string() + "-" + std::to_string(width);
  const fs::path checked = OutDir() / (stem + ".checked.html");
  std::ofstream(checked, std::ios::binary) << html.substr(0, body_end) << "<script>\n"
                                           << script << "</script>\n"
                                           << html.substr(body_end);
  // --virtual-time-budget: the DOM is dumped once the page's load handlers, the check among them,
  // have run; virtual time runs ahead while the page is idle, so the budget costs no real time.
  const Ran r = Run(ChromiumCommand(chromium, OutDir() / "profile", width, 900) +
                        " --run-all-compositor-stages-before-draw --virtual-time-budget=30000 --dump-dom " +
                        Quote("file://" + fs::absolute(checked).string()),
                    OutDir() / (stem + ".chromium.log"));
  if (r.status != 0) {
    out.error = "chromium exited with " + std::to_string(r.status) + ":\n" +
                Tail(ReadFile(OutDir() / (stem + ".chromium.log")));
    return out;
  }
  // The verdict is the last element with its id (the script's own text names it too), its JSON
  // HTML-escaped by the serialiser.
  const std::string id = "id=\"render-check-verdict\"";
  const size_t at = r.out.rfind(id);
  const size_t open_end = at == std::string::npos ? at : r.out.find('>', at);
  const size_t close = open_end == std::string::npos ? open_end : r.out.find("</pre>", open_end);
  if (close == std::string::npos) {
    out.error = "the check left no verdict in " + checked.string() +
                " (did the script run?); the DOM ends:\n" + Tail(r.out, 600);
    return out;
  }
  std::string text = r.out.substr(open_end + 1, close - open_end - 1);
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"},
                                 {"&gt;", ">"},
                                 {"&quot;", "\""},
                                 {"&nbsp;", "\u00a0"},
                                 {"&amp;", "&"}}) {
    for (size_t p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size()))
      text.replace(p, from.size(), to);
  }
  out.v = json::parse(text, nullptr, false);
  if (out.v.is_discarded()) out.error = "the verdict is not JSON: " + Tail(text, 600);
  return out;
}

// One line per problem: what, where, which text, and the numbers.
std::string Problems(const json& v) {
  std::string s;
  if (v.contains("error")) s += "  the check itself failed: " + v.value("error", "") + "\n";
  for (const json& p : v.value("problems", json::array())) {
    s += "  " + p.value("kind", "") + ": <" + p.value("element", "") + "> \"" + p.value("text", "") +
         "\"\n    " + p.value("detail", "") + "\n";
  }
  if (s.find("  missing glyph: ") != std::string::npos)
    s += "  (a font is missing: scripts/setup installs fonts-dejavu-core and fonts-droid-fallback)\n";
  const size_t shown = v.value("problems", json::array()).size();
  const size_t total = v.value("problem_count", shown);
  if (total > shown) s += "  ... and " + std::to_string(total - shown) + " more\n";
  return s;
}

// A full-page screenshot (up to kMaxScreenshotHeight) of the page as checked (its <details>
// open), for people to look at; not judged.
void Screenshot(const std::string& chromium, const fs::path& page, int width, int height) {
  const std::string stem = page.stem().string() + "-" + std::to_string(width);
  const fs::path png = OutDir() / (stem + ".png");
  const Ran r = Run(
      ChromiumCommand(chromium, OutDir() / "profile", width, std::clamp(height, 600, kMaxScreenshotHeight)) +
          " --screenshot=" + Quote(png.string()) + " " +
          Quote("file://" + fs::absolute(OutDir() / (stem + ".checked.html")).string()),
      OutDir() / (stem + ".screenshot.log"));
  EXPECT_EQ(r.status, 0) << "chromium could not take a screenshot of " << page;
  EXPECT_TRUE(fs::exists(png)) << png;
}

// The page renders fully at every width; a screenshot of it at the first width is kept (one
// more chromium run: a second).
void ExpectRendersFully(const std::string& chromium, const fs::path& page) {
  for (int width : kWidths) {
    const Verdict r = CheckPage(chromium, page, width);
    ASSERT_TRUE(r.error.empty()) << page << ": " << r.error;
    EXPECT_TRUE(r.v.value("ok", false)) << page << " at " << width << " px wide does not render fully ("
                                        << r.v.value("problem_count", 0) << " problems):\n"
                                        << Problems(r.v);
    // A page that is empty or unstyled would pass trivially.
    EXPECT_GT(r.v.value("texts", 0), 50) << page;
    if (width == kWidths[0]) Screenshot(chromium, page, width, r.v["page"].value("height", 900));
  }
}

fs::path Promconform() {
  return Env("PROMCONFORM_BINARY", "");
}

// Runs promconform with `args`; the command line and its output on failure.
void RunPromconform(const std::string& args) {
  ASSERT_FALSE(Promconform().empty()) << "PROMCONFORM_BINARY is not set (ctest sets it)";
  const std::string cmd = Quote(Promconform().string()) + " " + args;
  const Ran r = Run(cmd, OutDir() / "promconform.log");
  ASSERT_EQ(r.status, 0) << cmd << "\n" << Tail(r.out) << Tail(ReadFile(OutDir() / "promconform.log"));
}

// Results of `promconform run`, made here once per test process (the reports/*.json of
// scripts/reports are not committed): promref embedded (everything passes), the current
// VictoriaMetrics (many failures, long values) and Debian's Prometheus 2.42 (a third column).
// About 20 s each in an ASan build.
const std::vector<fs::path>& RunReports() {
  static const std::vector<fs::path> reports = [] {
    std::vector<fs::path> out;
    for (const char* target : {"embedded", "victoriametrics-current", "prometheus-2.42"}) {
      const std::string name = std::string(target) == "embedded" ? "promref" : target;
      RunPromconform(std::string("run --target ") + target + " --no-progress --report-dir " +
                     Quote((OutDir() / "runs").string()) + " --report-name " + name + " --format json");
      out.push_back(OutDir() / "runs" / (name + ".json"));
    }
    return out;
  }();
  return reports;
}

// The longest run of characters without a space in `s`: what the browser cannot wrap unless told to.
size_t LongestToken(const std::string& s) {
  size_t longest = 0, run = 0;
  for (char c : s) {
    run = (c == ' ' || c == '\n' || c == '\t') ? 0 : run + 1;
    longest = std::max(longest, run);
  }
  return longest;
}

// A part of a report with failures: every case that is not failing, the first failing
// case of each category, and the failing cases whose visible text (label, requests, diffs) has
// the longest tokens, the hardest to lay out. The whole report (400 cases shown, 8 MB of HTML)
// would take chromium a quarter of a minute and show nothing more.
fs::path FailingReportPart(const fs::path& report, size_t longest) {
  const fs::path out = OutDir() / (report.stem().string() + ".part.json");
  json j = json::parse(ReadFile(report), nullptr, false);
  if (j.is_discarded() || !j.contains("cases")) return {};
  json kept = json::array();
  std::vector<std::pair<size_t, json>> failing;
  std::vector<std::string> categories_seen;
  for (json& c : j["cases"]) {
    const std::string verdict = c.value("verdict", "");
    if (verdict == "pass" || verdict == "skipped") {
      kept.push_back(std::move(c));
      continue;
    }
    const std::string category = c.value("category", "");
    if (std::find(categories_seen.begin(), categories_seen.end(), category) == categories_seen.end()) {
      categories_seen.push_back(category);
      kept.push_back(std::move(c));
      continue;
    }
    size_t token = std::max(LongestToken(c.value("title", "")), LongestToken(c.value("expr", "")));
    for (const json& e : c.value("exchanges", json::array())) {
      token = std::max(token, LongestToken(e.value("request", "")));
      for (const json& d : e.value("diffs", json::array()))
        token = std::max(token, LongestToken(d.get<std::string>()));
    }
    failing.emplace_back(token, std::move(c));
  }
  std::stable_sort(failing.begin(), failing.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < failing.size() && i < longest; ++i) kept.push_back(std::move(failing[i].second));
  j["cases"] = std::move(kept);
  j.erase("summary");  // recomputed from the cases when read
  j.erase("categories");
  std::ofstream(out, std::ios::binary) << j.dump();
  return out;
}

TEST(HtmlRender, SingleTargetReportWithEverythingPassing) {
  const std::string chromium = Chromium();
  ASSERT_FALSE(chromium.empty()) << kNoChromium;
  RunPromconform("report --input " + Quote(RunReports()[0].string()) + " --report-dir " +
                 Quote(OutDir().string()) + " --report-name single-promref --format html");
  ExpectRendersFully(chromium, OutDir() / "single-promref.html");
}

TEST(HtmlRender, SingleTargetReportWithFailingCasesOpened) {
  const std::string chromium = Chromium();
  ASSERT_FALSE(chromium.empty()) << kNoChromium;
  const fs::path part = FailingReportPart(RunReports()[1], 25);
  ASSERT_FALSE(part.empty()) << "cannot read " << RunReports()[1];
  RunPromconform("report --input " + Quote(part.string()) + " --report-dir " + Quote(OutDir().string()) +
                 " --report-name single-victoriametrics-current --format html");
  ExpectRendersFully(chromium, OutDir() / "single-victoriametrics-current.html");
}

TEST(HtmlRender, ComparisonOfTheRunReports) {
  const std::string chromium = Chromium();
  ASSERT_FALSE(chromium.empty()) << kNoChromium;
  const std::vector<fs::path>& reports = RunReports();
  std::string args = "compare";
  for (const auto& r : reports) args += " " + Quote(r.string());
  RunPromconform(args + " --report-dir " + Quote(OutDir().string()) + " --report-name comparison");
  ExpectRendersFully(chromium, OutDir() / "comparison.html");
}

// The check itself finds what it must: a page with one of each kind of problem (and things
// that are fine: a scrolling <pre>, wrapped text, an svg that holds its text) gets each named
// with its text, and nothing else.
TEST(HtmlRender, TheCheckFindsPlantedClipping) {
  const std::string chromium = Chromium();
  ASSERT_FALSE(chromium.empty()) << kNoChromium;
  const fs::path page = OutDir() / "planted.html";
  std::ofstream(page) << R"(<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body{font-family:sans-serif;margin:1em}
table{table-layout:fixed;width:300px}td{width:100px;white-space:nowrap}
td.narrow{overflow:hidden}
.ell{display:block;width:80px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
pre{overflow:auto;max-width:200px}
p.wide{white-space:nowrap}
</style></head><body>
<p>Fine: ordinary text that wraps as it should at any width at all, however long the line is.</p>
<pre>fine: a long line inside a scrolling pre, reachable by scrolling it sideways: 0123456789 0123456789</pre>
<svg width="300" height="40"><text x="10" y="20">fine svg label</text></svg>
<table><tr><td class="narrow">clipped-cell-label-that-is-far-too-long</td><td>fine</td><td>fine</td></tr>
<tr><td class="spill">spilling-cell-text-that-is-too-long</td><td>fine</td><td>fine</td></tr></table>
<span class="ell">ellipsis label that is much too long for its box</span>
<svg width="120" height="40"><text x="60" y="20">svg label running past the right edge</text></svg>
<p>missing: the glyph of U+F0000 (private use, in no font) &#xF0000;</p>
<p class="wide">off-page: an unbreakable line of text that runs far past the right edge of any window we use, and on and on and on and on and on and on and on and on and on and on and on and on and on.</p>
</body></html>)";
  const Verdict r = CheckPage(chromium, page, 800);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_FALSE(r.v.value("ok", true));
  const std::string found = Problems(r.v);
  // kind, the end of the element's path, the start of its text
  const std::vector<std::array<std::string, 3>> expected = {
      {"clipped", "td.narrow", "clipped-cell-label"},
      {"spills out of its table cell", "td.spill", "spilling-cell-text"},
      {"clipped", "span.ell", "ellipsis label"},
      {"svg text outside its svg", "svg > text", "svg label running past"},
      {"off-page", "p.wide", "off-page: an unbreakable line"},
      {"missing glyph", "body > p", "missing: the glyph of U+F0000"},
  };
  for (const auto& [kind, element, text] : expected) {
    const std::string line = "  " + kind + ": <";
    bool hit = false;
    for (size_t at = found.find(line); at != std::string::npos && !hit; at = found.find(line, at + 1)) {
      const std::string l = found.substr(at, found.find('\n', at) - at);
      hit = l.find(element + "> \"" + text) != std::string::npos;
    }
    EXPECT_TRUE(hit) << "not found: " << kind << " <..." << element << "> \"" << text << "\"\nfound:\n"
                     << found;
  }
  EXPECT_EQ(found.find("fine"), std::string::npos) << found;
  EXPECT_EQ(r.v.value("problem_count", 0), expected.size()) << found;
}

}  // namespace
