#include "api/http_server.h"

#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace promref::api {

struct HttpServer::Impl {
  httplib::Server server;
  TopHandler handler;
};

namespace {

// Set when a request reaches Serve; reset before routing. A connection is handled by one worker
// thread at a time, so the flag belongs to the request that thread is handling.
thread_local bool served = false;

// The request Content-Encodings cpp-httplib decodes itself before routing (Go's net/http decodes
// none: handlers see the raw body and the header).
bool HttplibDecodes(const httplib::Request& in) {
  const std::string enc = in.get_header_value("Content-Encoding");
  return enc == "gzip" || enc == "deflate" || enc.find("br") != std::string::npos;
}

void Serve(const HttpServer::TopHandler& top, const httplib::Request& in, httplib::Response& out,
           bool with_body = true) {
  served = true;
  Request req;
  req.method = in.method;
  req.path = in.path;
  if (const size_t q = in.target.find('?'); q != std::string::npos) req.raw_query = in.target.substr(q + 1);
  for (const auto& [k, v] : in.headers) req.headers.emplace_back(k, v);
  if (with_body) req.body = in.body;
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
  // Go sniffs a Content-Type from the first body bytes a handler writes: a handler that
  // writes none (HEAD /-/healthy, a successful /-/reload) sends no Content-Type at all.
  if (resp.body.empty() && resp.content_type.empty()) return;
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
  // cpp-httplib decodes gzip, deflate and br request bodies before routing and answers 400 on its
  // own when a body is not what its Content-Encoding says (a snappy remote-write body sent as
  // gzip). Prometheus' handlers judge the header themselves (the remote-write receiver answers 415
  // for anything but snappy), so such a request still reaches them, without the body.
  s.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    served = false;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request& in, httplib::Response& out) {
        if (served || !HttplibDecodes(in)) return httplib::Server::HandlerResponse::Unhandled;
        Serve(impl_->handler, in, out, /*with_body=*/false);
        return httplib::Server::HandlerResponse::Handled;
      }));
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
  run_entered_ = true;
  if (!stopping_) impl_->server.listen_after_bind();
  run_exited_ = true;
}

namespace {

// Shuts down the reading side of every accepted connection on `port`. cpp-httplib's stop()
// only closes the listening socket; a worker idling on a keep-alive connection waits for the
// keep-alive timeout (30 s) before it notices, and Stop()'s caller waits for the workers.
// Go's http.Server.Shutdown closes idle connections at once, and so do we: with the read side
// shut, an idle worker sees end-of-stream and closes; a busy one still writes its answer.
// httplib exposes no accepted descriptors, so they are found among the process' descriptors:
// a socket whose local port is the server's port (the listening socket is closed by now, and
// a client socket of this process towards the server has an ephemeral local port).
void ShutdownAcceptedConnections(int port) {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return;
  std::vector<int> fds;
  while (const dirent* e = readdir(d)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0' && fd != dirfd(d)) fds.push_back(static_cast<int>(fd));
  }
  closedir(d);
  for (int fd : fds) {
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
    sockaddr_storage local{};
    socklen_t alen = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &alen) != 0) continue;
    int local_port = -1;
    if (local.ss_family == AF_INET)
      local_port = ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
    if (local.ss_family == AF_INET6)
      local_port = ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    // Only connected sockets (accepted connections) have a peer.
    if (local_port == port && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0) {
      shutdown(fd, SHUT_RD);
    }
  }
}

}  // namespace

void HttpServer::Stop() {
  if (!impl_) return;
  stopping_ = true;
  if (run_entered_) {
    while (!impl_->server.is_running() && !run_exited_)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
  if (port_ > 0) ShutdownAcceptedConnections(port_);
}

}  // namespace promref::api
