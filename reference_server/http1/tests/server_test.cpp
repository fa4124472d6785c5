// The server over real loopback sockets: pipelining, framing, HTTP/1.0, timeouts, the
// connection limit, and storms of idle and partial connections while another client is served.
// Bounds here are hang detectors (a receive timeout), never speed assertions.
#include "http1/server.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "http1/testing/raw_socket.h"

namespace promref::http1 {
namespace {

// An echo handler: "<method> <path>?<query> body=<bytes>" ; /big answers 100,000 bytes in pieces;
// /slow waits 200 ms first.
void Echo(ServerRequest& req, ResponseWriter& w) {
  if (req.head.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(200));
  w.WriteHeader(200, {{"Content-Type", "text/plain"}, {"X-Body-Error", req.body_error}});
  if (req.head.path == "/big") {
    for (int i = 0; i < 100; ++i) w.Write(std::string(1000, static_cast<char>('a' + i % 26)));
    return;
  }
  w.Write(req.head.method + " " + req.head.path + "?" + req.head.raw_query + " body=" + req.body);
}

class TestServer {
 public:
  explicit TestServer(ServerOptions o = {}) : server_(Echo, o) {
    EXPECT_EQ(server_.Listen("127.0.0.1", 0), "");
    thread_ = std::thread([this] { server_.Run(); });
  }
  ~TestServer() {
    server_.Stop();
    thread_.join();
  }
  int port() const { return server_.port(); }
  Server& server() { return server_; }

