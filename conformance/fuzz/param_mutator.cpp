#include "fuzz/param_mutator.h"

#include "model/time.h"
#include "model/value_text.h"

namespace promconform::fuzz {
namespace {

// An odd value about one time in `n`.
bool Odd(std::mt19937_64& rng, size_t n = 4) {
  return OneIn(rng, n);
}

}  // namespace

const std::vector<std::string>& OddTimes() {
  static const std::vector<std::string> v = {"",
                                             " ",
                                             "1e309",
                                             "-1e309",
                                             "NaN",
                                             "Inf",
                                             "-Inf",
                                             "+Inf",
                                             "0x10",
                                             "-0",
                                             "0",
                                             "9223372036854775807",
                                             "-9223372036854775808",
                                             "9223372036854775.807",
                                             "-9223372036854775.808",
                                             "9223372036854776",
                                             "1.5e3",
                                             "1_000",
                                             "\xEF\xBC\x90",
                                             "\xFF",
                                             "2024-01-01T00:00:00Z",
                                             "2024-13-01T00:00:00Z",
                                             "2024-02-30T00:00:00Z",
                                             "2024-01-01T00:00:00.123456789+14:00",
                                             "2024-01-01T24:00:00Z",
                                             "2024-01-01 00:00:00",
                                             "2024-01-01T00:00:00",
                                             "0001-01-01T00:00:00Z",
                                             "9999-12-31T23:59:59.999Z",
                                             "10000-01-01T00:00:00Z",
                                             "-0001-01-01T00:00:00Z",
                                             "-62135596801",
                                             "253402300800",
                                             "1e18",
                                             "1.0000000001",
                                             "0.0000000001",
                                             "1_700_000_000",
                                             "now",
                                             "1700000000s",
                                             "1e",
                                             "."};
  return v;
}

const std::vector<std::string>& OddLimits() {
  static const std::vector<std::string> v = {"0",
                                             "-1",
                                             "1",
                                             "9223372036854775807",
                                             "9223372036854775808",
                                             "1e3",
                                             "abc",
                                             "NaN",
                                             "",
                                             " 1",
                                             "1.5",
                                             "0x10",
                                             "-0",
                                             "18446744073709551616",
                                             "\xFF"};
  return v;
}

std::string ParamMutator::Query(std::mt19937_64& rng, std::string* kind) const {
  if (OneIn(rng, 5)) {
    *kind = "corpus";
    return promql_.Pick(rng);
  }
  return promql_.Next(rng, kind);
}

std::string ParamMutator::Time(std::mt19937_64& rng, int64_t offset_ms) const {
  if (Odd(rng, 6)) return Choose(rng, OddTimes());
  const int64_t t = anchor_ms_ + offset_ms;
  if (OneIn(rng, 4)) return promref::model::FormatRfc3339Seconds(t / 1000);
  return promref::model::FormatScalarTimestamp(t);
}

std::string ParamMutator::Duration(std::mt19937_64& rng, const std::string& valid) const {
  if (Odd(rng, 6)) return OneIn(rng, 2) ? Choose(rng, OddDurations()) : Choose(rng, OddNumbers());
  return valid;
}

std::string ParamMutator::Limit(std::mt19937_64& rng) const {
  return Odd(rng, 3) ? Choose(rng, OddLimits()) : std::to_string(1 + Below(rng, 100));
}

std::string ParamMutator::LabelNameInPath(std::mt19937_64& rng) const {
  static const std::vector<std::string> kEscaped = {
      "U__a_2e_b", "U__", "U___zz", "U__a_110000_", "U__a_2e", "U__a_0_", "U___2e_",
      "__name__",  "",    "a%2Fb",  "..",           "U__\xFF", "le",      "U__a_d800_"};
  const Vocabulary& v = promql_.vocabulary();
  switch (Below(rng, 4)) {
    case 0: return Choose(rng, kEscaped);
    case 1: return Choose(rng, OddStrings());
    default: return Choose(rng, v.label_names);
  }
}

FuzzRequest ParamMutator::Next(std::mt19937_64& rng) const {
  FuzzRequest r;
  std::string kind;
  const int64_t hour = 3600 * 1000;
  auto add = [&](const std::string& name, std::string value) {
    r.params.emplace_back(name, std::move(value));
  };
  auto maybe = [&](size_t n) { return !OneIn(rng, n); };  // present most of the time
  auto match = [&] {
    std::string k;
    add("match[]", promql_.Selector(rng, &k));
    kind += (kind.empty() ? "match:" : "+match:") + k;
  };
  switch (Below(rng, 12)) {
    case 0:
    case 1:
    case 2:
    case 3:
      r.path = "/api/v1/query";
      add("query", Query(rng, &kind));
      if (maybe(4)) add("time", Time(rng, -static_cast<int64_t>(Below(rng, 2 * hour))));
      if (maybe(3)) add("timeout", Duration(rng, "5s"));
      if (OneIn(rng, 4)) add("limit", Limit(rng));
      if (OneIn(rng, 4)) add("lookback_delta", Duration(rng, std::to_string(1 + Below(rng, 600)) + "s"));
      break;
    case 4:
    case 5:
    case 6: {
      r.path = "/api/v1/query_range";
      add("query", Query(rng, &kind));
      const int64_t start = -static_cast<int64_t>(Below(rng, 2 * hour));
      const int64_t span = static_cast<int64_t>(Below(rng, hour));
      if (maybe(8)) add("start", Time(rng, start));
      if (maybe(8)) add("end", Time(rng, start + span));
      if (maybe(8))
        add("step", Duration(rng, std::to_string(std::max<int64_t>(1, span / 1000 / 50 + 1)) + "s"));
      if (maybe(3)) add("timeout", Duration(rng, "5s"));
      if (OneIn(rng, 4)) add("limit", Limit(rng));
      if (OneIn(rng, 4)) add("lookback_delta", Duration(rng, "5m"));
      break;
    }
    case 7:
      r.path = OneIn(rng, 2) ? "/api/v1/format_query" : "/api/v1/parse_query";
      add("query", Query(rng, &kind));
      break;
    case 8:
    case 9:
      r.path = "/api/v1/series";
      for (size_t i = 0, n = OneIn(rng, 8) ? 0 : 1 + Below(rng, 3); i < n; ++i) match();
      if (maybe(2)) add("start", Time(rng, -hour));
      if (maybe(2)) add("end", Time(rng, 0));
      if (OneIn(rng, 3)) add("limit", Limit(rng));
      break;
    case 10:
      if (OneIn(rng, 2)) {
        r.path = "/api/v1/labels";
      } else {
        r.path = "/api/v1/label/" + UrlEncode(LabelNameInPath(rng)) + "/values";
      }
      for (size_t i = 0, n = Below(rng, 3); i < n; ++i) match();
      if (maybe(2)) add("start", Time(rng, -hour));
      if (maybe(2)) add("end", Time(rng, 0));
      if (OneIn(rng, 3)) add("limit", Limit(rng));
      break;
    default:
      r.path = "/api/v1/query_exemplars";
      add("query", OneIn(rng, 2) ? promql_.Selector(rng, &kind) : Query(rng, &kind));
      if (maybe(3)) add("start", Time(rng, -hour));
      if (maybe(3)) add("end", Time(rng, 0));
      break;
  }
  // Parameters as a client should not send them: duplicated, unknown, nameless.
  if (OneIn(rng, 20) && !r.params.empty()) r.params.push_back(Choose(rng, r.params));
  if (OneIn(rng, 30)) add(Choose(rng, OddStrings()), Choose(rng, OddStrings()));
  if (OneIn(rng, 30) && !r.params.empty()) std::swap(r.params.front(), r.params.back());
  // Long requests go as a form: a URL past the server's header limit tests the HTTP layer
  // (431), not the parsers.
  r.method = r.Size() > 2000 || OneIn(rng, 3) ? "POST" : "GET";
  if (r.path.ends_with("/values")) r.method = "GET";  // Prometheus routes no POST there (405)
  r.mutation = r.path.substr(r.path.rfind('/', r.path.size() - 1) + 1) + ":" + kind;
  return r;
}

}  // namespace promconform::fuzz
