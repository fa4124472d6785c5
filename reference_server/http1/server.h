// An HTTP/1.x server with the behaviour of Go's net/http server as Prometheus configures it,
// built on one epoll event loop and a pool of handler threads:
//
//  - the event loop owns every connection while it is idle or receiving a request, so idle
//    keep-alive connections and slow or partial requests cost memory, never a thread;
//  - a request whose head and body have arrived goes to a handler thread, which writes the
//    answer; the connection then returns to the loop, which serves any pipelined request next;
//  - framing and size rules, timeouts and the connection limit are Go's (request_parser.h).
//
// Thread safety: Listen() before Run(); Run() serves on the calling thread until Stop(), which
// may be called from any thread at any time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http1/request_parser.h"

namespace promref::http1 {

struct ServerOptions {
  // Go's http.Server.ReadTimeout (Prometheus' --web.read-timeout): the time a request has from
  // its first byte until its body has arrived, and the time an idle keep-alive connection is
  // kept. A connection that runs out of it is closed without an answer, as Go does.
  std::chrono::milliseconds read_timeout = std::chrono::minutes(5);
  // Prometheus' --web.max-connections: connections beyond it wait in the kernel's accept queue
  // until one closes (Go's LimitListener). 0 means no limit.
  int max_connections = 512;
  // Request bodies are buffered whole before the handler runs (Go streams them). One larger
  // than this is answered 413 and the connection closed.
  size_t max_body_bytes = 64u << 20;
  // Handler threads: started on demand, up to this many requests handled at once.
  int max_handler_threads = 256;
};

struct ServerRequest {
  RequestHead head;
  std::string body;
  // Set when the body could not be read (broken chunked framing): `body` is what arrived before
  // it, as a Go handler's read would have returned it with this error.
  std::string body_error;
  std::string remote_addr;  // "ip:port", "[ip6]:port"
};

// Go's http.ResponseWriter for one exchange. Headers are sent with the first body bytes beyond
// 2048 (then chunked, or close-delimited for HTTP/1.0) or when the handler returns (then with a
// Content-Length), exactly as Go's server decides.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // Status and header fields (sent sorted by name, as Go does). Only the first call counts.
  virtual void WriteHeader(int status, std::vector<std::pair<std::string, std::string>> headers) = 0;
  // Appends body bytes (discarded for HEAD and bodiless statuses); false once the client is gone.
  virtual bool Write(std::string_view data) = 0;
};

using ServerHandler = std::function<void(ServerRequest& req, ResponseWriter& w)>;

class Server {
 public:
  Server(ServerHandler handler, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on host:port (port 0 picks a free one). Returns the error text, "" on success.
  std::string Listen(const std::string& host, int port);
  int port() const;
  void Run();
  // Stops accepting, closes idle connections at once, lets in-flight handlers finish their
  // answers, and makes Run() return. Idempotent; a Run() after Stop() returns at once.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Raises the soft limit on open files to the hard limit, as every Go program does when it
// starts: each connection is a descriptor, and the soft default (often 1024) is far too few.
void RaiseOpenFilesLimit();

// Go's http.TimeFormat ("Mon, 02 Jan 2006 15:04:05 GMT") of now.
std::string HttpDateNow();

}  // namespace promref::http1
