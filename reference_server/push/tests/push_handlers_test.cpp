// The push handlers through promref's Router: statuses, bodies, formats, gzip.
#include "push/push_handlers.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace promref::push {
namespace {

class PushHandlersTest : public ::testing::Test {
 protected:
  PushHandlersTest() : handlers_(&store_, [] { return 100.0; }) { handlers_.Register(&router_); }

  api::Response Do(std::string method, std::string path, std::string body = "",
                   api::HeaderList headers = {}) {
    api::Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.body = std::move(body);
    req.headers = std::move(headers);
    return router_.Dispatch(req);
  }

  PushStore store_;
  PushHandlers handlers_;
  api::Router router_;
};

std::string Gzip(std::string_view s) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(s.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = s.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST_F(PushHandlersTest, PutPostDeleteStatuses) {
  EXPECT_EQ(Do("PUT", "/metrics/job/j", "a 1\n").status, 200);
  EXPECT_EQ(Do("POST", "/metrics/job/j/x/y", "a 1\n").status, 200);
  EXPECT_EQ(Do("DELETE", "/metrics/job/j").status, 202);
  EXPECT_EQ(Do("DELETE", "/metrics/job/nothing").status, 202);
  EXPECT_EQ(store_.Groups().size(), 1u);
}

TEST_F(PushHandlersTest, BadKeysAndBodies) {
  api::Response r = Do("PUT", "/metrics/job/j/a", "a 1\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "odd number of components in label string \"/a\"\n");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  r = Do("PUT", "/metrics/job/j", "a{ 1\n");
  EXPECT_EQ(r.status, 400);
  r = Do("PUT", "/metrics/job/j", "a 1 123\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "pushed metrics are invalid or inconsistent with existing metrics: pushed metrics must not have "
            "timestamps\n");
  EXPECT_EQ(Do("PUT", "/metrics/job@base64/=", "").body, "job name is required\n");
}

TEST_F(PushHandlersTest, Base64JobAndCleanPath) {
  EXPECT_EQ(Do("PUT", "/metrics/job@base64/Zm9vL2Jhcg", "a 1\n").status, 200);
  EXPECT_EQ(store_.Groups().at(0).key.job(), "foo/bar");
  api::Response r = Do("PUT", "/metrics/job/j//a/b", "a 1\n");
  EXPECT_EQ(r.status, 301);
}

TEST_F(PushHandlersTest, Gzip) {
  EXPECT_EQ(Do("PUT", "/metrics/job/j", Gzip("a 1\n"), {{"Content-Encoding", "GZIP"}}).status, 200);
  api::Response r = Do("PUT", "/metrics/job/j", "", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "EOF\n");
  r = Do("PUT", "/metrics/job/j", "not gzip at all", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.body, "gzip: invalid header\n");
}

TEST_F(PushHandlersTest, ProtobufContentTypeChoosesParser) {
  // A delimited MetricFamily: name "p", type GAUGE, one metric with gauge value 2.
  const std::string mf = std::string("\x0a\x01p\x18\x01\x22\x0b\x12\x09\x09", 10) +
                         std::string("\x00\x00\x00\x00\x00\x00\x00\x40", 8);
  const std::string body = std::string(1, static_cast<char>(mf.size())) + mf;
  const api::HeaderList ct = {
      {"Content-Type",
       "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"}};
  ASSERT_EQ(Do("PUT", "/metrics/job/j", body, ct).status, 200);
  bool found = false;
  for (const PushedSample& s : store_.Samples()) {
    if (s.family == "p") {
      found = true;
      EXPECT_EQ(s.value, 2);
      EXPECT_EQ(s.metadata.type, MetricType::kGauge);
    }
  }
  EXPECT_TRUE(found);
  // The same bytes without the Content-Type are read as text, and fail.
  EXPECT_EQ(Do("PUT", "/metrics/job/j", body).status, 400);
}

TEST_F(PushHandlersTest, UnknownPathsAndMethods) {
  EXPECT_EQ(Do("PUT", "/metrics/job").status, 404);
  EXPECT_EQ(Do("GET", "/metrics/job/j").status, 405);
}

}  // namespace
}  // namespace promref::push
