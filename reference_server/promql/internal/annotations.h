// Collects the warnings and infos a query produces, rendered as Prometheus renders them:
// "PromQL warning: <text> (<line>:<col>)", one per text (at its last place), in order of first appearance.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/go_strconv.h"
#include "model/time.h"
#include "promql/ast.h"
#include "promql/internal/merged_info.h"

namespace promref::promql::internal {

class AnnotationSet {
 public:
  explicit AnnotationSet(std::string_view query) : query_(query) {}

  void Warn(std::string_view text, PositionRange pos) { Add(&warnings_, "PromQL warning: ", text, pos); }
  void Info(std::string_view text, PositionRange pos) { Add(&infos_, "PromQL info: ", text, pos); }
  // A warning Prometheus counts instead of repeating (its start time overlap warning): one per
  // text, at the place it was first seen, saying "(N occurrences)" once seen more than once.
  void CountedWarn(std::string_view text, PositionRange pos) {
    auto [it, inserted] = counted_index_.try_emplace(std::string(text), counted_.size());
    if (inserted) {
      counted_.push_back({std::string(text), pos.start, 1});
    } else {
      ++counted_[it->second].count;
    }
  }

  // histogram_quantile's info that classic buckets had to be made monotonic, merged over series
  // and steps as Prometheus merges it (see merged_info.h); the metric name is part of its text.
  void ForcedMonotonicity(std::string_view metric_name, PositionRange pos, int64_t ts, double min_bucket,
                          double max_bucket, double max_diff) {
    std::string key =
        "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
        "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";
    if (!metric_name.empty()) key += " for metric name " + model::GoQuote(metric_name);
    monotonicity_.Add(key, {pos.start, ts, ts, min_bucket, max_bucket, max_diff, 0});
  }
  // The scopes of a function call without a range argument (see merged_info.h).
  MergedMonotonicityInfos& merged() { return monotonicity_; }

  std::vector<std::string> warnings() const {
    std::vector<std::string> out = warnings_;
    for (const Counted& c : counted_) {
      const std::string count = c.count > 1 ? " (" + std::to_string(c.count) + " occurrences)" : "";
      out.push_back("PromQL warning: " + c.text + count + " (" + Position(c.start) + ")");
    }
    return out;
  }
  std::vector<std::string> infos() const {
    std::vector<std::string> out = infos_;
    for (const auto& [key, m] : monotonicity_.Result()) {
      // Go: "%s, from buckets %g to %g, with a max diff of %.2g, over %d samples from %s to %s"
      // with the times as time.Unix(ms/1000, 0) in RFC 3339.
      out.push_back(key + ", from buckets " + model::FormatFloat(m.min_bucket, 'g') + " to " +
                    model::FormatFloat(m.max_bucket, 'g') + ", with a max diff of " + GoFormatG2(m.max_diff) +
                    ", over " + std::to_string(m.count + 1) + " samples from " +
                    model::FormatRfc3339Seconds(m.min_ts / 1000) + " to " +
                    model::FormatRfc3339Seconds(m.max_ts / 1000) + " (" + Position(m.start) + ")");
    }
    return out;
  }

 private:
  // Go's fmt "%.2g": two significant digits, exponent form when the exponent is < -4 or >= the
  // number of digits kept (trailing zeros dropped), "+Inf", "NaN".
  static std::string GoFormatG2(double v) {
    if (std::isnan(v) || std::isinf(v)) return model::FormatFloat(v, 'g');
    // The value rounded to two significant digits, as "d.de±XX".
    const std::string e = model::FormatFloatPrec(v, 'e', 1);
    const bool neg = e[0] == '-';
    const std::string_view s = std::string_view(e).substr(neg ? 1 : 0);
    std::string digits(1, s[0]);
    if (s[2] != '0') digits += s[2];
    const int nd = v == 0 ? 0 : static_cast<int>(digits.size());
    const int dp = v == 0 ? 0 : std::stoi(std::string(s.substr(4))) + 1;
    // strconv's %g with precision 2 (formatDigits), then fmtE / fmtF.
    int eprec = 2;
    if (eprec > nd && nd >= dp) eprec = nd;
    const int exp = dp - 1;
    std::string out = neg ? "-" : "";
    if (exp < -4 || exp >= eprec) {
      out += digits[0];
      if (nd > 1) out += "." + digits.substr(1);
      const int x = nd == 0 ? 0 : exp;
      out += x < 0 ? "e-" : "e+";
      const std::string xs = std::to_string(x < 0 ? -x : x);
      out += (xs.size() < 2 ? "0" : "") + xs;
      return out;
    }
    const int prec = 2 > dp ? nd : 2;
    if (dp > 0) {
      for (int i = 0; i < dp; ++i) out += i < nd ? digits[static_cast<size_t>(i)] : '0';
    } else {
      out += '0';
    }
    if (const int frac = prec - dp; frac > 0) {
      out += '.';
      for (int i = 1; i <= frac; ++i) {
        const int j = dp + i - 1;
        out += j >= 0 && j < nd ? digits[static_cast<size_t>(j)] : '0';
      }
    }
    return out;
  }

  // Prometheus keys annotations by their text without the position, and one added again
  // replaces the earlier: the same message from two places is reported once, at the place
  // evaluated last (rate(x[1m]) + rate(x[5m]) points at the second).
  void Add(std::vector<std::string>* list, std::string_view prefix, std::string_view text,
           PositionRange pos) {
    std::string key = std::string(prefix) + std::string(text);
    std::string s = key + " (" + Position(pos.start) + ")";
    auto [it, inserted] = index_.try_emplace(std::move(key), list->size());
    if (inserted) {
      list->push_back(std::move(s));
    } else {
      (*list)[it->second] = std::move(s);
    }
  }
  std::string Position(int offset) const {
    int line = 1;
    int last_newline = -1;
    for (int i = 0; i < offset && i < static_cast<int>(query_.size()); ++i) {
      if (query_[static_cast<size_t>(i)] == '\n') {
        ++line;
        last_newline = i;
      }
    }
    return std::to_string(line) + ":" + std::to_string(offset - last_newline);
  }

  std::string_view query_;
  std::vector<std::string> warnings_;
  std::vector<std::string> infos_;
  std::map<std::string, size_t> index_;  // message without position -> index in its list
  struct Counted {
    std::string text;
    int start = 0;  // where it was first seen
    int64_t count = 0;
  };
  std::vector<Counted> counted_;
  std::map<std::string, size_t> counted_index_;  // text -> index in counted_
  MergedMonotonicityInfos monotonicity_;
};

}  // namespace promref::promql::internal
