// promref on disk: data written over remote write survives a restart (WAL replay), each
// tenant has its own TSDB directory and sees only its own series, the admin API's delete,
// clean-tombstones and snapshot work on the real TSDB, /metrics reports the head, and a data
// directory in use by another promref is refused at start with a message naming it.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "client/remote_write_client.h"
#include "config/config.h"
#include "model/sample.h"
#include "server/promref_server.h"
#include "wire/remote_write.h"

namespace promref::server {
namespace {

namespace fs = std::filesystem;
using promconform::HttpClient;

constexpr const char* kTenantsYaml =
    "promref:\n"
    "  tenants:\n"
    "    - id: team-a\n      bearer_tokens: [token-a]\n"
    "    - id: team_b\n      bearer_tokens: [token-b]\n";

class ServerStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("promref-storage-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    now_ = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() /
           1000 * 1000;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<std::unique_ptr<PromrefServer>> Start(const std::string& yaml = "",
                                               const std::vector<std::string>& extra_flags = {}) {
    std::vector<std::string> args = {"promref", "--web.listen-address=127.0.0.1:0",
                                     "--storage.tsdb.path=" + dir_.string(),
                                     "--web.enable-remote-write-receiver", "--web.enable-admin-api"};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    auto flags = ParseFlags(static_cast<int>(argv.size()), argv.data());
    if (!flags.ok()) return flags.error();
    auto cfg = config::ParseConfig(yaml);
    if (!cfg.ok()) return cfg.error();
    auto s = PromrefServer::Create(*flags, std::move(*cfg));
    if (s.ok()) (*s)->Start();
    return s;
  }

  wire::WriteRequest Series(const std::string& name, double value) const {
    wire::WriteRequest req;
    wire::TimeSeries ts{{{"__name__", name}, {"job", "j"}}, {}, {}, {}};
    for (int i = 0; i < 10; ++i) ts.samples.push_back({now_ - (9 - i) * 15'000, value + i});
    req.timeseries.push_back(ts);
    return req;
  }

  nlohmann::json Query(const PromrefServer& s, const std::string& q, const promconform::Headers& h = {}) {
    auto r = client_.Get(s.base_url() + "/api/v1/query?" +
                             promconform::FormEncode({{"query", q}, {"time", std::to_string(now_ / 1000)}}),
                         h);
    return nlohmann::json::parse(r.body);
  }

  fs::path dir_;
  int64_t now_ = 0;
  HttpClient client_;
};

TEST_F(ServerStorage, DataSurvivesARestart) {
  {
    auto s = Start();
    ASSERT_TRUE(s.ok()) << s.error().message();
    ASSERT_TRUE(
        promconform::SendRemoteWrite(client_, (*s)->base_url() + "/api/v1/write", Series("kept", 1)).ok());
    (*s)->Stop();
  }
  EXPECT_TRUE(fs::exists(dir_ / "wal"));
  auto s = Start();
  ASSERT_TRUE(s.ok()) << s.error().message();
  auto j = Query(**s, "kept");
  ASSERT_EQ(j["data"]["result"].size(), 1u) << j.dump();
  EXPECT_EQ(j["data"]["result"][0]["value"][1], "10");
  auto replay = nlohmann::json::parse(client_.Get((*s)->base_url() + "/api/v1/status/walreplay").body);
  EXPECT_EQ(replay["status"], "success") << replay.dump();
}

TEST_F(ServerStorage, TenantsHaveTheirOwnDirectoriesAndData) {
  auto s = Start(kTenantsYaml);
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string url = (*s)->base_url() + "/api/v1/write";
  ASSERT_TRUE(
      promconform::SendRemoteWrite(client_, url, Series("only_a", 1), {{"Authorization", "Bearer token-a"}})
          .ok());
  ASSERT_TRUE(
      promconform::SendRemoteWrite(client_, url, Series("only_b", 2), {{"Authorization", "Bearer token-b"}})
          .ok());
  EXPECT_TRUE(fs::exists(dir_ / "tenants" / "team-a" / "wal"));
  EXPECT_TRUE(fs::exists(dir_ / "tenants" / "team_b" / "wal"));
  const promconform::Headers a = {{"Authorization", "Bearer token-a"}};
  const promconform::Headers b = {{"Authorization", "Bearer token-b"}};
  EXPECT_EQ(Query(**s, "only_a", a)["data"]["result"].size(), 1u);
  EXPECT_EQ(Query(**s, "only_b", a)["data"]["result"].size(), 0u);
  EXPECT_EQ(Query(**s, "only_b", b)["data"]["result"].size(), 1u);
  EXPECT_EQ(Query(**s, "only_a", b)["data"]["result"].size(), 0u);
}

TEST_F(ServerStorage, NoEndpointShowsOrDeletesAnotherTenantsData) {
  // Exemplars are kept only with the feature on (as in Prometheus); here they must be, to be hidden.
  auto s = Start(kTenantsYaml, {"--enable-feature=exemplar-storage"});
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string base = (*s)->base_url();
  const promconform::Headers a = {{"Authorization", "Bearer token-a"}};
  const promconform::Headers b = {{"Authorization", "Bearer token-b"}};
  wire::WriteRequest req = Series("secret_of_a", 1);
  req.timeseries[0].labels.push_back({"secret_label", "secret_value"});
  req.timeseries[0].exemplars.push_back({{{"trace_id", "secret_trace"}}, 9, now_});
  req.metadata.push_back({wire::MetricType::kGauge, "secret_of_a", "secret help", ""});
  ASSERT_TRUE(promconform::SendRemoteWrite(client_, base + "/api/v1/write", req, a).ok());
  const std::string t = std::to_string(now_ / 1000);
  std::vector<std::string> reads = {
      "/api/v1/query?query=secret_of_a&time=" + t,
      "/api/v1/query?query=%7B__name__%3D~%22.%2B%22%7D&time=" + t,
      "/api/v1/query_range?query=secret_of_a&start=" + std::to_string(now_ / 1000 - 600) + "&end=" + t +
          "&step=15",
      "/api/v1/series?match[]=%7B__name__%3D~%22.%2B%22%7D",
      "/api/v1/labels",
      "/api/v1/label/__name__/values",
      "/api/v1/label/secret_label/values",
      "/api/v1/query_exemplars?query=secret_of_a&start=0&end=" + std::to_string(now_ / 1000 + 60),
      "/federate?match[]=%7B__name__%3D~%22.%2B%22%7D",
      "/api/v1/status/tsdb",
  };
  // /api/v1/metadata lists scraped metadata only (Prometheus never shows remote-written metadata
  // there), so A sees nothing of its own there either; B must still see nothing of A's.
  reads.push_back("/api/v1/metadata");
  for (const std::string& path : reads) {
    const std::string as_b = client_.Get(base + path, b).body;
    EXPECT_EQ(as_b.find("secret"), std::string::npos) << "tenant B sees A's data at " << path << ": " << as_b;
    if (path == "/api/v1/metadata") continue;
    const std::string as_a = client_.Get(base + path, a).body;
    EXPECT_NE(as_a.find("secret"), std::string::npos)
        << "tenant A sees its own data at " << path << ": " << as_a;
  }
  // B deleting A's series by name deletes nothing of A's.
  EXPECT_EQ(client_.PostForm(base + "/api/v1/admin/tsdb/delete_series", "match[]=secret_of_a", b).status,
            204);
  EXPECT_EQ(Query(**s, "secret_of_a", a)["data"]["result"].size(), 1u);
}

TEST_F(ServerStorage, AdminApiWorksOnTheTsdb) {
  auto s = Start();
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string base = (*s)->base_url();
  ASSERT_TRUE(promconform::SendRemoteWrite(client_, base + "/api/v1/write", Series("gone", 1)).ok());
  ASSERT_TRUE(promconform::SendRemoteWrite(client_, base + "/api/v1/write", Series("stays", 1)).ok());
  EXPECT_EQ(client_.PostForm(base + "/api/v1/admin/tsdb/delete_series", "match[]=gone").status, 204);
  EXPECT_EQ(Query(**s, "gone")["data"]["result"].size(), 0u);
  EXPECT_EQ(Query(**s, "stays")["data"]["result"].size(), 1u);
  EXPECT_EQ(client_.PostForm(base + "/api/v1/admin/tsdb/clean_tombstones", "").status, 204);

  auto snap = client_.PostForm(base + "/api/v1/admin/tsdb/snapshot", "");
  ASSERT_EQ(snap.status, 200) << snap.body;
  const std::string name = nlohmann::json::parse(snap.body)["data"]["name"];
  EXPECT_TRUE(fs::is_directory(dir_ / "snapshots" / name)) << name;
  // With the head included, the snapshot holds one block with the surviving series.
  size_t blocks = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "snapshots" / name))
    blocks += fs::exists(e.path() / "meta.json");
  EXPECT_EQ(blocks, 1u);

  auto tsdb = nlohmann::json::parse(client_.Get(base + "/api/v1/status/tsdb").body);
  EXPECT_EQ(tsdb["data"]["headStats"]["numSeries"], 2) << tsdb.dump();

  const std::string metrics = client_.Get(base + "/metrics").body;
  EXPECT_NE(metrics.find("\nprometheus_tsdb_head_series 2\n"), std::string::npos) << metrics;
}

TEST_F(ServerStorage, ADataDirectoryInUseIsRefused) {
  auto first = Start();
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = Start();
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find(dir_.string()), std::string::npos) << second.error().message();
}

// Over real HTTP: cpp-httplib would decode a gzip request body itself and answer 400 when it is not
// gzip; Prometheus' receiver answers 415 for any Content-Encoding but snappy, and the connection
// stays usable. Metadata sent by remote write is stored but /api/v1/metadata lists only scraped
// metadata (none here).
TEST_F(ServerStorage, RemoteWriteEncodingAndMetadataOverHttp) {
  auto s = Start();
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string base = (*s)->base_url();
  wire::WriteRequest req = Series("pc_meta", 1);
  req.metadata.push_back({wire::MetricType::kGauge, "pc_meta", "A gauge.", ""});
  const std::string body = wire::SnappyCompress(wire::EncodeWriteRequest(req));
  auto write = [&](const std::string& encoding) {
    promconform::HttpRequest r;
    r.method = "POST";
    r.url = base + "/api/v1/write";
    r.headers = {{"Content-Type", "application/x-protobuf"},
                 {"Content-Encoding", encoding},
                 {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
    r.body = body;
    return client_.Do(r);
  };
  for (const char* encoding : {"gzip", "deflate", "br", "zstd"}) {
    auto r = write(encoding);
    EXPECT_EQ(r.status, 415) << encoding << ": " << r.body;
    EXPECT_NE(r.body.find("only snappy is acceptable"), std::string::npos) << encoding << ": " << r.body;
  }
  ASSERT_EQ(write("snappy").status, 204);
  EXPECT_EQ(Query(**s, "pc_meta")["data"]["result"].size(), 1u);
  auto meta = nlohmann::json::parse(client_.Get(base + "/api/v1/metadata").body);
  EXPECT_EQ(meta["data"], nlohmann::json::object()) << meta.dump();
}

// Prometheus' hidden block-duration flags: accepted, with its defaults (the maximum derived
// from the retention time) and listed by /api/v1/status/flags.
TEST(Flags, BlockDurations) {
  auto parse = [](std::vector<const char*> argv) {
    argv.insert(argv.begin(), "promref");
    return ParseFlags(static_cast<int>(argv.size()), argv.data());
  };
  auto f = parse({});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->MinBlockDurationMs(), 2 * 3'600'000);
  EXPECT_EQ(f->MaxBlockDurationMs(), 36 * 3'600'000) << "10% of the default 15d retention";
  auto listed = [](const Flags& flags, const std::string& name) {
    for (const auto& [k, v] : flags.AsList()) {
      if (k == name) return v;
    }
    return std::string("(absent)");
  };
  EXPECT_EQ(listed(*f, "storage.tsdb.min-block-duration"), "2h");
  EXPECT_EQ(listed(*f, "storage.tsdb.max-block-duration"), "1d12h");
  f = parse({"--storage.tsdb.min-block-duration=24h", "--storage.tsdb.max-block-duration", "3d"});
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->MinBlockDurationMs(), 24 * 3'600'000);
  EXPECT_EQ(f->MaxBlockDurationMs(), 72 * 3'600'000);
  EXPECT_EQ(listed(*f, "storage.tsdb.min-block-duration"), "1d");
  f = parse({"--storage.tsdb.retention.time=1y"});
  EXPECT_EQ(f->MaxBlockDurationMs(), 31LL * 24 * 3'600'000) << "at most 31d";
  f = parse({"--storage.tsdb.retention.time=0s"});
  EXPECT_EQ(f->MaxBlockDurationMs(), 31LL * 24 * 3'600'000) << "31d without a retention time";
  f = parse({"--storage.tsdb.min-block-duration=0"});
  EXPECT_EQ(f->MinBlockDurationMs(), 2 * 3'600'000) << "zero: the TSDB's default";
  EXPECT_FALSE(parse({"--storage.tsdb.min-block-duration=2x"}).ok());
}

// --storage.tsdb.wal-compression[-type] as Prometheus 3.16: on, snappy, by default; zstd on
// request; off with --no-; any other type refused with kingpin's enum message.
TEST(Flags, WalCompression) {
  auto parse = [](std::vector<const char*> argv) {
    argv.insert(argv.begin(), "promref");
    return ParseFlags(static_cast<int>(argv.size()), argv.data());
  };
  auto listed = [](const Flags& flags, const std::string& name) {
    for (const auto& [k, v] : flags.AsList()) {
      if (k == name) return v;
    }
    return std::string("(absent)");
  };
  auto f = parse({});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(listed(*f, "storage.tsdb.wal-compression"), "true");
  EXPECT_EQ(listed(*f, "storage.tsdb.wal-compression-type"), "snappy");
  f = parse({"--storage.tsdb.wal-compression-type=zstd"});
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->wal_compression_type, "zstd");
  f = parse({"--no-storage.tsdb.wal-compression"});
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->wal_compression);
  EXPECT_EQ(listed(*f, "storage.tsdb.wal-compression"), "false");
  f = parse({"--storage.tsdb.wal-compression-type=lz4"});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message(),
            "--storage.tsdb.wal-compression-type: enum value must be one of snappy,zstd, got 'lz4'");
}

