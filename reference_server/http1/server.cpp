#include "http1/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>
#include <unordered_map>

#include "http1/internal/connection.h"
#include "http1/internal/handler_pool.h"

namespace promref::http1 {

using internal::Clock;
using internal::Connection;
using State = Connection::State;

namespace {

// How long a rejected request's connection keeps discarding input after the answer, so the
// client reads the answer before the close (Go's rstAvoidanceDelay).
constexpr auto kDrainTime = std::chrono::milliseconds(500);
// Input read from one connection per readiness event, so one fast sender cannot starve others.
constexpr size_t kReadPerEvent = 1u << 20;
constexpr auto kSweepInterval = std::chrono::milliseconds(250);

std::string PeerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  char ip[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    return std::string(ip) + ":" + std::to_string(ntohs(a->sin_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
  inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
  return "[" + std::string(ip) + "]:" + std::to_string(ntohs(a->sin6_port));
}

}  // namespace

void RaiseOpenFilesLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::string HttpDateNow() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

class Server::Impl {
 public:
  Impl(ServerHandler handler, ServerOptions options)
      : handler_(std::move(handler)), options_(options), pool_(options.max_handler_threads) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  ~Impl();

  std::string Listen(const std::string& host, int port);
  void Run();
  void Stop();
  int port() const { return port_; }

 private:
  // The event loop's steps.
  void AcceptAll();
  void OnEvent(Connection* c, uint32_t events);
  bool ReadInput(Connection* c);
  void Advance(Connection* c);
  bool ReadHead(Connection* c);
  bool ReadBody(Connection* c);
  void Reject(Connection* c, const ParseResult& r);
  void Dispatch(Connection* c);
  void TakeReturned();
  void FlushOut(Connection* c);
  void AfterResponse(Connection* c);
  void Close(Connection* c);
  void Sweep();
  void BeginShutdown();
  void ResumeAccepting();
  void Watch(Connection* c, uint32_t events);
  void Unwatch(Connection* c);
  void HandBack(Connection* c);

  // A handler thread's work for one exchange.
  void Handle(Connection* c);

  ServerHandler handler_;
  ServerOptions options_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  bool accepting_ = false;  // the listening socket is in the epoll set
  bool shutting_down_ = false;
  std::unordered_map<int, std::unique_ptr<Connection>> conns_;
  int handling_ = 0;  // connections owned by handler threads

  std::mutex returned_mu_;
  std::vector<Connection*> returned_;  // handed back by handler threads

  std::atomic<bool> stop_{false};
  std::mutex run_mu_;
  bool running_ = false;
  std::condition_variable run_cv_;
  internal::HandlerPool pool_;
};

Server::Impl::~Impl() {
  Stop();
  {
    std::unique_lock lock(run_mu_);
    run_cv_.wait(lock, [this] { return !running_; });
  }
  pool_.Join();
  for (auto& [fd, c] : conns_) close(fd);
  if (listen_fd_ >= 0) close(listen_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::string Server::Impl::Listen(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    return "cannot resolve " + host + ": " + gai_strerror(rc);
  }
  std::string error = "cannot listen on " + host + ":" + service;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Go listens with the kernel's somaxconn as backlog.
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
      break;
    }
    error += std::string(": ") + std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(res);
  if (listen_fd_ < 0) return error;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return {};
}

namespace {

void EpollSet(int epoll_fd, int fd, uint32_t events, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd, op, fd, &ev);
}

}  // namespace

void Server::Impl::Watch(Connection* c, uint32_t events) {
  EpollSet(epoll_fd_, c->fd, events, c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD);
  c->watched = true;
}

void Server::Impl::Unwatch(Connection* c) {
  if (c->watched) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd, nullptr);
  c->watched = false;
}

void Server::Impl::Run() {
  {
    std::lock_guard lock(run_mu_);
    if (stop_ || listen_fd_ < 0) return;
    running_ = true;
  }
  EpollSet(epoll_fd_, wake_fd_, EPOLLIN, EPOLL_CTL_ADD);
  EpollSet(epoll_fd_, listen_fd_, EPOLLIN, EPOLL_CTL_ADD);
  accepting_ = true;
  auto next_sweep = Clock::now() + kSweepInterval;
  std::vector<epoll_event> events(512);
  while (true) {
    if (stop_ && !shutting_down_) BeginShutdown();
    if (shutting_down_ && conns_.empty() && handling_ == 0) break;
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(kSweepInterval.count()));
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        uint64_t v;
        while (read(wake_fd_, &v, sizeof v) > 0) {
        }
        TakeReturned();
      } else if (fd == listen_fd_) {
        AcceptAll();
      } else if (auto it = conns_.find(fd); it != conns_.end()) {
        OnEvent(it->second.get(), events[i].events);
      }
    }
    if (Clock::now() >= next_sweep) {
      Sweep();
      next_sweep = Clock::now() + kSweepInterval;
    }
  }
  {
    std::lock_guard lock(run_mu_);
    running_ = false;
  }
  run_cv_.notify_all();
}

