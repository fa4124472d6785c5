#include "model/value_text.h"

#include <cmath>

#include "model/go_strconv.h"

namespace promref::model {

void AppendSampleValue(std::string* out, double v) {
  const double abs = std::fabs(v);
  // NaN compares false both ways and so takes 'f', which prints "NaN" as Go's does.
  const bool exp_form = abs != 0 && (abs < 1e-6 || abs >= 1e21);
  out->append(FormatFloat(v, exp_form ? 'e' : 'f'));
}

void AppendScalarValue(std::string* out, double v) {
  out->append(FormatFloat(v, 'f'));
}

void AppendSampleTimestamp(std::string* out, int64_t ms) {
  // Go's jsonutil.MarshalTimestamp, including its wrapping negation of MinInt64.
  if (ms < 0) {
    out->push_back('-');
    ms = static_cast<int64_t>(0 - static_cast<uint64_t>(ms));
  }
  out->append(std::to_string(ms / 1000));
  const int64_t fraction = ms % 1000;
  if (fraction != 0) {
    out->push_back('.');
    if (fraction < 100) out->push_back('0');
    if (fraction < 10) out->push_back('0');
    out->append(std::to_string(fraction));
  }
}

void AppendJsonNumber(std::string* out, double v) {
  const double abs = std::fabs(v);
  const bool exp_form = abs != 0 && (abs < 1e-6 || abs >= 1e21);
  std::string s = FormatFloat(v, exp_form ? 'e' : 'f');
  if (exp_form) {
    // encoding/json cleans up e-09 to e-9.
    const size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
      s[n - 2] = s[n - 1];
      s.pop_back();
    }
  }
  out->append(s);
}

}  // namespace promref::model
