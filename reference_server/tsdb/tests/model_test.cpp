// Model-based test: random sequences of appends, deletes, head and block compactions,
// tombstone cleaning, restarts and queries run against the TSDB and against MemStorage (the
// plain in-memory oracle); every query must give the same answer (label names and values,
// which the TSDB reads from its indexes, at least the oracle's).
//
// Append outcomes are predicted by a small model of Prometheus' head rules (the newest
// timestamp ever committed per series, and the head's lowest appendable time; a sample not
// newer than the batch's newest of its series is accepted and dropped at commit); kept samples
// go to MemStorage too.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <set>

#include "storage/mem_storage.h"
#include "tsdb/db.h"
#include "tsdb/tests/test_util.h"

namespace promref::model {
// Readable counterexamples.
inline void showValue(const Labels& l, std::ostream& os) {
  os << l.ToString();
}
inline void showValue(const Matcher& m, std::ostream& os) {
  os << m.ToString();
}
}  // namespace promref::model

namespace promref::tsdb {
namespace {

using storage::AppendError;
using testing::DumpAll;

constexpr int64_t kBlockRange = 100;

Options ModelOptions(const std::string& dir) {
  Options o;
  o.dir = dir;
  o.block_range = kBlockRange;
  o.retention_time = 0;
  o.background_compaction = false;
  o.wal_segment_size = 4096;  // many segments: exercises rotation and checkpoints
  o.clock = [] { return int64_t{1'700'000'000'000}; };
  return o;
}

const std::vector<model::Labels>& Universe() {
  static const std::vector<model::Labels> u = [] {
    std::vector<model::Labels> out;
    for (const char* name : {"up", "http_requests_total", "cpu"}) {
      for (const char* job : {"api", "db"}) {
        for (const char* inst : {"a", "b", "c"}) {
          out.push_back({{"__name__", name}, {"job", job}, {"instance", inst}});
        }
      }
    }
    out.push_back({{"__name__", "lonely"}});
    out.push_back({{"__name__", "up"}, {"job", "api"}, {"instance", "a"}, {"extra", "x"}});
    return out;
  }();
  return u;
}

rc::Gen<model::Matcher> GenMatcher() {
  return rc::gen::exec([] {
    const auto type = *rc::gen::element(model::MatchType::kEqual, model::MatchType::kNotEqual,
                                        model::MatchType::kRegexMatch, model::MatchType::kRegexNoMatch);
    const std::string name = *rc::gen::element<std::string>("__name__", "job", "instance", "extra");
    const std::string value = *rc::gen::element<std::string>("up", "api", "a", "b", "x", "", ".*", "a|b",
                                                             "c.*", "http_.+", "lonely");
    return *model::Matcher::Make(type, name, value);
  });
}

struct Last {
  int64_t t;
  uint64_t bits;
  bool hist;
};

class Harness {
 public:
  explicit Harness(std::string dir) : dir_(std::move(dir)) { Open(); }

  void Open() {
    auto db = DB::Open(ModelOptions(dir_));
    RC_ASSERT(db.ok());
    db_ = std::move(*db);
  }

  void Restart() {
    Forget();
    exemplar_cutoff_ = db_->head().MinValidTime();
    for (const auto& [key, t] : collected_through_) maybe_lost_through_[key] = t;
    db_.reset();
    Open();
  }

  // Series whose newest sample lies before the head's lowest valid time are forgotten by the
  // TSDB (truncated and collected); they can only receive newer samples anyway.
  void Forget() {
    const int64_t min_valid = db_->head().MinValidTime();
    std::erase_if(last_, [&](const auto& kv) { return kv.second.t < min_valid; });
    // A series without samples in the head may be collected now (also one that only ever had
    // an exemplar), and a WAL checkpoint then drops its exemplars so far; the exemplar storage
    // keeps them in memory until the next restart.
    for (const model::Labels& l : Universe()) {
      const std::string key(l.Encoded());
      if (!last_.contains(key)) collected_through_[key] = exemplar_t_;
    }
  }

