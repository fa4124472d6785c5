// promref's HTTP front door against real Prometheus 3.16 (the pinned module build), byte for
// byte where it matters: the same raw requests (broken framing, size limits, pipelining,
// HTTP/1.0, Expect, router errors) must get the same status line, the same significant headers
// and the same body from both.
//
// Ignored, and why: Date (the clock); header order (Go writes a sniffed Content-Type after
// Content-Length, which promref cannot tell from a set one; no client depends on order); the
// bytes and length of a compressed body (two compressors; the inflated bodies are compared).
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "http1/testing/raw_socket.h"
#include "peers/local_peer.h"
#include "server/promref_server.h"

namespace promref::api {
namespace {

using http1::testing::Exchange;

// Inflates a gzip or zlib body (compressors differ in their bytes, not in what they carry).
std::string Inflate(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return "<inflate failed>";
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "<bad compressed body>";
}

struct Answer {
  std::string status_line;
  std::vector<std::string> headers;  // "Name: value", sorted, without Date
  std::string body;
  bool closed = false;  // the server closed the connection (no timeout)
};

// Splits raw bytes holding one or more answers; the last one's body runs to the end.
std::vector<Answer> ParseAnswers(std::string raw) {
  std::vector<Answer> out;
  bool timed_out = false;
  if (const size_t t = raw.find("<timeout>"); t != std::string::npos) {
    timed_out = true;
    raw.erase(t);
  }
  size_t at = 0;
  while (at < raw.size()) {
    Answer a;
    const size_t head_end = raw.find("\r\n\r\n", at);
    if (head_end == std::string::npos) {
      a.body = raw.substr(at);
      out.push_back(a);
      break;
    }
    std::string head = raw.substr(at, head_end - at);
    size_t line_end = head.find("\r\n");
    a.status_line = head.substr(0, line_end);
    size_t content_length = std::string::npos;
    while (line_end != std::string::npos) {
      const size_t next = head.find("\r\n", line_end + 2);
      const std::string line =
          head.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
      line_end = next;
      if (line.rfind("Date: ", 0) == 0) continue;
      if (line.rfind("Content-Length: ", 0) == 0) content_length = std::stoul(line.substr(16));
      a.headers.push_back(line);
    }
    std::sort(a.headers.begin(), a.headers.end());
    at = head_end + 4;
    const bool interim = a.status_line.find(" 100 ") != std::string::npos;
    const size_t n = interim ? 0 : content_length == std::string::npos ? raw.size() - at : content_length;
    a.body = raw.substr(at, n);
    at += n;
    const bool compressed = std::any_of(a.headers.begin(), a.headers.end(), [](const std::string& line) {
      return line == "Content-Encoding: gzip" || line == "Content-Encoding: deflate";
    });
    if (compressed) {
      a.body = Inflate(a.body);
      a.headers.erase(
          std::remove_if(a.headers.begin(), a.headers.end(),
                         [](const std::string& line) { return line.rfind("Content-Length: ", 0) == 0; }),
          a.headers.end());
    }
    out.push_back(a);
  }
  if (!out.empty()) out.back().closed = !timed_out;
  return out;
}

std::string Show(const std::vector<Answer>& answers) {
  std::string s;
  for (const Answer& a : answers) {
    s += a.status_line + "\n";
    for (const auto& h : a.headers) s += "  " + h + "\n";
    s += "  body: " + a.body.substr(0, 200) + "\n";
    s += a.closed ? "  (closed)\n" : "";
  }
  return s;
}

struct Case {
  const char* name;
  std::string request;
};

std::vector<Case> Cases() {
  const std::string h = "Host: x\r\n";
  const std::string form = "Content-Type: application/x-www-form-urlencoded\r\n";
  const std::string q = "query=1&time=100";
  const std::string big_form = "query=1" + std::string(6 << 20, '&') + "&x=" + std::string(5 << 20, 'y');
  return {
      {"negative Content-Length", "POST /api/v1/query HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n"},
      {"empty Content-Length", "POST /api/v1/query HTTP/1.1\r\n" + h + "Content-Length: \r\n\r\n"},
      {"conflicting Content-Length",
       "POST /api/v1/query HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nquery"},
      {"equal Content-Length twice",
       "POST /api/v1/query HTTP/1.1\r\n" + h + form +
           "Content-Length: 16\r\nContent-Length: 16\r\nConnection: close\r\n\r\n" + q},
      {"gzip, chunked",
       "POST /api/v1/query HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
      {"two Transfer-Encodings", "POST /api/v1/query HTTP/1.1\r\n" + h +
                                     "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"},
      {"chunked body", "POST /api/v1/query HTTP/1.1\r\n" + h + form +
                           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n10\r\n" + q +
                           "\r\n0\r\n\r\n"},
      {"broken chunked body", "POST /api/v1/query HTTP/1.1\r\n" + h + form +
                                  "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n" + q +
                                  "\r\n"},
      {"POST without length",
       "POST /api/v1/admin/tsdb/clean_tombstones HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"no Host", "GET /api/v1/query?query=1 HTTP/1.1\r\n\r\n"},
      {"two Hosts", "GET /-/ready HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"},
      {"space before colon", "GET /-/ready HTTP/1.1\r\n" + h + "X-A : b\r\n\r\n"},
      {"header without colon", "GET /-/ready HTTP/1.1\r\n" + h + "foo\r\n\r\n"},
      {"control byte in header", "GET /-/ready HTTP/1.1\r\n" + h + "X-A: a\x01z\r\n\r\n"},
      {"HTTP/2.0 request line", "GET /-/ready HTTP/2.0\r\n" + h + "\r\n"},
      {"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
      {"HTTP/0.9", "GET /\r\n\r\n"},
      {"bad method", "G(T /-/ready HTTP/1.1\r\n" + h + "\r\n"},
      {"lower-case method", "get /-/ready HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"relative URI", "GET foo HTTP/1.1\r\n" + h + "\r\n"},
      {"bad escape in path", "GET /api/v1/label/%zz/values HTTP/1.1\r\n" + h + "\r\n"},
      {"escaped path", "GET /api/v1/label/__n%61me__/values HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"absolute URI", "GET http://other/-/ready HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"OPTIONS *", "OPTIONS * HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"leading CRLF", "\r\nGET /-/ready HTTP/1.1\r\n" + h + "\r\n"},
      {"CRLF after a POST", "POST /api/v1/query HTTP/1.1\r\n" + h + form + "Content-Length: 16\r\n\r\n" + q +
                                "\r\n\r\nGET /-/healthy HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"bare LF lines", "GET /-/ready HTTP/1.1\n" + std::string("Host: x\nConnection: close\n\n")},
      {"folded header", "GET /-/ready HTTP/1.1\r\n" + h + "X-A: a\r\n b\r\nConnection: close\r\n\r\n"},
      {"Expect: foo",
       "POST /api/v1/query HTTP/1.1\r\n" + h + "Expect: foo\r\nContent-Length: 16\r\n\r\n" + q},
      {"Expect: 100-continue", "POST /api/v1/query HTTP/1.1\r\n" + h + form +
                                   "Expect: 100-continue\r\nContent-Length: 16\r\nConnection: close\r\n\r\n" +
                                   q},
      {"pipelined", "GET /-/ready HTTP/1.1\r\n" + h + "\r\nGET /-/healthy HTTP/1.1\r\n" + h +
                        "\r\nGET /api/v1/query?" + q + " HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"HTTP/1.0", "GET /api/v1/query?" + q + " HTTP/1.0\r\n\r\n"},
      {"HTTP/1.0 keep-alive",
       "GET /-/ready HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /-/healthy HTTP/1.0\r\n\r\n"},
      {"HTTP/1.0 ignores Transfer-Encoding", "POST /api/v1/query HTTP/1.0\r\nTransfer-Encoding: gzip\r\n" +
                                                 form + "Content-Length: 16\r\n\r\n" + q},
      {"gzip answer",
       "GET /api/v1/query?" + q + " HTTP/1.1\r\n" + h + "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n"},
      {"deflate answer",
       "GET /api/v1/labels HTTP/1.1\r\n" + h + "Accept-Encoding: br, deflate\r\nConnection: close\r\n\r\n"},
      {"gzip with a weight is not gzip", "GET /api/v1/query?" + q + " HTTP/1.1\r\n" + h +
                                             "Accept-Encoding: gzip;q=1.0\r\nConnection: close\r\n\r\n"},
      {"CORS preflight", "OPTIONS /api/v1/query HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"unknown path", "GET /nope HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"unknown API path", "GET /api/v1/nope HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"wrong method",
       "DELETE /api/v1/query HTTP/1.1\r\n" + h + "Origin: http://a\r\nConnection: close\r\n\r\n"},
      {"unknown method", "FOO /-/ready HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"HEAD on a GET-only path",
       "HEAD /api/v1/query?" + q + " HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"HEAD /-/ready", "HEAD /-/ready HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"URL of 512 KiB", "GET /api/v1/query?time=100&query=1" + std::string(512 << 10, '+') +
                             " HTTP/1.1\r\n" + h + "Connection: close\r\n\r\n"},
      {"header of 512 KiB", "GET /-/ready HTTP/1.1\r\n" + h + "X-Big: " + std::string(512 << 10, 'a') +
                                "\r\nConnection: close\r\n\r\n"},
      {"head over 1 MiB",
       "GET /-/ready?" + std::string((1 << 20) + 8192, 'a') + " HTTP/1.1\r\n" + h + "\r\n"},
      {"form of 10,000 parameters", "POST /api/v1/query HTTP/1.1\r\n" + h + form +
                                        "Content-Length: " + std::to_string(9998 + q.size()) +
                                        "\r\nConnection: close\r\n\r\n" + q + std::string(9998, '&')},
      {"form of 10,001 parameters (Go refuses it whole)",
       "POST /api/v1/query HTTP/1.1\r\n" + h + form + "Content-Length: " + std::to_string(9999 + q.size()) +
           "\r\nConnection: close\r\n\r\n" + q + std::string(9999, '&')},
      {"form body over 10 MiB", "POST /api/v1/query HTTP/1.1\r\n" + h + form +
                                    "Content-Length: " + std::to_string(big_form.size()) +
                                    "\r\nConnection: close\r\n\r\n" + big_form},
  };
}

class FramingDiff : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto peer = promconform::LocalPeer::Start(promconform::PinnedPrometheusPeer());
    ASSERT_TRUE(peer.ok()) << peer.error().message();
    prometheus_ = std::move(*peer).release();
    auto ref = server::StartEmbedded({});
    ASSERT_TRUE(ref.ok()) << ref.error().message();
    promref_ = std::move(*ref).release();
  }
  static void TearDownTestSuite() {
    delete promref_;
    delete prometheus_;
  }
  static promconform::LocalPeer* prometheus_;
  static server::PromrefServer* promref_;
};
promconform::LocalPeer* FramingDiff::prometheus_ = nullptr;
server::PromrefServer* FramingDiff::promref_ = nullptr;

TEST_F(FramingDiff, EveryCaseAnswersAsPrometheus) {
  int same = 0;
  const auto cases = Cases();
  for (const Case& c : cases) {
    // Keep-alive answers leave the connection open: 2 s without data ends the read.
    const auto want = ParseAnswers(Exchange(prometheus_->port(), c.request, 2000));
    const auto got = ParseAnswers(Exchange(promref_->port(), c.request, 2000));
    ASSERT_FALSE(want.empty()) << c.name << ": Prometheus did not answer";
    bool equal = want.size() == got.size();
    for (size_t i = 0; equal && i < want.size(); ++i) {
      equal = want[i].status_line == got[i].status_line && want[i].headers == got[i].headers &&
              want[i].body == got[i].body && want[i].closed == got[i].closed;
    }
    EXPECT_TRUE(equal) << c.name << "\n--- Prometheus 3.16:\n" << Show(want) << "--- promref:\n" << Show(got);
    same += equal;
  }
  std::printf("front door: %d of %zu raw requests answered as Prometheus 3.16 does\n", same, cases.size());
}

}  // namespace
}  // namespace promref::api
