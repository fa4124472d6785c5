// Remote write out against a receiver under the test's control: what is sent (labels,
// relabeling, 1.0 and 2.0), Prometheus' retry rules, and that an endpoint that is down loses
// nothing while the WAL holds the data.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "config/config.h"
#include "remote/remote_writer.h"
#include "tsdb/db.h"
#include "wire/remote_write.h"
#include "wire/remote_write_v2.h"

namespace promref::remote {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A remote-write receiver that answers from a script (then 204) and records what it took.
class Receiver {
 public:
  Receiver() {
    server_.Post("/write", [this](const httplib::Request& req, httplib::Response& res) {
      if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
      std::lock_guard lock(mu_);
      ++requests_;
      headers_ = req.headers;
      if (!script_.empty()) {
        const auto [status, retry_after] = script_.front();
        script_.erase(script_.begin());
        if (status != 204) {
          res.status = status;
          if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
          res.set_content("refused\n", "text/plain");
          return;
        }
      }
      auto raw = wire::SnappyDecompress(req.body, 32 << 20);
      ASSERT_TRUE(raw.ok());
      if (req.get_header_value("Content-Type").find("v2") != std::string::npos) {
        auto v2 = wire::v2::DecodeRequestV2(*raw);
        ASSERT_TRUE(v2.ok()) << v2.error().message();
        for (const auto& ts : v2->timeseries) {
          for (const auto& s : ts.samples) Record(ts.labels, s.timestamp, s.value);
        }
      } else {
        auto v1 = wire::DecodeWriteRequest(*raw);
        ASSERT_TRUE(v1.ok()) << v1.error().message();
        for (const auto& ts : v1->timeseries) {
          for (const auto& s : ts.samples) Record(ts.labels, s.t, s.v);
          exemplars_ += ts.exemplars.size();
        }
      }
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/write"; }
  void SetDelay(int ms) { delay_ms_ = ms; }
  void Script(std::vector<std::pair<int, std::string>> s) {
    std::lock_guard lock(mu_);
    script_ = std::move(s);
  }
  size_t Samples() {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [series, points] : got_) n += points.size();
    return n;
  }
  std::map<std::string, std::vector<std::pair<int64_t, double>>> Got() {
    std::lock_guard lock(mu_);
    return got_;
  }
  size_t exemplars() {
    std::lock_guard lock(mu_);
    return exemplars_;
  }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::string Header(const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = headers_.find(name);
    return it == headers_.end() ? "" : it->second;
  }

 private:
  void Record(const wire::RawLabels& labels, int64_t t, double v) {
    std::string key;
    for (const auto& [n, val] : labels) key += n + "=" + val + ",";
    got_[key].emplace_back(t, v);
  }
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> delay_ms_{0};
  std::mutex mu_;
  std::vector<std::pair<int, std::string>> script_;
  std::map<std::string, std::vector<std::pair<int64_t, double>>> got_;
  int requests_ = 0;
  size_t exemplars_ = 0;
  httplib::Headers headers_;
};

class RemoteWriteOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("remote_write_out_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    tsdb::Options o;
    o.dir = dir_.string();
    o.background_compaction = false;
    auto db = tsdb::DB::Open(o);
    ASSERT_TRUE(db.ok()) << db.error().message();
    db_ = std::move(*db);
  }
  void TearDown() override {
    writer_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Start(const std::string& extra, const std::string& global = "") {
    auto cfg = config::ParseConfig(global + "remote_write:\n- url: " + receiver_.url() + "\n" + extra);
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    writer_ = std::make_unique<RemoteWriter>(dir_.string() + "/wal", "Prometheus/test");
    writer_->ApplyConfig(cfg->remote_write, cfg->global.external_labels);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the watcher reaches the WAL's end
  }
  void Append(const model::Labels& l, int64_t t, double v) {
    auto app = db_->MakeAppender();
    ASSERT_TRUE(app->Append(0, l, t, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  bool WaitFor(const std::function<bool()>& done, int ms = 10000) {
    for (int i = 0; i < ms / 10 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return done();
  }

  std::filesystem::path dir_;
  std::unique_ptr<tsdb::DB> db_;
  Receiver receiver_;
  std::unique_ptr<RemoteWriter> writer_;
};

TEST_F(RemoteWriteOutTest, SendsWhatIsCommittedWithExternalLabelsAndWriteRelabeling) {
  const int64_t t = NowMs() - 1000;
  Append(model::Labels{{"__name__", "before_start"}}, t, 1);
  Start(
      "  write_relabel_configs: [{source_labels: [__name__], regex: 'drop_.*', action: drop}]\n"
      "  queue_config: {batch_send_deadline: 50ms}\n",
      "global: {external_labels: {region: eu}}\n");
  const int64_t t2 = NowMs();
  Append(model::Labels{{"__name__", "kept"}, {"a", "1"}}, t2, 2.5);
  Append(model::Labels{{"__name__", "drop_me"}}, t2, 3);
  Append(model::Labels{{"__name__", "kept"}, {"a", "1"}}, t2 + 1000, 4);
  ASSERT_TRUE(WaitFor([&] { return receiver_.Samples() >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto got = receiver_.Got();
  ASSERT_EQ(got.size(), 1u) << "drop_me relabeled away; before_start predates the queue";
  EXPECT_EQ(got.begin()->first, "__name__=kept,a=1,region=eu,");
  EXPECT_EQ(got.begin()->second, (std::vector<std::pair<int64_t, double>>{{t2, 2.5}, {t2 + 1000, 4}}));
  EXPECT_EQ(receiver_.Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(receiver_.Header("Content-Encoding"), "snappy");
  EXPECT_EQ(receiver_.Header("X-Prometheus-Remote-Write-Version"), "0.1.0");
  EXPECT_EQ(receiver_.Header("User-Agent"), "Prometheus/test");
}

TEST_F(RemoteWriteOutTest, SendsExemplarsWhenAsked) {
  Start("  send_exemplars: true\n  queue_config: {batch_send_deadline: 50ms}\n");
  const int64_t t = NowMs();
  auto app = db_->MakeAppender();
  const model::Labels series{{"__name__", "m"}};
  ASSERT_TRUE(app->Append(0, series, t, 1).ok());
  ASSERT_TRUE(app->AppendExemplar(0, series, {model::Labels{{"trace_id", "abc"}}, 0.5, t, true}).ok());
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(WaitFor([&] { return receiver_.exemplars() == 1; }));
  EXPECT_EQ(writer_->Queues().at(0)->counters().exemplars_sent.load(), 1u);
}

TEST_F(RemoteWriteOutTest, SpeaksRemoteWrite2) {
  Start("  protobuf_message: io.prometheus.write.v2.Request\n  queue_config: {batch_send_deadline: 50ms}\n");
  Append(model::Labels{{"__name__", "m"}}, NowMs(), 7);
  ASSERT_TRUE(WaitFor([&] { return receiver_.Samples() == 1; }));
  EXPECT_EQ(receiver_.Header("Content-Type"), "application/x-protobuf;proto=io.prometheus.write.v2.Request");
  EXPECT_EQ(receiver_.Header("X-Prometheus-Remote-Write-Version"), "2.0.0");
}

TEST_F(RemoteWriteOutTest, RetriesServerErrorsButNotClientErrors) {
  receiver_.Script({{500, ""}, {503, ""}});
  Start("  queue_config: {batch_send_deadline: 50ms, min_backoff: 10ms, max_backoff: 50ms}\n");
  Append(model::Labels{{"__name__", "m"}}, NowMs(), 1);
  ASSERT_TRUE(WaitFor([&] { return receiver_.Samples() == 1; }));
  EXPECT_EQ(receiver_.requests(), 3);
  EXPECT_EQ(receiver_.Header("Retry-Attempt"), "2");
  EXPECT_EQ(writer_->Queues().at(0)->counters().retries.load(), 2u);

  receiver_.Script({{400, ""}});
  Append(model::Labels{{"__name__", "m"}}, NowMs() + 1, 2);
  ASSERT_TRUE(WaitFor([&] { return writer_->Queues().at(0)->counters().requests_failed.load() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(receiver_.requests(), 4) << "a 400 is final: no retry";
  EXPECT_EQ(receiver_.Samples(), 1u);
}

TEST_F(RemoteWriteOutTest, RetriesTooManyRequestsOnlyWhenAskedTo) {
  receiver_.Script({{429, ""}});
  Start("  queue_config: {batch_send_deadline: 50ms, min_backoff: 10ms}\n");
  Append(model::Labels{{"__name__", "m"}}, NowMs(), 1);
  ASSERT_TRUE(WaitFor([&] { return writer_->Queues().at(0)->counters().requests_failed.load() == 1; }));
  writer_.reset();
  receiver_.Script({{429, "1"}});
  Start("  queue_config: {batch_send_deadline: 50ms, min_backoff: 10ms, retry_on_http_429: true}\n");
  const auto before = std::chrono::steady_clock::now();
  Append(model::Labels{{"__name__", "m"}}, NowMs() + 5, 2);
  ASSERT_TRUE(WaitFor([&] { return receiver_.Samples() == 1; }));
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(900))
      << "Retry-After: 1 honoured";
}

TEST_F(RemoteWriteOutTest, AnEndpointThatIsDownLosesNothingTheWalHolds) {
  // Small queue, endpoint down for a while: the watcher waits on the full queue and the WAL
  // keeps the rest; once the endpoint is back, every sample arrives, in order.
  std::vector<std::pair<int, std::string>> down(8, {503, ""});
  receiver_.Script(down);
  Start(
      "  queue_config: {capacity: 10, max_samples_per_send: 5, batch_send_deadline: 20ms, min_backoff: 20ms, "
      "max_backoff: 40ms}\n");
  const int64_t t0 = NowMs();
  for (int i = 0; i < 200; ++i) Append(model::Labels{{"__name__", "m"}}, t0 + i, i);
  ASSERT_TRUE(WaitFor([&] { return receiver_.Samples() == 200; }, 30000)) << receiver_.Samples();
  const auto points = receiver_.Got().begin()->second;
  for (int i = 0; i < 200; ++i) EXPECT_EQ(points[i].first, t0 + i);
}

TEST(QueueManager, ReshardsWhenOneShardCannotKeepUp) {
  // A receiver that takes 20 ms a request and batches of 10: one shard sends 500 samples/s;
  // 2,000 samples/s in needs about four.
  Receiver receiver;
  receiver.SetDelay(20);
  auto cfg = config::ParseConfig(
      "remote_write:\n- url: " + receiver.url() +
      "\n  queue_config: {max_samples_per_send: 10, capacity: 100, batch_send_deadline: 5ms, "
      "max_shards: 8}\n");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  QueueManager q(
      cfg->remote_write.at(0), {}, "Prometheus/test", [](const std::string&) {},
      std::chrono::milliseconds(250));
  q.Start();
  q.StoreSeries({{1, model::Labels{{"__name__", "a"}}},
                 {2, model::Labels{{"__name__", "b"}}},
                 {3, model::Labels{{"__name__", "c"}}},
                 {4, model::Labels{{"__name__", "d"}}}});
  const int64_t t0 = NowMs();
  int sent = 0;
  const auto begin = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - begin < std::chrono::seconds(3)) {
    std::vector<tsdb::wal::RefSample> batch;
    for (int i = 0; i < 20; ++i, ++sent)
      batch.push_back({static_cast<uint64_t>(1 + sent % 4), t0 + sent, 1.0, 0});
    ASSERT_TRUE(q.AppendSamples(batch));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(q.num_shards(), 1) << "resharded up from min_shards";
  EXPECT_LE(q.num_shards(), 8);
  for (int i = 0; i < 1000 && receiver.Samples() < static_cast<size_t>(sent); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(receiver.Samples(), static_cast<size_t>(sent)) << "a reshard drains, it loses nothing";
  q.Stop();
}

}  // namespace
}  // namespace promref::remote
