// Formatting shared by the report writers (writers.cpp, compare_report.cpp), internal to report/:
// one way to print a score, label a case and escape text, so the per-target reports and the
// comparative one say the same thing the same way.
#pragma once

#include <cstdio>
#include <string>

#include "report/results.h"

namespace promconform::report_format {

// A fraction as a percentage with one decimal: 0.5 -> "50.0%".
inline std::string Pct(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", v * 100);
  return buf;
}

inline size_t Count(const CategoryScore& s, Verdict v) {
  auto it = s.counts.find(v);
  return it == s.counts.end() ? 0 : it->second;
}

inline std::string CaseLabel(const CaseResult& c) {
  return c.title.empty() ? c.id : c.title;
}

// For XML and HTML text and attribute values alike.
inline std::string XmlEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += "?";
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

// For a Markdown table cell: a `|` would end the cell and a newline the row.
inline std::string MdEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += " ";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace promconform::report_format
