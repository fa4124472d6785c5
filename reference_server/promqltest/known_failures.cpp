#include "promqltest/known_failures.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace promref::promqltest {
namespace {

constexpr size_t kMaxReason = 200;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The part of a failure message that says what went wrong, without the context the entry's
// key and category already give: "[@ variant ...] " / "[range mode] " markers and a leading
// "error in eval <expr> (line N): " style prefix.
std::string_view StripContext(std::string_view m) {
  while (!m.empty() && m.front() == '[') {
    const size_t close = m.find("] ");
    if (close == std::string_view::npos) break;
    m.remove_prefix(close + 2);
  }
  const size_t at = m.find(" (line ");
  if (at == std::string_view::npos) return m;
  size_t i = at + 7;
  while (i < m.size() && m[i] >= '0' && m[i] <= '9') ++i;
  if (i >= m.size() || m[i] != ')') return m;
  std::string_view rest = m.substr(i + 1);
  for (std::string_view sep : {": ", " range mode: ", " in range mode: "}) {
    if (rest.substr(0, sep.size()) == sep) return rest.substr(sep.size());
  }
  return m;
}

// One line, whitespace runs collapsed, cut at kMaxReason bytes (on a UTF-8 boundary).
std::string ShortReason(std::string_view message) {
  std::string out;
  bool space = false;
  for (char c : StripContext(message)) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() > kMaxReason) {
    size_t cut = kMaxReason;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

}  // namespace

Result<std::vector<KnownFailure>> ParseKnownFailures(std::string_view text) {
  std::vector<KnownFailure> out;
  int number = 0;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = Trim(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (l.empty() || l.front() == '#') continue;
    const std::string where = "known failures line " + std::to_string(number) + ": ";
    const size_t space = l.find(' ');
    std::string_view key = l.substr(0, space);
    const size_t colon = key.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return BadData(where + "expected <file>:<line>, got " + std::string(key));
    KnownFailure f;
    f.file = std::string(key.substr(0, colon));
    try {
      size_t used = 0;
      f.line = std::stoi(std::string(key.substr(colon + 1)), &used);
      if (used != key.size() - colon - 1 || f.line <= 0) throw std::invalid_argument("line");
    } catch (const std::exception&) {
      return BadData(where + "bad line number in " + std::string(key));
    }
    if (space != std::string_view::npos) {
      std::string_view rest = Trim(l.substr(space + 1));
      const size_t c = rest.find(": ");
      f.category = std::string(rest.substr(0, c == std::string_view::npos ? rest.size() : c));
      if (c != std::string_view::npos) f.reason = std::string(rest.substr(c + 2));
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<KnownFailure>> ReadKnownFailuresFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return BadData("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseKnownFailures(text.str());
}

std::vector<KnownFailure> FailuresOf(const std::vector<ScriptReport>& reports) {
  std::vector<KnownFailure> out;
  for (const ScriptReport& r : reports) {
    for (const EvalResult& e : r.results) {
      if (e.outcome == Outcome::kFailed) out.push_back({r.name, e.line, e.category, ShortReason(e.message)});
    }
  }
  return out;
}

std::string FormatKnownFailures(const std::vector<ScriptReport>& reports,
                                const std::vector<KnownFailure>& keep) {
  std::map<std::string, const KnownFailure*> kept;
  for (const KnownFailure& f : keep) kept[f.Key()] = &f;
  std::string out =
      "# Evaluations of promqltest scripts that promref is known to fail: <file>:<line> <category>:\n"
      "# <short reason>. known_failures.txt: Prometheus' ../shared/upstream/promqltest and our\n"
      "# fixtures/promqltest; known_failures_pinned.txt: the pinned Prometheus module's testdata.\n"
      "# promqltest_upstream_test fails on a failure not listed here and on a listed evaluation that no\n"
      "# longer fails, so this list only shrinks. Regenerate it (after checking the difference) with\n"
      "#   PROMCONFORM_WRITE_KNOWN_FAILURES=1 ctest -R promqltest_upstream_test\n"
      "# or promconform promqltest --experimental --native-histograms --write-known-failures FILE <the same\n"
      "# scripts>. Reasons already written in the file are kept.\n";
  for (KnownFailure f : FailuresOf(reports)) {
    if (auto it = kept.find(f.Key()); it != kept.end()) f = *it->second;
    out += f.Key() + " " + f.category + ": " + f.reason + "\n";
  }
  return out;
}

Status WriteKnownFailuresFile(const std::string& path, const std::vector<ScriptReport>& reports) {
  Result<std::vector<KnownFailure>> current = ReadKnownFailuresFile(path);  // absent: nothing kept
  const std::string text =
      FormatKnownFailures(reports, current.ok() ? *current : std::vector<KnownFailure>{});
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return BadData("cannot write " + path);
  out << text;
  out.close();
  if (!out) return BadData("cannot write " + path);
  return {};
}

KnownFailuresDiff DiffKnownFailures(const std::vector<KnownFailure>& known,
                                    const std::vector<ScriptReport>& reports) {
  KnownFailuresDiff diff;
  std::set<std::string> listed;
  for (const KnownFailure& f : known) listed.insert(f.Key());
  std::set<std::string> failing;
  for (const KnownFailure& f : FailuresOf(reports)) {
    failing.insert(f.Key());
    if (!listed.count(f.Key())) diff.new_failures.push_back(f);
  }
  for (const KnownFailure& f : known) {
    if (!failing.count(f.Key())) diff.no_longer_failing.push_back(f);
  }
  return diff;
}

std::string FormatSummary(const std::vector<ScriptReport>& reports, bool list_failures) {
  std::string out;
  size_t passed = 0, failed = 0, skipped = 0, width = 5;
  for (const ScriptReport& r : reports) width = std::max(width, r.name.size());
  char buf[512];
  for (const ScriptReport& r : reports) {
    std::snprintf(buf, sizeof buf, "%-*s %5zu passed %5zu failed %5zu skipped\n", static_cast<int>(width),
                  r.name.c_str(), r.passed, r.failed, r.skipped);
    out += buf;
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
  }
  std::snprintf(buf, sizeof buf, "%-*s %5zu passed %5zu failed %5zu skipped\n", static_cast<int>(width),
                "total", passed, failed, skipped);
  out += buf;
  if (list_failures) {
    for (const ScriptReport& r : reports) {
      for (const EvalResult& e : r.results) {
        if (e.outcome != Outcome::kFailed) continue;
        out += "\nFAIL " + r.name + ":" + std::to_string(e.line) + " [" + e.category + "]";
        if (!e.expr.empty()) out += " " + e.expr;
        out += "\n  " + e.message + "\n";
      }
    }
  }
  return out;
}

}  // namespace promref::promqltest
