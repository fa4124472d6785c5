// SeriesPrefetcher: the evaluator's series come in the set's order, complete, whether read
// inline (a small selection) or decoded ahead on its thread (a large one); an error of the set
// or the loader ends the sequence with that error after the series before it; and an
// evaluation that stops midway (a failed query) stops the thread cleanly. Run under ASan in
// CI, which also catches a series handed out while the thread still writes it.
#include "promql/internal/series_prefetcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace promref::promql::internal {
namespace {

class FakeSeries final : public storage::Series {
 public:
  model::Labels l;
  const model::Labels& labels() const override { return l; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override { return nullptr; }
};

// `n` series named s0, s1, ...; fails (Err) after `fail_after` of them when >= 0.
class FakeSet final : public storage::SeriesSet {
 public:
  FakeSet(int n, int fail_after) : n_(n), fail_after_(fail_after) {}
  bool Next() override {
    if (fail_after_ >= 0 && i_ >= fail_after_) return false;
    if (i_ >= n_) return false;
    cur_.l = model::Labels{{"__name__", "s" + std::to_string(i_++)}};
    return true;
  }
  const storage::Series& At() const override { return cur_; }
  Status Err() const override {
    if (fail_after_ >= 0 && i_ >= fail_after_) return Error(ErrorKind::kInternal, "disk read failed");
    return {};
  }

 private:
  int n_, fail_after_, i_ = 0;
  FakeSeries cur_;
};

// A loader that copies the labels and gives series i the points 0..i%5 (so that reused
// buffers must be cleared); fails at series `fail_at`, throws at `throw_at`.
SeriesPrefetcher::Loader Loader(int fail_at = -1, int throw_at = -1) {
  return [=](const storage::Series& s, LoadedSeries* ls) -> Status {
    ls->labels = s.labels();
    const int i = std::stoi(std::string(s.labels().MetricName()).substr(1));
    if (i == fail_at) return Error(ErrorKind::kInternal, "chunk checksum mismatch");
    if (i == throw_at) throw EvalAbort{Error(ErrorKind::kExecution, "thrown while loading")};
    ls->points.clear();
    ls->evaluated = false;
    for (int k = 0; k <= i % 5; ++k) ls->points.push_back({k, static_cast<double>(i), nullptr, 0});
    return {};
  };
}

// Reads everything; returns the names in order and the final status.
std::vector<std::string> Drain(SeriesPrefetcher& p, Status* err) {
  std::vector<std::string> names;
  while (LoadedSeries* ls = p.Next(err)) {
    const std::string name(ls->labels.MetricName());
    EXPECT_EQ(ls->points.size(), static_cast<size_t>(std::stoi(name.substr(1)) % 5 + 1)) << name;
    names.push_back(name);
  }
  return names;
}

std::vector<std::string> Names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("s" + std::to_string(i));
  return out;
}

TEST(SeriesPrefetcher, GivesEverySeriesInOrderInlineAndAhead) {
  for (int n : {0, 1, 63, 64, 65, 191, 192, 193, 5000}) {
    SCOPED_TRACE(n);
    SeriesPrefetcher p(std::make_unique<FakeSet>(n, -1), Loader());
    Status err;
    EXPECT_EQ(Drain(p, &err), Names(n));
    EXPECT_TRUE(err.ok());
    // The end stays the end.
    EXPECT_EQ(p.Next(&err), nullptr);
  }
}

TEST(SeriesPrefetcher, ErrorsEndTheSequenceAfterTheSeriesBeforeThem) {
  for (int at : {10, 64, 700}) {
    SCOPED_TRACE(at);
    {
      SeriesPrefetcher p(std::make_unique<FakeSet>(2000, at), Loader());
      Status err;
      EXPECT_EQ(Drain(p, &err), Names(at));
      ASSERT_FALSE(err.ok());
      EXPECT_EQ(err.error().message(), "disk read failed");
    }
    {
      SeriesPrefetcher p(std::make_unique<FakeSet>(2000, -1), Loader(at));
      Status err;
      EXPECT_EQ(Drain(p, &err), Names(at));
      ASSERT_FALSE(err.ok());
      EXPECT_EQ(err.error().message(), "chunk checksum mismatch");
    }
  }
  // A loader that throws on the decoding thread: reported, not a crash.
  SeriesPrefetcher p(std::make_unique<FakeSet>(2000, -1), Loader(-1, 900));
  Status err;
  const auto names = Drain(p, &err);
  EXPECT_LE(names.size(), 900u);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message(), "thrown while loading");
}

// Ahead work runs on the decoding thread, on series it read and before they are handed out:
// on all of them past the inline ones with `always`, and otherwise while the evaluator is
// behind (here it sleeps now and then, so the decoding thread gets ahead).
TEST(SeriesPrefetcher, AheadRunsOnTheDecodingThreadBeforeHandingOut) {
  const std::thread::id evaluator = std::this_thread::get_id();
  constexpr int kSeries = 3000;
  for (bool always : {true, false}) {
    SCOPED_TRACE(always);
    std::atomic<int> ran{0};
    auto ahead = [&](LoadedSeries* ls) {
      EXPECT_NE(std::this_thread::get_id(), evaluator);
      EXPECT_FALSE(ls->evaluated);
      ls->evaluated = true;
      ++ran;
    };
    SeriesPrefetcher p(std::make_unique<FakeSet>(kSeries, -1), Loader(), ahead, always);
    Status err;
    int i = 0, evaluated = 0;
    while (LoadedSeries* ls = p.Next(&err)) {
      const bool inline_read = i < static_cast<int>(SeriesPrefetcher::kInlineSeries);
      if (inline_read || always) {
        EXPECT_EQ(ls->evaluated, !inline_read) << i;
      }
      evaluated += ls->evaluated ? 1 : 0;
      if (!always && i % 128 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      ++i;
    }
    EXPECT_TRUE(err.ok());
    EXPECT_EQ(i, kSeries);
    EXPECT_EQ(evaluated, ran.load());
    if (always) {
      EXPECT_EQ(evaluated, kSeries - static_cast<int>(SeriesPrefetcher::kInlineSeries));
    } else {
      EXPECT_GT(evaluated, 0);
    }
  }
}

TEST(SeriesPrefetcher, StoppingMidwayStopsTheThread) {
  for (int consumed : {0, 65, 300, 4000}) {
    SeriesPrefetcher p(std::make_unique<FakeSet>(100000, -1), Loader());
    Status err;
    for (int i = 0; i < consumed; ++i) ASSERT_NE(p.Next(&err), nullptr);
  }  // destroyed with the thread mid-selection
}

}  // namespace
}  // namespace promref::promql::internal
