#include "api/http_server.h"

#include <httplib.h>

namespace promref::api {

struct HttpServer::Impl {
  httplib::Server server;
  TopHandler handler;
};

namespace {

void Serve(const HttpServer::TopHandler& top, const httplib::Request& in, httplib::Response& out) {
  Request req;
  req.method = in.method;
  req.path = in.path;
  if (const size_t q = in.target.find('?'); q != std::string::npos) req.raw_query = in.target.substr(q + 1);
  for (const auto& [k, v] : in.headers) req.headers.emplace_back(k, v);
  req.body = in.body;
  req.remote_addr = in.remote_addr;
  req.ParseForm();
  Response resp = top(req);
  out.status = resp.status;
  for (const auto& [k, v] : resp.headers) out.set_header(k, v);
  if (resp.status == 204 || resp.status == 304) return;
  if (resp.stream) {
    auto stream = std::move(resp.stream);
    out.set_chunked_content_provider(resp.content_type, [stream](size_t, httplib::DataSink& sink) {
      stream([&sink](std::string_view chunk) {
        return chunk.empty() || sink.write(chunk.data(), chunk.size());
      });
      sink.done();
      return true;
    });
    return;
  }
  out.set_content(resp.body, resp.content_type.empty() ? "text/plain; charset=utf-8" : resp.content_type);
}

}  // namespace

HttpServer::HttpServer(TopHandler handler, int threads) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  httplib::Server& s = impl_->server;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(30);
  s.set_read_timeout(300);
  s.set_write_timeout(300);
  s.set_payload_max_length(64 << 20);
  s.set_tcp_nodelay(true);
  auto serve = [this](const httplib::Request& in, httplib::Response& out) { Serve(impl_->handler, in, out); };
  s.Get(".*", serve);
  s.Post(".*", serve);
  s.Put(".*", serve);
  s.Delete(".*", serve);
  s.Options(".*", serve);
  s.Patch(".*", serve);
}

HttpServer::~HttpServer() {
  Stop();
}

Status HttpServer::Bind(const std::string& host, int port) {
  if (port == 0) {
    port_ = impl_->server.bind_to_any_port(host);
    if (port_ < 0) return Error(ErrorKind::kUnavailable, "cannot bind " + host);
  } else {
    if (!impl_->server.bind_to_port(host, port)) {
      return Error(ErrorKind::kUnavailable, "cannot listen on " + host + ":" + std::to_string(port));
    }
    port_ = port;
  }
  return {};
}

void HttpServer::Run() {
  impl_->server.listen_after_bind();
}

void HttpServer::Stop() {
  if (impl_) impl_->server.stop();
}

}  // namespace promref::api
