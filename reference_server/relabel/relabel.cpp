#include "relabel/relabel.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "relabel/go_unicode.h"
#include "relabel/md5.h"

namespace promref::relabel {
namespace {

// The labels while rules run, in the order Prometheus' labels.Builder visits them: the input
// labels no rule has touched (sorted), then the ones rules set, in the order they were set (a
// label set again keeps its place; a deleted one is forgotten). labelmap visits in this order
// and the last write to a name wins, so the order decides which value a name gets when two
// labels map to it.
class WorkingLabels {
 public:
  using Entries = std::vector<std::pair<std::string, std::string>>;

  explicit WorkingLabels(const model::Labels& labels) {
    for (const model::LabelView& l : labels) entries_.emplace_back(l.name, l.value);
    first_set_ = entries_.size();
  }

  std::string_view Get(std::string_view name) const {
    const auto it = Find(name);
    return it == entries_.end() ? std::string_view() : std::string_view(it->second);
  }

  void Set(std::string_view name, std::string value) {
    if (value.empty()) {  // "" means no such label
      Del(name);
      return;
    }
    auto it = Find(name);
    if (it != entries_.end() && static_cast<size_t>(it - entries_.begin()) >= first_set_) {
      it->second = std::move(value);  // set before: keeps its place
      return;
    }
    if (it != entries_.end()) Erase(it);  // an untouched input label moves to the set ones
    entries_.emplace_back(std::string(name), std::move(value));
  }

  void Del(std::string_view name) {
    if (auto it = Find(name); it != entries_.end()) Erase(it);
  }

  // A copy to iterate over while the rule changes the labels.
  Entries Snapshot() const { return entries_; }

  model::Labels Build() && {
    std::sort(entries_.begin(), entries_.end());
    std::vector<model::LabelView> views;
    views.reserve(entries_.size());
    for (const auto& [name, value] : entries_) views.push_back({name, value});
    model::Labels out;
    model::AssignSortedLabels(views, &out);
    return out;
  }

 private:
  Entries::iterator Find(std::string_view name) {
    return std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == name; });
  }
  Entries::const_iterator Find(std::string_view name) const {
    return std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == name; });
  }
  void Erase(Entries::iterator it) {
    if (static_cast<size_t>(it - entries_.begin()) < first_set_) --first_set_;
    entries_.erase(it);
  }

  Entries entries_;
  size_t first_set_ = 0;  // entries_[first_set_...] are the labels rules set
};

std::string JoinSourceValues(const RelabelConfig& rule, const WorkingLabels& labels) {
  std::string out;
  for (size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (i > 0) out += rule.separator;
    out += labels.Get(rule.source_labels[i]);
  }
  return out;
}

// The shard of `value`: the last 8 bytes of its MD5 as a big-endian integer, mod `modulus`
// (the bytes Prometheus has always used, so targets keep their shards across versions).
uint64_t HashMod(std::string_view value, uint64_t modulus) {
  const Md5Digest digest = Md5(value);
  uint64_t h = 0;
  for (size_t i = 8; i < 16; ++i) h = h << 8 | digest[i];
  return h % modulus;
}

// Writes the expanded replacement to the expanded target, when the regex matches and the
// target is a valid name; an empty replacement deletes the target.
void Replace(const RelabelConfig& rule, std::string_view value, WorkingLabels& labels) {
  const auto groups = rule.regex.Match(value);
  if (!groups) return;
  const std::string target = rule.regex.Expand(rule.target_label, *groups);
  if (!IsValidLabelName(target, rule.name_validation)) return;
  labels.Set(target, rule.regex.Expand(rule.replacement, *groups));
}

// Every label whose name the regex matches is copied to the name the replacement expands to.
void LabelMap(const RelabelConfig& rule, WorkingLabels& labels) {
  for (auto& [name, value] : labels.Snapshot()) {
    if (const auto groups = rule.regex.Match(name))
      labels.Set(rule.regex.Expand(rule.replacement, *groups), value);
  }
}

void DropLabelsWhere(const RelabelConfig& rule, bool matching, WorkingLabels& labels) {
  for (const auto& entry : labels.Snapshot()) {
    if (rule.regex.Matches(entry.first) == matching) labels.Del(entry.first);
  }
}

// Applies one rule; false when it drops the set.
bool Apply(const RelabelConfig& rule, WorkingLabels& labels) {
  const std::string value = JoinSourceValues(rule, labels);
  switch (rule.action) {
    case Action::kDrop: return !rule.regex.Matches(value);
    case Action::kKeep: return rule.regex.Matches(value);
    case Action::kDropEqual: return labels.Get(rule.target_label) != value;
    case Action::kKeepEqual: return labels.Get(rule.target_label) == value;
    case Action::kReplace: Replace(rule, value, labels); break;
    case Action::kLowercase: labels.Set(rule.target_label, GoToLower(value)); break;
    case Action::kUppercase: labels.Set(rule.target_label, GoToUpper(value)); break;
    case Action::kHashMod: labels.Set(rule.target_label, std::to_string(HashMod(value, rule.modulus))); break;
    case Action::kLabelMap: LabelMap(rule, labels); break;
    case Action::kLabelDrop: DropLabelsWhere(rule, /*matching=*/true, labels); break;
    case Action::kLabelKeep: DropLabelsWhere(rule, /*matching=*/false, labels); break;
    case Action::kUnset: break;  // Validate refuses it
  }
  return true;
}

}  // namespace

std::optional<model::Labels> Process(const model::Labels& labels, std::span<const RelabelConfig> rules) {
  WorkingLabels working(labels);
  for (const RelabelConfig& rule : rules) {
    if (!Apply(rule, working)) return std::nullopt;
  }
  return std::move(working).Build();
}

}  // namespace promref::relabel
