// The HTTP server under the API: cpp-httplib carries the bytes; everything else (routing,
// forms, tenancy) is ours. Every request goes to one top-level handler.
#pragma once

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
  // Serves until Stop(); returns when stopped.
  void Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace promref::api
