// The HTTP server under the API: http1::Server (Go's net/http behaviour on an event loop)
// carries the bytes; everything else (routing, forms, tenancy) is ours. Every request goes to
// one top-level handler.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/http.h"
#include "model/error.h"

namespace promref::api {

struct HttpServerOptions {
  // --web.read-timeout: how long a request may take to arrive, and an idle connection may stay.
  std::chrono::milliseconds read_timeout = std::chrono::minutes(5);
  // --web.max-connections: connections beyond it wait to be accepted (0: no limit).
  int max_connections = 512;
};

class HttpServer {
 public:
  using TopHandler = std::function<Response(Request&)>;

  explicit HttpServer(TopHandler handler, HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0 picks a free one).
  Status Bind(const std::string& host, int port);
  int port() const { return port_; }
  // Serves until Stop(); returns when stopped. Run() runs at most once.
  void Run();
  // Stops serving, from any thread, whether or not Run() has started yet (a Run() that starts
  // after Stop() returns at once). Idle keep-alive connections are closed at once; answers in
  // progress are finished.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace promref::api