void Server::Impl::Stop() {
  stop_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

void Server::Impl::BeginShutdown() {
  shutting_down_ = true;
  if (listen_fd_ >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    close(listen_fd_);
    listen_fd_ = -1;
    accepting_ = false;
  }
  // Go's Shutdown closes idle connections at once and lets active ones finish their answer.
  std::vector<Connection*> idle;
  for (auto& [fd, c] : conns_) {
    if (c->state != State::kHandling && c->state != State::kWriting) idle.push_back(c.get());
  }
  for (Connection* c : idle) Close(c);
}

void Server::Impl::AcceptAll() {
  while (options_.max_connections <= 0 || conns_.size() < static_cast<size_t>(options_.max_connections)) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) break;  // out of descriptors: retried by Sweep
      return;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->remote_addr = PeerAddress(fd);
    c->ResetExchange();
    c->deadline = Clock::now() + options_.read_timeout;
    Watch(c.get(), EPOLLIN | EPOLLRDHUP);
    conns_.emplace(fd, std::move(c));
  }
  // At the limit (or out of descriptors): stop accepting until a connection closes; the rest
  // wait in the kernel's queue, as behind Go's LimitListener.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
  accepting_ = false;
}

void Server::Impl::OnEvent(Connection* c, uint32_t events) {
  if (c->state == State::kWriting) {
    if (events & (EPOLLERR | EPOLLHUP)) return Close(c);
    if (events & EPOLLOUT) FlushOut(c);
    return;
  }
  if (!ReadInput(c)) return Close(c);
  if (c->state == State::kDraining) {
    c->in.clear();
    c->in_pos = 0;
    if (c->peer_closed) Close(c);
    return;
  }
  Advance(c);
}

