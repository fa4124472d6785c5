#include "scrape/target.h"

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <map>

#include "model/go_strconv.h"
#include "model/time.h"
#include "relabel/relabel.h"

namespace promref::scrape {
namespace {

constexpr std::string_view kReservedPrefix = "__";
constexpr std::string_view kMetaPrefix = "__meta_";
constexpr std::string_view kParamPrefix = "__param_";
constexpr const char* kConvertNhcbLabel = "__convert_classic_histograms_to_nhcb__";
constexpr const char* kAlwaysClassicLabel = "__always_scrape_classic_histograms__";
constexpr const char* kNativeHistogramsLabel = "__scrape_native_histograms__";

uint64_t Fnv64a(std::string_view data, uint64_t h = 14695981039346656037ULL) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// Go's url.QueryEscape: unreserved bytes kept, space as '+', the rest %XX.
std::string QueryEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Go's url.PathEscape-like escaping of URL.EscapedPath for the characters a metrics path may
// hold that Go escapes ('/' and the sub-delimiters stay).
std::string EscapePath(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) ||
        std::string_view("-_.~/!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<bool> GoParseBool(std::string_view v) {
  if (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False") return false;
  return std::nullopt;
}

}  // namespace

std::string_view HealthName(Health h) {
  switch (h) {
    case Health::kUp: return "up";
    case Health::kDown: return "down";
    case Health::kUnknown: break;
  }
  return "unknown";
}

Target::Target(model::Labels labels, model::Labels discovered,
               std::shared_ptr<const config::ScrapeConfig> config)
    : labels_(std::move(labels)), discovered_(std::move(discovered)), config_(std::move(config)) {}

model::Labels Target::PublicLabels() const {
  return labels_.Filter([](std::string_view name) { return !name.starts_with(kReservedPrefix); });
}

model::Labels Target::DiscoveredLabels() const {
  std::lock_guard lock(mu_);
  return discovered_;
}

std::string Target::Url() const {
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [name, values] : config()->params) params[name] = values;
  for (const model::LabelView& l : labels_) {
    if (!l.name.starts_with(kParamPrefix)) continue;
    auto& values = params[std::string(l.name.substr(kParamPrefix.size()))];
    if (values.empty()) {
      values.push_back(std::string(l.value));
    } else {
      values[0] = std::string(l.value);
    }
  }
  std::string query;
  for (const auto& [name, values] : params) {
    for (const auto& v : values) {
      if (!query.empty()) query += '&';
      query += QueryEscape(name) + "=" + QueryEscape(v);
    }
  }
  std::string path(labels_.Get("__metrics_path__"));
  std::string url = std::string(labels_.Get("__scheme__")) + "://" + std::string(labels_.Get("__address__"));
  if (!path.empty() && path[0] != '/') url += '/';
  url += EscapePath(path);
  if (!query.empty()) url += "?" + query;
  return url;
}

uint64_t Target::Hash() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016" PRIu64, labels_.Hash());
  return Fnv64a(Url(), Fnv64a(buf));
}

int64_t Target::OffsetNanos(int64_t interval_ns, uint64_t offset_seed, int64_t now_ns) const {
  if (interval_ns <= 0) return 0;
  const int64_t base = interval_ns - now_ns % interval_ns;
  const int64_t offset = static_cast<int64_t>((Hash() ^ offset_seed) % static_cast<uint64_t>(interval_ns));
  int64_t next = base + offset;
  if (next > interval_ns) next -= interval_ns;
  return next;
}

bool Target::BoolLabel(std::string_view name, bool def) const {
  const std::string_view v = labels_.Get(name);
  if (v.empty()) return def;
  return GoParseBool(v).value_or(def);
}

std::shared_ptr<const config::ScrapeConfig> Target::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void Target::SetConfig(std::shared_ptr<const config::ScrapeConfig> config, model::Labels discovered) {
  std::lock_guard lock(mu_);
  config_ = std::move(config);
  discovered_ = std::move(discovered);
}

void Target::Report(ScrapeReport report) {
  std::lock_guard lock(mu_);
  report_ = std::move(report);
}

ScrapeReport Target::LastReport() const {
  std::lock_guard lock(mu_);
  return report_;
}

std::shared_ptr<MetadataStore> Target::metadata() const {
  std::lock_guard lock(mu_);
  return metadata_;
}

void Target::SetMetadata(std::shared_ptr<MetadataStore> store) {
  std::lock_guard lock(mu_);
  metadata_ = std::move(store);
}