// Every compression setting writes a WAL that a promref with another setting replays.
TEST_F(ServerStorage, WalWrittenWithEachCompressionReplays) {
  const std::vector<std::vector<std::string>> settings = {
      {"--storage.tsdb.wal-compression-type=zstd"}, {"--no-storage.tsdb.wal-compression"}, {}};
  for (size_t i = 0; i < settings.size(); ++i) {
    auto s = Start("", settings[i]);
    ASSERT_TRUE(s.ok()) << s.error().message();
    ASSERT_TRUE(promconform::SendRemoteWrite(client_, (*s)->base_url() + "/api/v1/write",
                                             Series("written_" + std::to_string(i), static_cast<double>(i)))
                    .ok());
    (*s)->Stop();
  }
  auto s = Start("", {"--storage.tsdb.wal-compression-type=zstd"});
  ASSERT_TRUE(s.ok()) << s.error().message();
  for (size_t i = 0; i < settings.size(); ++i) {
    auto j = Query(**s, "written_" + std::to_string(i));
    ASSERT_EQ(j["data"]["result"].size(), 1u) << j.dump();
    EXPECT_EQ(j["data"]["result"][0]["value"][1], std::to_string(i + 9));
  }
}

// A full disk under the remote-write receiver: the write it cannot keep gets a 500 naming the
// cause, never a 2xx; everything acknowledged stays queryable. Needs a tmpfs of its own (root
// with CAP_SYS_ADMIN); skipped, saying so, where mounting is not allowed.
TEST_F(ServerStorage, FullDiskAnswers500AndKeepsAcknowledgedWrites) {
  fs::create_directories(dir_);
  if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                 << "); needs root with CAP_SYS_ADMIN";
  }
  struct Unmount {
    fs::path dir;
    ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
  } unmount{dir_};
  auto s = Start("", {"--no-storage.tsdb.wal-compression"});
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string url = (*s)->base_url() + "/api/v1/write";
  int acked = 0;
  std::string failure;
  for (int i = 0; i < 100000; ++i) {
    wire::WriteRequest req;
    for (int k = 0; k < 20; ++k) {
      wire::TimeSeries ts{
          {{"__name__", "filling"}, {"batch", std::to_string(i)}, {"k", std::to_string(k)}}, {}, {}, {}};
      ts.samples.push_back({now_, static_cast<double>(i)});
      req.timeseries.push_back(std::move(ts));
    }
    const Status st = promconform::SendRemoteWrite(client_, url, req);
    if (!st.ok()) {
      failure = st.error().message();
      break;
    }
    ++acked;
  }
  ASSERT_FALSE(failure.empty()) << "the disk never filled up";
  EXPECT_NE(failure.find("500"), std::string::npos) << failure;
  EXPECT_NE(failure.find("No space left on device"), std::string::npos) << failure;
  auto j = Query(**s, "count(filling)");
  ASSERT_EQ(j["data"]["result"].size(), 1u) << j.dump();
  EXPECT_EQ(j["data"]["result"][0]["value"][1], std::to_string(acked * 20));
  (*s)->Stop();
}

