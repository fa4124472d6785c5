#include "http1/internal/connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "http1/status_text.h"
#include "http1/tokens.h"

namespace promref::http1::internal {
namespace {

// Go's bufferBeforeChunkingSize: a handler's first 2048 bytes are held back, so an answer that
// ends within them is sent with a Content-Length.
constexpr size_t kBufferBeforeChunking = 2048;

bool BodyAllowedForStatus(int status) {
  return !(status >= 100 && status <= 199) && status != 204 && status != 304;
}

std::string_view HeaderValue(const std::vector<std::pair<std::string, std::string>>& h,
                             std::string_view name) {
  for (const auto& [k, v] : h) {
    if (EqualFold(k, name)) return v;
  }
  return {};
}

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& h, std::string_view name) {
  return std::any_of(h.begin(), h.end(), [&](const auto& kv) { return EqualFold(kv.first, name); });
}

std::string Hex(size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%zx", n);
  return buf;
}

}  // namespace

void Connection::Compact() {
  if (in_pos > 0 && in_pos * 2 >= in.size()) {
    in.erase(0, in_pos);
    in_pos = 0;
  }
}

void Connection::ResetExchange() {
  req = ServerRequest{};
  req.remote_addr = remote_addr;
  body_left = 0;
  chunked = ChunkedDecoder{};
  out.clear();
  out_pos = 0;
  started = false;
  state = State::kReadingHead;
}

ssize_t WriteSome(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return -1;
  }
  return static_cast<ssize_t>(done);
}

bool WriteAll(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    const ssize_t n = WriteSome(fd, data);
    if (n < 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
    if (data.empty()) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000))) < 0 && errno != EINTR)
      return false;
  }
  return true;
}

ExchangeWriter::ExchangeWriter(Connection* c, std::chrono::milliseconds write_timeout)
    : c_(c), write_timeout_(write_timeout) {}

void ExchangeWriter::WriteHeader(int status, std::vector<std::pair<std::string, std::string>> headers) {
  if (wrote_header_) return;
  wrote_header_ = true;
  status_ = status;
  headers_ = std::move(headers);
}

bool ExchangeWriter::BodyAllowed() const {
  return BodyAllowedForStatus(status_) && c_->req.head.method != "HEAD";
}

// Go's chunkWriter.writeHeader, for the cases a handler here can produce.
std::string ExchangeWriter::Head(bool finished) {
  const RequestHead& rq = c_->req.head;
  const bool is11 = rq.ProtoAtLeast(1, 1);
  const bool is_head = rq.method == "HEAD";
  const bool has_cl = HasHeader(headers_, "Content-Length");
  bool close = rq.wants_close || HasToken(HeaderValue(headers_, "Connection"), "close");
  std::string content_length;
  bool chunked = false;
  if (BodyAllowedForStatus(status_)) {
    if (finished && !has_cl && (!is_head || !buffer_.empty())) {
      content_length = std::to_string(buffer_.size());
    } else if (!finished && !has_cl && !is_head) {
      if (is11) {
        chunked = true;
      } else {
        close = true;  // HTTP/1.0 without a length: the body ends when the connection does
      }
    }
  }
  const bool length_known = has_cl || !content_length.empty() || !BodyAllowedForStatus(status_) || is_head;
  if (!is11 && !(rq.keep_alive_10 && length_known)) close = true;
  c_->close_after_write = close;

  std::vector<std::pair<std::string, std::string>> sorted;
  for (auto& kv : headers_) {
    if (EqualFold(kv.first, "Connection") || EqualFold(kv.first, "Transfer-Encoding")) continue;
    if (!BodyAllowedForStatus(status_) && EqualFold(kv.first, "Content-Length")) continue;
    sorted.push_back(kv);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string head = is11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  head += std::to_string(status_);
  head += ' ';
  const std::string_view text = StatusText(status_);
  head += text.empty() ? "status code " + std::to_string(status_) : std::string(text);
  head += "\r\n";
  for (const auto& [k, v] : sorted) head += k + ": " + v + "\r\n";
  if (!HasHeader(headers_, "Date")) head += "Date: " + HttpDateNow() + "\r\n";
  if (!content_length.empty()) head += "Content-Length: " + content_length + "\r\n";
  if (close && is11) head += "Connection: close\r\n";
  if (!close && !is11) head += "Connection: keep-alive\r\n";
  if (chunked) head += "Transfer-Encoding: chunked\r\n";
  head += "\r\n";
  chunking_ = chunked;
  return head;
}

bool ExchangeWriter::Flush(std::string data) {
  if (failed_) return false;
  if (!WriteAll(c_->fd, data, write_timeout_)) failed_ = true;
  return !failed_;
}

bool ExchangeWriter::Write(std::string_view data) {
  if (!wrote_header_) WriteHeader(200, {});
  if (failed_) return false;
  if (!BodyAllowedForStatus(status_)) return true;
  if (!head_sent_) {
    buffer_.append(data);
    if (buffer_.size() <= kBufferBeforeChunking) return true;
    head_sent_ = true;
    std::string out = Head(/*finished=*/false);
    if (BodyAllowed()) out += chunking_ ? Hex(buffer_.size()) + "\r\n" + buffer_ + "\r\n" : buffer_;
    buffer_.clear();
    return Flush(std::move(out));
  }
  if (!BodyAllowed() || data.empty()) return true;
  return Flush(chunking_ ? Hex(data.size()) + "\r\n" + std::string(data) + "\r\n" : std::string(data));
}

void ExchangeWriter::Finish() {
  if (!wrote_header_) WriteHeader(200, {});
  if (failed_) {
    c_->close_after_write = true;
    return;
  }
  if (!head_sent_) {
    c_->out = Head(/*finished=*/true);
    if (BodyAllowed()) c_->out += buffer_;
  } else if (chunking_) {
    c_->out = "0\r\n\r\n";
  }
  c_->out_pos = 0;
}

}  // namespace promref::http1::internal