 private:
  Server server_;
  std::thread thread_;
};

using testing::Connect;
using testing::CountOf;
using testing::Exchange;
using testing::ReadAll;
using testing::ReadUntil;
using testing::Send;

TEST(Http1Server, AnswersPipelinedRequestsInOrder) {
  TestServer s;
  std::string reqs;
  for (int i = 0; i < 10; ++i) reqs += "GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  reqs += "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string out = Exchange(s.port(), reqs);
  EXPECT_EQ(CountOf(out, "HTTP/1.1 200 OK"), 11) << out;
  size_t at = 0;
  for (int i = 0; i < 10; ++i) {
    const size_t next = out.find("GET /r" + std::to_string(i) + "?", at);
    ASSERT_NE(next, std::string::npos) << i;
    at = next;
  }
  EXPECT_NE(out.find("GET /last?", at), std::string::npos);
}

TEST(Http1Server, ReadsBodiesAsGoDoes) {
  TestServer s;
  // A POST with neither length nor chunking has an empty body (curl -X POST .../snapshot).
  std::string out = Exchange(s.port(), "POST /snap HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("POST /snap? body="), std::string::npos) << out;
  out = Exchange(s.port(),
                 "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                 "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n");
  EXPECT_NE(out.find("body=abcde"), std::string::npos) << out;
  // Broken chunking reaches the handler as a body error, and the connection closes after.
  out = Exchange(s.port(), "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX");
  EXPECT_NE(out.find("X-Body-Error: malformed chunked encoding"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
  out = Exchange(s.port(),
                 "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: "
                 "close\r\n\r\nhi");
  EXPECT_EQ(out.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("body=hi"), std::string::npos);
}

TEST(Http1Server, FramesAnswersAsGoDoes) {
  TestServer s;
  std::string out = Exchange(s.port(), "GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: "), std::string::npos) << out;
  out = Exchange(s.port(), "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(out.find("\r\n0\r\n\r\n"), std::string::npos);
  // HTTP/1.0: a long answer ends with the connection; a short one keeps it if asked to.
  out = Exchange(s.port(), "GET /big HTTP/1.0\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
  EXPECT_EQ(out.find("Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(out.size() - out.find("\r\n\r\n") - 4, 100000u);
  out = Exchange(s.port(), "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n");
  EXPECT_EQ(CountOf(out, "HTTP/1.0 200 OK"), 2) << out;
  EXPECT_NE(out.find("Connection: keep-alive"), std::string::npos);
  // HEAD: the length of what GET would send, no body.
  out = Exchange(s.port(), "HEAD /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: 14"), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.find("\r\n\r\n") + 4), "");
  // "OPTIONS *" is the server's; "*" with another method is a 400.
  out = Exchange(s.port(), "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  out = Exchange(s.port(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << out;
}

TEST(Http1Server, RejectsBrokenFramingAndCloses) {
  TestServer s;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
      {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       "HTTP/1.1 501 Not Implemented\r\n"},
      {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol"},
      {"GET / HTTP/1.1\r\nX-Big: " + std::string(kMaxHeadBytes, 'a'), "HTTP/1.1 431 "},
  };
  for (const auto& [req, want] : cases) {
    const std::string out = Exchange(s.port(), req);
    EXPECT_EQ(out.rfind(want, 0), 0u) << req.substr(0, 60) << " -> " << out.substr(0, 100);
    EXPECT_EQ(out.find("<timeout>"), std::string::npos);
  }
}

TEST(Http1Server, ReadTimeoutClosesSlowAndIdleConnections) {
  ServerOptions o;
  o.read_timeout = std::chrono::milliseconds(300);
  TestServer s(o);
  const int partial = Connect(s.port());
  Send(partial, "GET / HTTP/1.1\r\nHost:");
  EXPECT_EQ(ReadAll(partial), "");  // closed without an answer, as Go does
  close(partial);
  const int idle = Connect(s.port());
  Send(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string out = ReadAll(idle);  // answered, then closed once idle too long
  EXPECT_EQ(CountOf(out, "HTTP/1.1 200 OK"), 1);
  EXPECT_EQ(out.find("<timeout>"), std::string::npos);
  close(idle);
}

TEST(Http1Server, ConnectionsBeyondTheLimitWaitToBeAccepted) {
  ServerOptions o;
  o.max_connections = 2;
  TestServer s(o);
  const int a = Connect(s.port());
  const int b = Connect(s.port());
  Send(a, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  Send(b, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(CountOf(ReadUntil(a, "200 OK", 1), "200 OK"), 1);
  EXPECT_EQ(CountOf(ReadUntil(b, "200 OK", 1), "200 OK"), 1);
  const int c = Connect(s.port(), 500);  // the kernel completes the handshake; the server waits
  Send(c, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ReadUntil(c, "200 OK", 1), "");
  close(a);  // room for one more: c is accepted and answered
  timeval tv{10, 0};
  setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  EXPECT_EQ(CountOf(ReadUntil(c, "200 OK", 1), "200 OK"), 1);
  close(b);
  close(c);
}

// Raises the open-files limit as Go does, and says how many connection pairs fit in it.
int ConnectionBudget(int want) {
  RaiseOpenFilesLimit();
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  const int fit = static_cast<int>((std::min<rlim_t>(lim.rlim_cur, 1 << 20) - 256) / 2);
  return std::min(want, fit);
}

// 10,000 idle keep-alive connections, hundreds of partial requests and slow senders: a client
// querying meanwhile is answered every time, in order.
TEST(Http1Server, StormsOfIdleAndPartialConnectionsStarveNoOne) {
  ServerOptions o;
  o.max_connections = 0;
  TestServer s(o);
  const int idle_count = ConnectionBudget(10000) - 600;
  ASSERT_GT(idle_count, 1000) << "too few file descriptors for the storm";
  std::vector<int> fds;
  for (int i = 0; i < idle_count; ++i) {
    const int fd = Connect(s.port());
    ASSERT_GE(fd, 0) << i;
    if (i % 10 == 0) Send(fd, "GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");  // some idle after an exchange
    fds.push_back(fd);
  }
  for (int i = 0; i < 300; ++i) {
    const int fd = Connect(s.port());
    Send(fd, i % 2 ? "GET /partial HTTP/1.1\r\nHo"
                   : "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab");
    fds.push_back(fd);
  }
  std::atomic<bool> done{false};
  std::thread slowloris([&] {
    std::vector<int> slow;
    for (int i = 0; i < 200; ++i) slow.push_back(Connect(s.port()));
    const std::string req = "GET /slow-sender HTTP/1.1\r\nHost: x\r\n";
    for (size_t at = 0; !done && at < req.size(); ++at) {
      for (int fd : slow) Send(fd, req.substr(at, 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (int fd : slow) close(fd);
  });
  const int client = Connect(s.port());
  for (int i = 0; i < 200; ++i) {
    Send(client, "GET /q" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string out = ReadUntil(client, "body=", 1);
    ASSERT_NE(out.find("GET /q" + std::to_string(i) + "?"), std::string::npos) << i << ": " << out;
  }
  done = true;
  slowloris.join();
  // The idle ones are still served when they speak.
  for (int i = 0; i < idle_count; i += idle_count / 20) {
    Send(fds[i], "GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(ReadUntil(fds[i], "GET /late?", 1).find("GET /late?"), std::string::npos) << i;
  }
  for (int fd : fds) close(fd);
  close(client);
}

// Random damage to valid requests, fixed seed: every connection gets an answer (or a close),
// none hangs, and the server still answers a clean request afterwards.
TEST(Http1Server, MutatedRequestsNeverHang) {
  TestServer s;
  const std::vector<std::string> seeds = {
      "GET /api/v1/query?query=up HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\nConnection: close\r\n\r\nquery=up",
      "POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: "
      "close\r\n\r\n2\r\nab\r\n0\r\n\r\n",
  };
  std::mt19937 rng(17);
  for (int i = 0; i < 400; ++i) {
    std::string req = seeds[i % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % req.size();
      switch (rng() % 4) {
        case 0: req[at] = static_cast<char>(rng() % 256); break;
        case 1: req.erase(at, 1 + rng() % 3); break;
        case 2: req.insert(at, 1, "\r\n: \t0-;"[rng() % 8]); break;
        default: req.insert(at, req.substr(rng() % req.size(), 5)); break;
      }
      if (req.empty()) req = "x";
    }
    // A request cut short waits for the rest: half-close so the server sees the end.
    const std::string out = Exchange(s.port(), req, 5000, /*half_close=*/true);
    EXPECT_EQ(out.find("<timeout>"), std::string::npos) << "hung on: " << ::testing::PrintToString(req);
    if (!out.empty()) {
      EXPECT_EQ(out.rfind("HTTP/1.", 0), 0u) << ::testing::PrintToString(req);
    }
  }
  EXPECT_NE(Exchange(s.port(), seeds[0]).find("200 OK"), std::string::npos);
}

TEST(Http1Server, StopClosesIdleConnectionsAndFinishesAnswers) {
  auto s = std::make_unique<TestServer>();
  const int idle = Connect(s->port());
  const int busy = Connect(s->port());
  Send(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.reset();  // Stop() and join
  EXPECT_EQ(ReadAll(idle), "");
  EXPECT_NE(ReadAll(busy).find("GET /slow?"), std::string::npos);
  close(idle);
  close(busy);
}

}  // namespace
}  // namespace promref::http1
