#include "api/http_server.h"

#include "http1/server.h"

namespace promref::api {
namespace {

// One exchange: the wire request becomes our Request, the handler's Response goes out through
// Go's response-writer rules (http1::ResponseWriter).
void Serve(const HttpServer::TopHandler& top, http1::ServerRequest& in, http1::ResponseWriter& w) {
  Request req;
  // The head stays with the connection (its answer depends on the method and protocol).
  req.method = in.head.method;
  req.path = in.head.path;
  req.raw_query = in.head.raw_query;
  req.headers = in.head.headers;
  req.body = std::move(in.body);
  req.body_error = std::move(in.body_error);
  req.remote_addr = std::move(in.remote_addr);
  req.ParseForm();
  Response resp = top(req);
  HeaderList headers = std::move(resp.headers);
  // Go sniffs a Content-Type from the first body bytes a handler writes: a handler that
  // writes none (HEAD /-/healthy, a successful /-/reload) sends no Content-Type at all.
  if (!resp.content_type.empty()) {
    headers.emplace_back("Content-Type", resp.content_type);
  } else if (!resp.body.empty() || resp.stream) {
    headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  }
  w.WriteHeader(resp.status, std::move(headers));
  if (resp.stream) {
    resp.stream([&w](std::string_view chunk) { return w.Write(chunk); });
  } else {
    w.Write(resp.body);
  }
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(http1::ServerHandler h, http1::ServerOptions o) : server(std::move(h), o) {}
  http1::Server server;
};

HttpServer::HttpServer(TopHandler handler, HttpServerOptions options) {
  http1::ServerOptions o;
  o.read_timeout = options.read_timeout;
  o.max_connections = options.max_connections;
  impl_ = std::make_unique<Impl>(
      [top = std::move(handler)](http1::ServerRequest& in, http1::ResponseWriter& w) { Serve(top, in, w); },
      o);
}

HttpServer::~HttpServer() {
  Stop();
}

Status HttpServer::Bind(const std::string& host, int port) {
  if (std::string error = impl_->server.Listen(host, port); !error.empty()) {
    return Error(ErrorKind::kUnavailable, error);
  }
  port_ = impl_->server.port();
  return {};
}

void HttpServer::Run() {
  impl_->server.Run();
}

void HttpServer::Stop() {
  if (impl_) impl_->server.Stop();
}

}  // namespace promref::api
