// histogram_quantile's "input ... needed to be fixed for monotonicity" info, counted exactly as
// Prometheus counts it.
//
// Prometheus keeps one such info per text (the metric name is part of it) and merges every new
// occurrence into the one it already holds, in place: the lowest and highest bucket bound
// raised, the largest raise, the time span, and a count ("over N samples"). Its evaluator hands
// annotations around in maps: a function call's step produces a map, the call merges it into its
// own map after every step, and the call's range evaluation merges that map into its own after
// every step too. Once both maps hold the same object, that second merge adds the object's count
// to itself (+1), so the reported count of a range query doubles at every step after the first
// occurrence. These maps are modelled here, object identity included, so that promref reports
// the count Prometheus reports. Every other merge (two subexpressions with the same info) adds the
// merged count + 1, whatever the shape of the expression, so only calls need a scope.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace promref::promql::internal {

class MergedMonotonicityInfos {
 public:
  struct Info {
    int start = 0;  // position of the occurrence kept (the first)
    int64_t min_ts = 0, max_ts = 0;
    double min_bucket = 0, max_bucket = 0, max_diff = 0;
    int64_t count = 0;  // Prometheus' count; the text says count + 1 samples
  };

  // One occurrence, keyed by its text, inside a call's step (or at the top when none).
  void Add(const std::string& key, const Info& occurrence) {
    objects_.push_back(occurrence);
    Map& into = frames_.empty() ? root_ : frames_.back().step;
    AddTo(into, key, objects_.size() - 1);
  }

  // A function call without a range argument: its arguments' infos, then its steps.
  void BeginCall() { frames_.emplace_back(); }
  // After each step of that call: the step's map into the call's, the call's into its range
  // evaluation's.
  void EndCallStep() {
    Frame& f = frames_.back();
    Merge(f.call, f.step);
    f.step.clear();
    Merge(f.range_eval, f.call);
  }
  // The call's range evaluation's map into the enclosing one.
  void EndCall() {
    Frame f = std::move(frames_.back());
    frames_.pop_back();
    Merge(frames_.empty() ? root_ : frames_.back().range_eval, f.range_eval);
  }

  // The infos the query reports, by text.
  std::map<std::string, Info> Result() const {
    std::map<std::string, Info> out;
    for (const auto& [key, id] : root_) out[key] = objects_[id];
    return out;
  }

 private:
  using Map = std::map<std::string, size_t>;  // text -> object
  struct Frame {
    Map range_eval;  // rangeEval's warnings (the arguments' infos merge into it first)
    Map call;        // the call's closure map, kept across steps
    Map step;        // what the current step added
  };

  // Go's Merge of `from` into `into`: the object already there absorbs the other (and keeps its
  // identity), counting the other's count + 1; reading `from` first makes self-merges double.
  void Absorb(size_t into, size_t from) {
    const Info f = objects_[from];
    Info& t = objects_[into];
    if (f.min_ts < t.min_ts) t.min_ts = f.min_ts;
    if (f.max_ts > t.max_ts) t.max_ts = f.max_ts;
    if (f.min_bucket < t.min_bucket) t.min_bucket = f.min_bucket;
    if (f.max_bucket > t.max_bucket) t.max_bucket = f.max_bucket;
    if (f.max_diff > t.max_diff) t.max_diff = f.max_diff;
    t.count += f.count + 1;
  }
  void AddTo(Map& into, const std::string& key, size_t id) {
    auto [it, inserted] = into.try_emplace(key, id);
    if (!inserted) Absorb(it->second, id);
  }
  void Merge(Map& into, const Map& from) {
    for (const auto& [key, id] : from) AddTo(into, key, id);
  }

  std::vector<Info> objects_;
  Map root_;
  std::vector<Frame> frames_;
};

}  // namespace promref::promql::internal
