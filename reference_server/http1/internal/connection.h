// One client connection's state, and the ResponseWriter a handler thread answers through.
//
// Ownership: the event loop owns a Connection while it waits for or reads a request; while a
// handler runs, the handler thread owns it (the loop neither polls nor touches it) until it
// hands it back. The hand-over goes through a mutex-guarded queue, so each side sees the other's
// writes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http1/chunked_decoder.h"
#include "http1/request_parser.h"
#include "http1/server.h"

namespace promref::http1::internal {

using Clock = std::chrono::steady_clock;

struct Connection {
  enum class State {
    kReadingHead,  // waiting for (the rest of) a request head
    kReadingBody,  // head read; waiting for the body
    kHandling,     // a handler thread owns the connection
    kWriting,      // the loop is flushing `out`
    kDraining,     // answered with an error; write side shut, discarding input until EOF
  };

  int fd = -1;
  std::string remote_addr;
  State state = State::kReadingHead;
  Clock::time_point deadline;  // when the read timeout (or drain time) runs out

  std::string in;  // received bytes; in[in_pos..] not consumed yet
  size_t in_pos = 0;
  bool peer_closed = false;  // the client shut its side (read returned 0)
  bool started = false;      // some bytes of the current request have arrived
  bool watched = false;      // the descriptor is in the loop's epoll set

  ServerRequest req;
  int64_t body_left = 0;  // Content-Length bytes still to come
  ChunkedDecoder chunked;
  bool last_was_post = false;

  std::string out;  // bytes still to be written by the loop
  size_t out_pos = 0;
  bool close_after_write = false;
  bool drain_after_write = false;  // a rejection: shut the write side, then discard input

  std::string_view Unread() const { return std::string_view(in).substr(in_pos); }
  // Drops consumed input once it is more than half the buffer.
  void Compact();
  // Ready for the next request on this connection.
  void ResetExchange();
};

// Writes `data` to a non-blocking socket; waits (poll) up to `timeout` whenever the socket is
// full. False when the peer is gone or the time ran out.
bool WriteAll(int fd, std::string_view data, std::chrono::milliseconds timeout);
// Writes what the socket takes now; returns the number of bytes written, or -1 on error.
ssize_t WriteSome(int fd, std::string_view data);

// The ResponseWriter of one exchange, used by the handler thread. Buffers up to 2048 body bytes
// (Go's bufferBeforeChunkingSize) so that a short answer gets a Content-Length; beyond that it
// sends the head and streams the body chunked (HTTP/1.1) or close-delimited (HTTP/1.0).
class ExchangeWriter final : public ResponseWriter {
 public:
  ExchangeWriter(Connection* c, std::chrono::milliseconds write_timeout);
  void WriteHeader(int status, std::vector<std::pair<std::string, std::string>> headers) override;
  bool Write(std::string_view data) override;
  // Completes the answer after the handler returns: any head and body not yet sent are queued
  // in the connection's `out` for the caller to flush; sets close_after_write as Go would.
  void Finish();
  bool failed() const { return failed_; }

 private:
  bool BodyAllowed() const;
  std::string Head(bool finished);
  bool Flush(std::string data);

  Connection* c_;
  std::chrono::milliseconds write_timeout_;
  bool wrote_header_ = false;
  int status_ = 200;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string buffer_;  // body bytes not yet sent (head not yet sent while < 2048)
  bool head_sent_ = false;
  bool chunking_ = false;
  bool failed_ = false;
};

}  // namespace promref::http1::internal
