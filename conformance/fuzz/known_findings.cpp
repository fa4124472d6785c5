#include "fuzz/known_findings.h"

#include <fstream>
#include <sstream>

#include "profiles/profile.h"

namespace promconform::fuzz {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

}  // namespace

promref::Result<std::vector<KnownFinding>> ParseKnownFindings(const std::string& text,
                                                              const std::string& source) {
  std::vector<KnownFinding> out;
  std::stringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t a = line.find(" | ");
    const size_t b = a == std::string::npos ? a : line.find(" | ", a + 3);
    if (b == std::string::npos) {
      return promref::BadData(source + ":" + std::to_string(n) + ": expected `oracle | glob | why`");
    }
    KnownFinding k;
    const std::string oracle = Trim(line.substr(0, a));
    bool found = false;
    for (Oracle o : kAllOracles) {
      if (OracleName(o) == oracle) {
        k.oracle = o;
        found = true;
      }
    }
    if (!found) return promref::BadData(source + ":" + std::to_string(n) + ": no oracle \"" + oracle + "\"");
    k.glob = Trim(line.substr(a + 3, b - a - 3));
    k.why = Trim(line.substr(b + 3));
    out.push_back(std::move(k));
  }
  return out;
}

promref::Result<std::vector<KnownFinding>> ReadKnownFindings(const std::string& path) {
  std::ifstream in(path);
  if (!in) return promref::BadData("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseKnownFindings(ss.str(), path);
}

std::optional<std::string> KnownWhy(const std::vector<KnownFinding>& known, Oracle oracle,
                                    const std::string& message, const std::string& request) {
  for (const auto& k : known) {
    if (k.oracle == oracle && (GlobMatch(k.glob, message) || GlobMatch(k.glob, request))) return k.why;
  }
  return std::nullopt;
}

}  // namespace promconform::fuzz
