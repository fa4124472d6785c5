#include "push/push_store.h"

#include <algorithm>
#include <cmath>

#include "ingest/series_labels.h"
#include "push/gather_check.h"

namespace promref::push {
namespace {

constexpr const char* kPushTime = "push_time_seconds";
constexpr const char* kPushTimeHelp = "Last Unix time when changing this group in the Pushgateway succeeded.";
constexpr const char* kPushFailed = "push_failure_time_seconds";
constexpr const char* kPushFailedHelp = "Last Unix time when changing this group in the Pushgateway failed.";
constexpr const char* kInconsistent = "pushed metrics are invalid or inconsistent with existing metrics: ";

// sanitizeLabels: grouping labels set whatever was pushed, instance="" added when absent,
// pairs sorted by name.
void Sanitize(Metric* m, const GroupingKey& key) {
  for (const auto& [name, value] : key.labels) {
    const std::string& wanted = name;  // clang 14 cannot capture a structured binding
    auto it = std::find_if(m->labels.begin(), m->labels.end(),
                           [&](const LabelPair& l) { return l.name == wanted; });
    if (it != m->labels.end()) {
      it->value = value;
    } else {
      m->labels.push_back({name, value});
    }
  }
  if (std::none_of(m->labels.begin(), m->labels.end(),
                   [](const LabelPair& l) { return l.name == "instance"; })) {
    m->labels.push_back({"instance", ""});
  }
  std::stable_sort(m->labels.begin(), m->labels.end(),
                   [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
}

Family TimestampGauge(const char* name, const char* help, const GroupingKey& key, double t) {
  Metric m{.kind = MetricType::kGauge, .value = t};
  Sanitize(&m, key);
  return Family{.name = name, .help = help, .type = MetricType::kGauge, .metrics = {std::move(m)}};
}

bool HasTimestamps(const FamilyMap& families) {
  for (const auto& [name, f] : families) {
    for (const Metric& m : f.metrics) {
      if (m.has_timestamp) return true;
    }
  }
  return false;
}

// The group after a successful push (processWriteRequest).
void Apply(FamilyMap families, bool replace, double now, const GroupingKey& key, FamilyMap* group,
           std::map<std::string, double>* pushed_at) {
  if (replace) {
    std::erase_if(*group, [](const auto& kv) { return kv.first != kPushTime && kv.first != kPushFailed; });
  }
  families[kPushTime] = TimestampGauge(kPushTime, kPushTimeHelp, key, now);
  if (!group->contains(kPushFailed))
    families[kPushFailed] = TimestampGauge(kPushFailed, kPushFailedHelp, key, 0);
  for (auto& [name, f] : families) {
    (*group)[name] = std::move(f);
    (*pushed_at)[name] = now;
  }
}

class Flattener {
 public:
  explicit Flattener(std::vector<PushedSample>* out) : out_(out) {}

  void AddFamily(const push::Family& f) {
    meta_ = storage::Metadata{.type = f.type, .help = f.help};
    family_ = f.name;
    for (const push::Metric& m : f.metrics) AddMetric(f, m);
  }

 private:
  void AddMetric(const push::Family& f, const push::Metric& m) {
    if (m.native) {
      Emit(f.name, m.labels, "", "", 0, m.native);
    } else if (f.type == MetricType::kSummary) {
      for (const Quantile& q : m.quantiles) {
        Emit(f.name, m.labels, "quantile", ingest::FormatOpenMetricsFloat(q.quantile), q.value);
      }
      Emit(f.name + "_sum", m.labels, "", "", m.sum);
      Emit(f.name + "_count", m.labels, "", "", m.count);
    } else if (f.type == MetricType::kHistogram) {
      Histogram(f, m);
    } else {
      Emit(f.name, m.labels, "", "", m.value);
    }
  }

  // The text writer adds a +Inf bucket holding the count when none was pushed.
  void Histogram(const push::Family& f, const push::Metric& m) {
    bool inf = false;
    for (const Bucket& b : m.buckets) {
      inf = inf || (std::isinf(b.upper_bound) && b.upper_bound > 0);
      Emit(f.name + "_bucket", m.labels, "le", ingest::FormatOpenMetricsFloat(b.upper_bound),
           b.cumulative_count);
    }
    if (!inf) Emit(f.name + "_bucket", m.labels, "le", "+Inf", m.count);
    Emit(f.name + "_sum", m.labels, "", "", m.sum);
    Emit(f.name + "_count", m.labels, "", "", m.count);
  }

  void Emit(const std::string& name, const std::vector<LabelPair>& labels, std::string_view extra,
            const std::string& extra_value, double v, const std::optional<model::FloatHistogram>& h = {}) {
    model::LabelsBuilder b;
    for (const LabelPair& l : labels) b.Set(l.name, l.value);
    if (!extra.empty()) b.Set(extra, extra_value);
    b.Set(model::kMetricNameLabel, name);
    out_->push_back(
        PushedSample{.labels = b.Build(), .value = v, .histogram = h, .family = family_, .metadata = meta_});
  }

  std::vector<PushedSample>* out_;
  storage::Metadata meta_;
  std::string family_;
};

}  // namespace

Status PushStore::Put(const GroupingKey& key, FamilyMap families, double now_seconds) {
  return Push(key, std::move(families), true, now_seconds);
}

Status PushStore::Post(const GroupingKey& key, FamilyMap families, double now_seconds) {
  return Push(key, std::move(families), false, now_seconds);
}

void PushStore::Delete(const GroupingKey& key) {
  std::lock_guard lock(mu_);
  groups_.erase(key.Id());
}

Status PushStore::Push(const GroupingKey& key, FamilyMap families, bool replace, double now) {
  std::lock_guard lock(mu_);
  const std::string id = key.Id();
  std::string err;
  if (HasTimestamps(families)) {
    err = "pushed metrics must not have timestamps";
  } else {
    for (auto& [name, f] : families) {
      for (Metric& m : f.metrics) Sanitize(&m, key);
    }
    Group candidate = groups_.contains(id) ? groups_.at(id) : Group{.key = key};
    Apply(std::move(families), replace, now, key, &candidate.families, &candidate.pushed_at);
    err = Check(id, candidate);
    if (err.empty()) {
      groups_[id] = std::move(candidate);
      return {};
    }
  }
  // setPushFailedTimestamp.
  Group& g = groups_.try_emplace(id, Group{.key = key}).first->second;
  g.families[kPushFailed] = TimestampGauge(kPushFailed, kPushFailedHelp, key, now);
  g.pushed_at[kPushFailed] = now;
  if (!g.families.contains(kPushTime)) {
    g.families[kPushTime] = TimestampGauge(kPushTime, kPushTimeHelp, key, 0);
    g.pushed_at[kPushTime] = now;
  }
  return BadData(kInconsistent + err);
}

std::string PushStore::Check(const std::string& id, const Group& candidate) const {
  std::vector<const FamilyMap*> all;
  bool placed = false;
  for (const auto& [gid, g] : groups_) {
    if (!placed && gid >= id) {
      all.push_back(&candidate.families);
      placed = true;
    }
    if (gid != id) all.push_back(&g.families);
  }
  if (!placed) all.push_back(&candidate.families);
  return GatherErrors(Merge(all));
}

std::vector<PushedSample> PushStore::Samples() const {
  std::lock_guard lock(mu_);
  std::vector<const FamilyMap*> all;
  for (const auto& [id, g] : groups_) all.push_back(&g.families);
  std::vector<PushedSample> out;
  Flattener flat(&out);
  for (const Family& f : Merge(all)) flat.AddFamily(f);
  return out;
}

std::vector<GroupView> PushStore::Groups() const {
  std::lock_guard lock(mu_);
  std::vector<GroupView> out;
  for (const auto& [id, g] : groups_) out.push_back(GroupView{g.key, g.families, g.pushed_at});
  return out;
}

}  // namespace promref::push