  void AppendBatch() {
    now_ += *rc::gen::inRange<int64_t>(0, 100);
    const int n = *rc::gen::inRange(1, 12);
    auto app = db_->MakeAppender();
    auto oracle = mem_.MakeAppender();
    const int64_t maxt = db_->head().MaxTime();
    const int64_t min_valid =
        std::max(db_->head().MinValidTime(), maxt == kMinTime ? kMinTime : maxt - kBlockRange / 2);
    std::map<std::string, Last> pending;
    for (int i = 0; i < n; ++i) {
      const model::Labels& l = *rc::gen::elementOf(Universe());
      const int64_t t = now_ - *rc::gen::inRange<int64_t>(0, 40);
      const bool hist = *rc::gen::inRange(0, 20) == 0;
      const double v = *rc::gen::element(1.0, 2.0, 0.5, -3.25, model::StaleNaN(),
                                         std::bit_cast<double>(model::kNormalNaNBits));
      model::FloatHistogram h;
      h.count = v;
      h.sum = 1;
      const uint64_t bits = std::bit_cast<uint64_t>(v);
      const std::string key(l.Encoded());

      // The model's verdict: against committed data only, as Prometheus checks; a sample not
      // newer than the batch's newest of its series is accepted and dropped at commit.
      AppendError want = AppendError::kNone;
      bool apply = true;
      std::optional<Last> committed;
      if (auto jt = last_.find(key); jt != last_.end()) committed = jt->second;
      const auto pend = pending.find(key);
      if (hist && v < 0) {
        want = AppendError::kInvalidHistogram;  // a negative count: validated before all else
      } else if (t < min_valid) {
        want = AppendError::kOutOfBounds;
      } else if (committed && t < committed->t) {
        want = AppendError::kOutOfOrder;
      } else if (committed && t == committed->t) {
        apply = false;
        if (committed->hist != hist || committed->bits != bits) want = AppendError::kDuplicateSample;
      } else if (pend != pending.end() && t <= pend->second.t) {
        apply = false;
      }
      const auto got = hist ? app->AppendHistogram(0, l, t, h) : app->Append(0, l, t, v);
      RC_ASSERT(got.error == want);
      if (want == AppendError::kNone && apply) {
        const auto o = hist ? oracle->AppendHistogram(0, l, t, h) : oracle->Append(0, l, t, v);
        RC_ASSERT(o.ok());
        pending[key] = {t, bits, hist};
      }
    }
    if (*rc::gen::inRange(0, 8) == 0) {
      app->Rollback();
      oracle->Rollback();
      return;
    }
    // An exemplar and metadata now and then.
    if (*rc::gen::inRange(0, 4) == 0) {
      const model::Labels& l = *rc::gen::elementOf(Universe());
      const storage::Exemplar e{{{"trace_id", std::to_string(exemplar_t_)}}, 1.0, ++exemplar_t_, true};
      RC_ASSERT(app->AppendExemplar(0, l, e).ok());
      RC_ASSERT(oracle->AppendExemplar(0, l, e).ok());
      const storage::Metadata m{storage::MetricType::kCounter, *rc::gen::element<std::string>("h1", "h2"),
                                ""};
      RC_ASSERT(app->UpdateMetadata(0, l, m).ok());
      RC_ASSERT(oracle->UpdateMetadata(0, l, m).ok());
    }
    RC_ASSERT(app->Commit().ok());
    RC_ASSERT(oracle->Commit().ok());
    for (auto& [k, v] : pending) last_[k] = v;
  }

  void Delete() {
    std::vector<model::Matcher> ms = {*GenMatcher()};
    if (*rc::gen::arbitrary<bool>()) ms.push_back(*GenMatcher());
    const int64_t a = *rc::gen::inRange<int64_t>(-50, now_ + 50);
    const int64_t b = a + *rc::gen::inRange<int64_t>(0, 300);
    RC_ASSERT(db_->Delete(a, b, ms).ok());
    mem_.Delete(a, b, ms);
    deleted_ = true;
  }

  void Compact() {
    RC_ASSERT(db_->Compact().ok());
    Forget();
  }
  void CleanTombstones() { RC_ASSERT(db_->CleanTombstones().ok()); }

