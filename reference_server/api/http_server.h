// The HTTP server under the API: cpp-httplib carries the bytes; everything else (routing,
// forms, tenancy) is ours. Every request goes to one top-level handler.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "api/http.h"
#include "model/error.h"

namespace promref::api {

class HttpServer {
 public:
  using TopHandler = std::function<Response(Request&)>;

  explicit HttpServer(TopHandler handler, int threads = 16);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0 picks a free one).
  Status Bind(const std::string& host, int port);
  int port() const { return port_; }
  // Serves until Stop(); returns when stopped. Run() runs at most once.
  void Run();
  // Stops serving, from any thread, whether or not Run() has started yet (a Run() that starts
  // after Stop() returns at once). Idle keep-alive connections are closed at once.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  // Stop() and Run() each publish their flag before reading the other's (sequentially
  // consistent), so either Run() sees the stop, or Stop() sees Run() and waits until httplib
  // is running before stopping it (httplib ignores a stop() that comes before listening).
  std::atomic<bool> stopping_{false};
  std::atomic<bool> run_entered_{false};
  std::atomic<bool> run_exited_{false};
};

}  // namespace promref::api