bool Server::Impl::ReadInput(Connection* c) {
  char buf[64 * 1024];
  size_t got = 0;
  while (got < kReadPerEvent && !c->peer_closed) {
    const ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
      c->in.append(buf, static_cast<size_t>(n));
      got += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {
      c->peer_closed = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return false;
  }
  return true;
}

// Moves the connection's exchange forward with the input it has; stops when it needs more.
void Server::Impl::Advance(Connection* c) {
  if (c->state == State::kReadingHead && !ReadHead(c)) return;
  if (c->state != State::kReadingBody) return;
  if (!ReadBody(c)) {
    if (c->peer_closed) Close(c);
    return;
  }
  c->Compact();
  Dispatch(c);
}

// Parses the request head from the input; true once it is read and the body is next. False
// while it waits for more, and after closing or rejecting the connection.
bool Server::Impl::ReadHead(Connection* c) {
  if (c->Unread().empty()) {
    if (c->peer_closed) Close(c);
    return false;
  }
  if (!c->started) {
    // The first bytes of a request: it has the read timeout from now (Go's wholeReqDeadline).
    c->started = true;
    c->deadline = Clock::now() + options_.read_timeout;
  }
  const ParseResult r = ParseRequestHead(c->Unread(), c->last_was_post, &c->req.head);
  if (r.kind == ParseResult::kIncomplete) {
    if (c->peer_closed) Close(c);
    return false;
  }
  if (r.kind == ParseResult::kRejected) {
    Reject(c, r);
    return false;
  }
  c->in_pos += r.consumed;
  c->last_was_post = c->req.head.method == "POST";
  if (c->req.head.expect_continue) internal::WriteSome(c->fd, "HTTP/1.1 100 Continue\r\n\r\n");
  if (!c->req.head.chunked && static_cast<uint64_t>(c->req.head.content_length) > options_.max_body_bytes) {
    Reject(c, ParseResult{ParseResult::kRejected, 0, Rejection::kStatusError, 413,
                          "http: request body too large"});
    return false;
  }
  c->body_left = c->req.head.chunked ? 0 : c->req.head.content_length;
  c->state = State::kReadingBody;
  return true;
}

// Takes body bytes from the input; true once the body is complete (or broken, which the
// handler then sees as body_error).
bool Server::Impl::ReadBody(Connection* c) {
  ServerRequest& req = c->req;
  if (req.head.chunked) {
    const auto st = c->chunked.Feed(c->in, &c->in_pos, &req.body);
    if (st == ChunkedDecoder::Status::kError) {
      req.body_error = c->chunked.error();
      req.head.wants_close = true;  // the framing is lost: nothing after it can be trusted
      return true;
    }
    if (st == ChunkedDecoder::Status::kNeedMore && req.body.size() > options_.max_body_bytes) {
      req.body_error = "http: request body too large";
      req.head.wants_close = true;
      return true;
    }
    return st == ChunkedDecoder::Status::kDone;
  }
  const size_t take = std::min<size_t>(static_cast<size_t>(c->body_left), c->Unread().size());
  req.body.append(c->Unread().substr(0, take));
  c->in_pos += take;
  c->body_left -= static_cast<int64_t>(take);
  return c->body_left == 0;
}

void Server::Impl::Reject(Connection* c, const ParseResult& r) {
  c->out = RejectionResponse(r, HttpDateNow());
  c->out_pos = 0;
  c->close_after_write = true;
  c->drain_after_write = true;
  c->in.clear();
  c->in_pos = 0;
  c->state = State::kWriting;
  c->deadline = Clock::now() + options_.read_timeout;
  Watch(c, EPOLLOUT);
  FlushOut(c);
}

void Server::Impl::Dispatch(Connection* c) {
  c->state = State::kHandling;
  Unwatch(c);
  ++handling_;
  pool_.Submit([this, c] { Handle(c); });
}

void Server::Impl::Handle(Connection* c) {
  internal::ExchangeWriter w(c, options_.read_timeout);
  const RequestHead& head = c->req.head;
  if (head.request_uri == "*") {
    // Go's server answers "OPTIONS *" itself; its ServeMux answers any other "*" with 400.
    if (head.method == "OPTIONS") {
      w.WriteHeader(200, {{"Content-Length", "0"}});
    } else {
      w.WriteHeader(400, {{"Connection", "close"}});
    }
  } else {
    try {
      handler_(c->req, w);
    } catch (const std::exception&) {
      // A handler that throws loses its connection without an answer, as a Go handler's
      // panic does (net/http recovers and closes).
      c->close_after_write = true;
      c->out.clear();
      c->out_pos = 0;
      return HandBack(c);
    }
  }
  w.Finish();
  if (!c->req.body_error.empty()) c->close_after_write = true;
  // Most answers fit in the socket buffer: write them here rather than wake the loop for it.
  const ssize_t n = internal::WriteSome(c->fd, std::string_view(c->out).substr(c->out_pos));
  if (n < 0) {
    c->close_after_write = true;
    c->out.clear();
    c->out_pos = 0;
  } else {
    c->out_pos += static_cast<size_t>(n);
  }
  HandBack(c);
}

void Server::Impl::HandBack(Connection* c) {
  {
    std::lock_guard lock(returned_mu_);
    returned_.push_back(c);
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

void Server::Impl::TakeReturned() {
  std::vector<Connection*> back;
  {
    std::lock_guard lock(returned_mu_);
    back.swap(returned_);
  }
  for (Connection* c : back) {
    --handling_;
    c->state = State::kWriting;
    c->deadline = Clock::now() + options_.read_timeout;
    if (c->out_pos < c->out.size()) {
      Watch(c, EPOLLOUT);
    } else {
      AfterResponse(c);
    }
  }
}

void Server::Impl::FlushOut(Connection* c) {
  const ssize_t n = internal::WriteSome(c->fd, std::string_view(c->out).substr(c->out_pos));
  if (n < 0) return Close(c);
  c->out_pos += static_cast<size_t>(n);
  if (c->out_pos < c->out.size()) return;
  AfterResponse(c);
}

// The answer is out: close, drain, or wait for the next request (maybe already received).
void Server::Impl::AfterResponse(Connection* c) {
  if (c->drain_after_write && !shutting_down_) {
    // A rejected request: shut our side and read until the client closes, briefly, so that
    // unread input does not turn the close into a reset that destroys the answer.
    shutdown(c->fd, SHUT_WR);
    c->state = State::kDraining;
    c->deadline = Clock::now() + kDrainTime;
    Watch(c, EPOLLIN | EPOLLRDHUP);
    return;
  }
  if (c->close_after_write || shutting_down_) return Close(c);
  c->ResetExchange();
  c->deadline = Clock::now() + options_.read_timeout;
  Watch(c, EPOLLIN | EPOLLRDHUP);
  Advance(c);
}

void Server::Impl::Close(Connection* c) {
  const int fd = c->fd;
  Unwatch(c);
  close(fd);
  conns_.erase(fd);
  ResumeAccepting();
}

// Watches the listening socket again once there is room for a connection.
void Server::Impl::ResumeAccepting() {
  if (accepting_ || shutting_down_ || listen_fd_ < 0) return;
  if (options_.max_connections > 0 && conns_.size() >= static_cast<size_t>(options_.max_connections)) return;
  EpollSet(epoll_fd_, listen_fd_, EPOLLIN, EPOLL_CTL_ADD);
  accepting_ = true;
}

void Server::Impl::Sweep() {
  const auto now = Clock::now();
  std::vector<Connection*> expired;
  for (auto& [fd, c] : conns_) {
    if (c->state != State::kHandling && now >= c->deadline) expired.push_back(c.get());
  }
  for (Connection* c : expired) Close(c);
  ResumeAccepting();  // after running out of descriptors, accept() is retried here
}

Server::Server(ServerHandler handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(handler), options)) {}
Server::~Server() = default;
std::string Server::Listen(const std::string& host, int port) {
  return impl_->Listen(host, port);
}
int Server::port() const {
  return impl_->port();
}
void Server::Run() {
  impl_->Run();
}
void Server::Stop() {
  impl_->Stop();
}

}  // namespace promref::http1
