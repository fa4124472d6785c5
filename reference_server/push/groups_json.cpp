#include "push/groups_json.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>

#include "model/go_strconv.h"

namespace promref::push {
namespace {

// encoding/json's string escaping (HTML-safe by default).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (s.substr(i).starts_with("\xe2\x80\xa8") || s.substr(i).starts_with("\xe2\x80\xa9")) {
          out += s[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// fmt.Sprint of a float64.
std::string Sprint(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return model::FormatFloat(v, 'g');
}

std::string SprintUint(double v) {
  return std::to_string(static_cast<unsigned long long>(v > 0 ? v : 0));
}

// time.Time's MarshalJSON in UTC: RFC 3339 with up to 9 fractional digits, zeros trimmed.
std::string Rfc3339(double seconds) {
  const long long ns_total = std::llround(seconds * 1e9);
  const time_t secs = static_cast<time_t>(ns_total / 1000000000LL);
  long long ns = ns_total % 1000000000LL;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (ns > 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", ns);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return "\"" + out + "Z\"";
}

// A JSON object with keys sorted, as encoding/json writes a Go map.
std::string Object(const std::map<std::string, std::string>& members) {
  std::string out = "{";
  for (const auto& [k, v] : members) {
    if (out.size() > 1) out += ",";
    out += Quote(k) + ":" + v;
  }
  return out + "}";
}

std::string Labels(const std::vector<LabelPair>& labels) {
  std::map<std::string, std::string> m;
  for (const LabelPair& l : labels) m[l.name] = Quote(l.value);
  return Object(m);
}

std::string MetricJson(const Family& f, const Metric& m) {
  std::map<std::string, std::string> o{{"labels", Labels(m.labels)}};
  if (f.type == MetricType::kSummary) {
    std::map<std::string, std::string> q;
    for (const Quantile& x : m.quantiles) q[Sprint(x.quantile)] = Quote(Sprint(x.value));
    o["quantiles"] = Object(q);
    o["count"] = Quote(SprintUint(m.count));
    o["sum"] = Quote(Sprint(m.sum));
  } else if (f.type == MetricType::kHistogram) {
    o["sum"] = Quote(Sprint(m.native ? m.native->sum : m.sum));
    const double count = m.native ? m.native->count : m.count;
    o["count"] = Quote(count == std::trunc(count) ? SprintUint(count) : Sprint(count));
    if (!m.native) {
      std::map<std::string, std::string> b;
      for (const Bucket& x : m.buckets) {
        const double c = x.cumulative_count;
        b[Sprint(x.upper_bound)] = Quote(c == std::trunc(c) ? SprintUint(c) : Sprint(c));
      }
      o["buckets"] = Object(b);
    }
  } else {
    o["value"] = Quote(Sprint(m.value));
  }
  return Object(o);
}

std::string FamilyJson(const Family& f, double pushed_at) {
  std::string metrics = "[";
  for (const Metric& m : f.metrics) metrics += (metrics.size() > 1 ? "," : "") + MetricJson(f, m);
  metrics += "]";
  std::string out = "{\"time_stamp\":" + Rfc3339(pushed_at) + ",\"type\":" + Quote(DtoTypeName(f.type));
  if (!f.help.empty()) out += ",\"help\":" + Quote(f.help);
  return out + ",\"metrics\":" + metrics + "}";
}

double GaugeValue(const FamilyMap& families, const std::string& name, bool* present) {
  auto it = families.find(name);
  *present = it != families.end() && !it->second.metrics.empty();
  return *present ? it->second.metrics[0].value : 0;
}

// MetricGroup.LastPushSuccess.
bool LastPushSuccess(const FamilyMap& families) {
  bool has_fail = false, has_ok = false;
  const double fail = GaugeValue(families, "push_failure_time_seconds", &has_fail);
  const double ok = GaugeValue(families, "push_time_seconds", &has_ok);
  return !has_fail || !has_ok || fail <= ok;
}

std::string GroupJson(const GroupView& g) {
  std::map<std::string, std::string> members;
  std::map<std::string, std::string> labels;
  for (const auto& [k, v] : g.key.labels) labels[k] = Quote(v);
  members["labels"] = Object(labels);
  members["last_push_successful"] = LastPushSuccess(g.families) ? "true" : "false";
  for (const auto& [name, f] : g.families) {
    auto at = g.family_push_time.find(name);
    members[name] = FamilyJson(f, at == g.family_push_time.end() ? 0 : at->second);
  }
  return Object(members);
}

}  // namespace

std::string GroupsJson(const std::vector<GroupView>& groups) {
  std::string data = "[";
  for (const GroupView& g : groups) data += (data.size() > 1 ? "," : "") + GroupJson(g);
  return "{\"status\":\"success\",\"data\":" + data + "]}";
}

}  // namespace promref::push