  void Query() {
    std::vector<model::Matcher> ms = {*GenMatcher()};
    if (*rc::gen::arbitrary<bool>()) ms.push_back(*GenMatcher());
    const int64_t mint = *rc::gen::element<int64_t>(kMinTime / 2, -10, 0, now_ / 2, now_ - 100);
    const int64_t maxt = *rc::gen::element<int64_t>(kMaxTime / 2, now_, now_ / 2 + 30, mint + 50);
    RC_ASSERT(DumpAll(*db_, ms, mint, maxt) == DumpAll(mem_, ms, mint, maxt));

    auto q = *db_->MakeQuerier(mint, maxt);
    auto mq = *mem_.MakeQuerier(mint, maxt);
    std::vector<model::Matcher> lms;
    if (*rc::gen::arbitrary<bool>()) lms.push_back(*GenMatcher());
    const std::string name = *rc::gen::element<std::string>("__name__", "job", "instance", "extra", "nope");
    // Label names and values come from the partitions' indexes (as in Prometheus), not from
    // samples: a series the TSDB still holds counts even with no sample in the window (it
    // ended earlier, its samples are deleted, its batch was rolled back). So everything the
    // oracle sees in the window is there, and nothing no matching series of the universe has.
    std::set<std::string> possible_values, possible_names;
    for (const model::Labels& l : Universe()) {
      if (!storage::MatchesAll(l, lms)) continue;
      if (auto v = l.Get(name); !v.empty()) possible_values.emplace(v);
      for (const model::LabelView& lv : l) possible_names.emplace(lv.name);
    }
    auto within = [](const std::vector<std::string>& got, const std::vector<std::string>& want,
                     const std::set<std::string>& possible) {
      RC_ASSERT(std::is_sorted(got.begin(), got.end()));
      RC_ASSERT(std::includes(got.begin(), got.end(), want.begin(), want.end()));
      RC_ASSERT(std::includes(possible.begin(), possible.end(), got.begin(), got.end()));
    };
    const auto values = *q->LabelValues(name, {}, lms);
    within(values, *mq->LabelValues(name, {}, lms), possible_values);
    within(*q->LabelNames({}, lms), *mq->LabelNames({}, lms), possible_names);
    RC_ASSERT(db_->MetricMetadata() == mem_.MetricMetadata());
    const size_t limit = *rc::gen::inRange<size_t>(1, 4);
    const auto limited = *q->LabelValues(name, {.limit = limit}, lms);
    RC_ASSERT(limited ==
              std::vector<std::string>(values.begin(), values.begin() + std::min(limit, values.size())));

    // Exemplars: all the oracle has, except those a restart dropped with the WAL. (MemStorage
    // drops a series' exemplars with its last sample; exemplar storage does not follow deletes.)
    if (deleted_) return;
    const std::vector<std::vector<model::Matcher>> groups = {ms};
    auto got = *db_->SelectExemplars(exemplar_cutoff_, kMaxTime, groups);
    auto want = *mem_.SelectExemplars(exemplar_cutoff_, kMaxTime, groups);
    // Per series: the TSDB has every exemplar the oracle has, except that those a restart may
    // have lost (appended before its series was collected) may each be there or not.
    std::map<std::string, std::pair<size_t, size_t>> expected;  // series -> [min, max]
    for (const auto& w : want) {
      const std::string key(w.series_labels.Encoded());
      const auto lost = maybe_lost_through_.find(key);
      size_t sure = 0;
      for (const auto& e : w.exemplars) sure += lost == maybe_lost_through_.end() || e.t > lost->second;
      expected[key] = {sure, w.exemplars.size()};
    }
    for (const auto& g : got) {
      const auto it = expected.find(std::string(g.series_labels.Encoded()));
      RC_ASSERT(it != expected.end());
      RC_ASSERT(g.exemplars.size() >= it->second.first && g.exemplars.size() <= it->second.second);
      expected.erase(it);
    }
    for (const auto& [key, range] : expected) RC_ASSERT(range.first == 0u);
  }

  void FullCheck() {
    RC_ASSERT(DumpAll(*db_) == DumpAll(mem_));
    const auto blocks = db_->Blocks();
    RC_CLASSIFY(!blocks.empty(), "has blocks");
    RC_CLASSIFY(std::any_of(blocks.begin(), blocks.end(), [](const BlockMeta& m) { return m.level > 1; }),
                "has compacted blocks");
  }

 private:
  std::string dir_;
  std::unique_ptr<DB> db_;
  storage::MemStorage mem_;
  std::map<std::string, Last> last_;  // newest committed sample per series (encoded labels)
  int64_t now_ = 0;
  int64_t exemplar_t_ = 0;
  int64_t exemplar_cutoff_ = kMinTime;
  std::map<std::string, int64_t> collected_through_;   // series -> newest exemplar t when collected
  std::map<std::string, int64_t> maybe_lost_through_;  // the same, as of the last restart
  bool deleted_ = false;
};

RC_GTEST_PROP(DbModel, AgreesWithMemStorage, ()) {
  testing::TempDir dir;
  Harness h(dir.path());
  const int steps = *rc::gen::inRange(1, 80);
  for (int i = 0; i < steps; ++i) {
    switch (*rc::gen::inRange(0, 20)) {
      case 0:
        RC_LOG() << "delete\n";
        h.Delete();
        break;
      case 1:
      case 2:
        RC_LOG() << "compact\n";
        h.Compact();
        break;
      case 3:
        RC_LOG() << "clean tombstones\n";
        h.CleanTombstones();
        break;
      case 4:
        RC_LOG() << "restart\n";
        h.Restart();
        break;
      case 5:
      case 6:
        RC_LOG() << "query\n";
        h.Query();
        break;
      default:
        RC_LOG() << "append\n";
        h.AppendBatch();
        break;
    }
  }
  h.FullCheck();
  h.Restart();
  h.FullCheck();
}

}  // namespace
}  // namespace promref::tsdb