model::Labels PopulateDiscoveredLabels(const config::ScrapeConfig& cfg, const model::Labels& target,
                                       const model::Labels& group) {
  model::LabelsBuilder b(group);
  for (const model::LabelView& l : target) b.Set(l.name, l.value);
  const auto set_default = [&](std::string_view name, std::string_view value) {
    if (b.Get(name).empty()) b.Set(name, value);
  };
  set_default("job", cfg.job_name);
  set_default("__scrape_interval__", model::FormatDuration(cfg.scrape_interval_ms));
  set_default("__scrape_timeout__", model::FormatDuration(cfg.scrape_timeout_ms));
  set_default("__metrics_path__", cfg.metrics_path);
  set_default("__scheme__", cfg.scheme);
  set_default(kConvertNhcbLabel, cfg.convert_classic_histograms_to_nhcb ? "true" : "false");
  set_default(kAlwaysClassicLabel, cfg.always_scrape_classic_histograms ? "true" : "false");
  set_default(kNativeHistogramsLabel, cfg.scrape_native_histograms ? "true" : "false");
  for (const auto& [name, values] : cfg.params) {
    if (!values.empty()) set_default(std::string(kParamPrefix) + name, values[0]);
  }
  return b.Build();
}

namespace {

// The checks after relabeling, in Prometheus' order.
Status CheckTargetLabels(const model::LabelsBuilder& b) {
  const std::string_view addr = b.Get("__address__");
  if (addr.empty()) return BadData("no address");
  if (addr.find('/') != std::string_view::npos)
    return BadData(model::GoQuote(addr) + " is not a valid hostname");
  const std::string_view interval = b.Get("__scrape_interval__");
  auto interval_ms = model::ParseDuration(interval);
  if (!interval_ms.ok()) return BadData("error parsing scrape interval: " + interval_ms.error().message());
  if (*interval_ms == 0) return BadData("scrape interval cannot be 0");
  const std::string_view timeout = b.Get("__scrape_timeout__");
  auto timeout_ms = model::ParseDuration(timeout);
  if (!timeout_ms.ok()) return BadData("error parsing scrape timeout: " + timeout_ms.error().message());
  if (*timeout_ms == 0) return BadData("scrape timeout cannot be 0");
  if (*timeout_ms > *interval_ms) {
    return BadData("scrape timeout cannot be greater than scrape interval (" + model::GoQuote(timeout) +
                   " > " + model::GoQuote(interval) + ")");
  }
  const std::pair<const char*, const char*> switches[] = {
      {kConvertNhcbLabel, "convert classic histograms to nhcb"},
      {kAlwaysClassicLabel, "always scrape classic histograms"},
      {kNativeHistogramsLabel, "scrape native histograms"}};
  for (const auto& [name, desc] : switches) {
    const std::string_view v = b.Get(name);
    if (!v.empty() && !GoParseBool(v)) {
      return BadData(std::string("error parsing ") + desc + ": strconv.ParseBool: parsing " +
                     model::GoQuote(v) + ": invalid syntax");
    }
  }
  return {};
}

}  // namespace

Result<model::Labels> PopulateLabels(const config::ScrapeConfig& cfg, const model::Labels& target,
                                     const model::Labels& group) {
  const model::Labels discovered = PopulateDiscoveredLabels(cfg, target, group);
  std::optional<model::Labels> relabeled = relabel::Process(discovered, cfg.relabel_configs);
  if (!relabeled) return model::Labels();
  model::LabelsBuilder b(*relabeled);
  if (Status st = CheckTargetLabels(b); !st.ok()) return st.error();
  for (const model::LabelView& l : *relabeled) {
    if (l.name.starts_with(kMetaPrefix)) b.Del(l.name);
  }
  if (b.Get("instance").empty()) b.Set("instance", b.Get("__address__"));
  model::Labels out = b.Build();
  for (const model::LabelView& l : out) {
    if (!model::IsValidLabelValue(l.value)) {
      return BadData("invalid label value for " + model::GoQuote(l.name) + ": " + model::GoQuote(l.value));
    }
  }
  return out;
}

GroupTargets TargetsFromGroup(const TargetGroup& group, std::shared_ptr<const config::ScrapeConfig> cfg) {
  GroupTargets out;
  for (size_t i = 0; i < group.targets.size(); ++i) {
    auto labels = PopulateLabels(*cfg, group.targets[i], group.labels);
    if (!labels.ok()) {
      out.failures.push_back("instance " + std::to_string(i) + " in group " + group.source + ": " +
                             labels.error().message());
      continue;
    }
    out.targets.push_back(std::make_shared<Target>(
        std::move(*labels), PopulateDiscoveredLabels(*cfg, group.targets[i], group.labels), cfg));
  }
  return out;
}

}  // namespace promref::scrape