// --enable-feature=use-start-timestamps (Prometheus 3.16's name) turns on the engine option,
// alongside the other features of the list.
TEST(Flags, UseStartTimestampsFeature) {
  auto parse = [](std::vector<const char*> argv) {
    argv.insert(argv.begin(), "promref");
    return ParseFlags(static_cast<int>(argv.size()), argv.data());
  };
  auto f = parse({});
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->use_start_timestamps);
  f = parse({"--enable-feature=promql-delayed-name-removal,use-start-timestamps"});
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_TRUE(f->use_start_timestamps);
  EXPECT_TRUE(f->delayed_name_removal);
}

// The head accepts samples down to half the minimum block duration before its newest one, as
// Prometheus' head does (its out-of-bounds limit is maxt - chunkRange/2).
TEST_F(ServerStorage, MinBlockDurationSetsTheHeadsAppendableWindow) {
  auto one = [&](const std::string& name, int64_t t) {
    wire::WriteRequest req;
    req.timeseries.push_back({{{"__name__", name}}, {{t, 1}}, {}, {}});
    return req;
  };
  constexpr int64_t kHour = 3'600'000;
  {
    auto s = Start("", {"--storage.tsdb.min-block-duration=24h"});
    ASSERT_TRUE(s.ok()) << s.error().message();
    const std::string url = (*s)->base_url() + "/api/v1/write";
    ASSERT_TRUE(promconform::SendRemoteWrite(client_, url, one("newest", now_)).ok());
    EXPECT_TRUE(promconform::SendRemoteWrite(client_, url, one("eleven_hours_old", now_ - 11 * kHour)).ok());
    const Status too_old =
        promconform::SendRemoteWrite(client_, url, one("thirteen_hours_old", now_ - 13 * kHour));
    ASSERT_FALSE(too_old.ok());
    EXPECT_NE(too_old.error().message().find("out of bounds"), std::string::npos)
        << too_old.error().message();
    (*s)->Stop();
  }
  fs::remove_all(dir_);
  auto s = Start();
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string url = (*s)->base_url() + "/api/v1/write";
  ASSERT_TRUE(promconform::SendRemoteWrite(client_, url, one("newest", now_)).ok());
  EXPECT_TRUE(
      promconform::SendRemoteWrite(client_, url, one("fifty_minutes_old", now_ - kHour + 600'000)).ok());
  EXPECT_FALSE(promconform::SendRemoteWrite(client_, url, one("two_hours_old", now_ - 2 * kHour)).ok())
      << "the default 2h blocks take one hour back";
}

// Over real HTTP: HEAD /-/healthy and /-/ready carry the status only, as Prometheus' do (the HTTP
// server must not make up a Content-Type for an empty body).
TEST_F(ServerStorage, HeadOfHealthEndpointsHasNoContentType) {
  auto s = Start();
  ASSERT_TRUE(s.ok()) << s.error().message();
  for (const char* path : {"/-/healthy", "/-/ready"}) {
    auto get = client_.Get((*s)->base_url() + path);
    EXPECT_EQ(get.status, 200) << path;
    EXPECT_EQ(get.Header("Content-Type"), "text/plain; charset=utf-8") << path;
    auto head = client_.Do({"HEAD", (*s)->base_url() + path, {}, ""});
    EXPECT_EQ(head.status, 200) << path;
    EXPECT_EQ(head.body, "") << path;
    EXPECT_EQ(head.Header("Content-Type"), "") << path;
  }
}

// Label names and values come from the TSDB's index, as in Prometheus: a series that ended (with a
// staleness marker) before or inside the window is listed; /api/v1/series goes by chunk times.
TEST_F(ServerStorage, LabelValuesListSeriesThatEndedWithAStalenessMarker) {
  auto s = Start();
  ASSERT_TRUE(s.ok()) << s.error().message();
  const std::string base = (*s)->base_url();
  wire::WriteRequest req;
  wire::TimeSeries gone{{{"__name__", "lv_metric"}, {"instance", "gone"}}, {}, {}, {}};
  wire::TimeSeries alive{{{"__name__", "lv_metric"}, {"instance", "alive"}}, {}, {}, {}};
  for (int i = 0; i < 10; ++i) {
    const int64_t t = now_ - 600'000 + i * 15'000;
    gone.samples.push_back({t, static_cast<double>(i)});
    alive.samples.push_back({t, static_cast<double>(i)});
  }
  gone.samples.push_back({now_ - 440'000, model::StaleNaN()});
  for (int i = 0; i < 20; ++i) alive.samples.push_back({now_ - 400'000 + i * 15'000, 1});
  req.timeseries = {gone, alive};
  ASSERT_TRUE(promconform::SendRemoteWrite(client_, base + "/api/v1/write", req).ok());
  auto get = [&](const std::string& path, int64_t start_ms, int64_t end_ms) {
    const std::string window =
        "&start=" + std::to_string(start_ms / 1000) + "&end=" + std::to_string(end_ms / 1000);
    auto r = client_.Get(base + path + "?match[]=lv_metric" + window);
    return nlohmann::json::parse(r.body)["data"];
  };
  const nlohmann::json both = {"alive", "gone"};
  // The window holds the staleness marker; then one after it.
  EXPECT_EQ(get("/api/v1/label/instance/values", now_ - 450'000, now_ - 100'000), both);
  EXPECT_EQ(get("/api/v1/label/instance/values", now_ - 300'000, now_), both);
  EXPECT_NE(get("/api/v1/labels", now_ - 300'000, now_).dump().find("instance"), std::string::npos);
  EXPECT_EQ(get("/api/v1/series", now_ - 450'000, now_ - 100'000).size(), 2u);
  EXPECT_EQ(get("/api/v1/series", now_ - 300'000, now_).size(), 1u) << "gone's chunk ends before the window";
}

}  // namespace
}  // namespace promref::server
