// Writes the seed corpus of fuzz_http1_request into a directory: well-formed requests of every
// framing (length, chunked with extensions and trailer, none, HTTP/1.0, pipelined, Expect,
// folded headers) and the broken ones Go rejects, each behind the after-POST flag byte.
//
// usage: fuzz_http1_request_seeds DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string h = "Host: x\r\n";
  const std::vector<std::string> requests = {
      "GET /api/v1/query?query=up&time=1 HTTP/1.1\r\n" + h + "\r\n",
      "POST /api/v1/query HTTP/1.1\r\n" + h +
          "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n\r\nquery=up",
      "POST /api/v1/write HTTP/1.1\r\n" + h +
          "Transfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n"
          "3;ext=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
      "POST /api/v1/admin/tsdb/snapshot HTTP/1.1\r\n" + h + "\r\n",
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
      "POST / HTTP/1.1\r\n" + h + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
      "GET http://h:9090/-/ready HTTP/1.1\r\n" + h + "X-A: a\r\n b\r\n\r\n",
      "GET /-/ready HTTP/1.1\nHost: x\n\n",
      "OPTIONS * HTTP/1.1\r\n" + h + "\r\n",
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      "\r\nGET / HTTP/1.1\r\n" + h + "\r\n",
      "POST / HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n",
      "GET /a%zz HTTP/1.1\r\n" + h + "\r\n",
      "GET / HTTP/2.0\r\n" + h + "\r\n",
  };
  std::filesystem::create_directories(argv[1]);
  int i = 0;
  for (const std::string& r : requests) {
    for (char flag : {'\0', '\1'}) {
      std::ofstream(std::string(argv[1]) + "/seed" + std::to_string(i++), std::ios::binary) << flag << r;
    }
  }
  return 0;
}
