// Test support: a loopback TCP client that sends raw bytes and reads raw answers, for tests of
// HTTP framing that no HTTP client library would let us get wrong on purpose. Header-only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

namespace promref::http1::testing {

// Connects to 127.0.0.1:port; reads give up after `recv_timeout_ms`. -1 on failure.
inline int Connect(int port, int recv_timeout_ms = 10000) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{recv_timeout_ms / 1000, (recv_timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends all of `data` (stops quietly when the peer is gone).
inline void Send(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads until the peer closes (or resets) or the receive timeout; "<timeout>" is appended on a
// timeout, so a hang shows in the result.
inline std::string ReadAll(int fd) {
  std::string out;
  char buf[65536];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) out += "<timeout>";
    return out;
  }
}

// How many times `needle` occurs in `s` (overlaps counted).
inline int CountOf(std::string_view s, std::string_view needle) {
  int n = 0;
  for (size_t at = s.find(needle); at != std::string_view::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

// Reads until `needle` has been seen `count` times, the peer closes, or the receive timeout.
inline std::string ReadUntil(int fd, std::string_view needle, int count) {
  std::string out;
  char buf[65536];
  while (CountOf(out, needle) < count) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// One connection: send `request` (then, with `half_close`, shut the sending side), read all.
inline std::string Exchange(int port, std::string_view request, int recv_timeout_ms = 10000,
                            bool half_close = false) {
  const int fd = Connect(port, recv_timeout_ms);
  if (fd < 0) return "<connect failed>";
  Send(fd, request);
  if (half_close) shutdown(fd, SHUT_WR);
  std::string out = ReadAll(fd);
  close(fd);
  return out;
}

}  // namespace promref::http1::testing
