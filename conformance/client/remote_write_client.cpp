#include "client/remote_write_client.h"

namespace promconform {

Headers RemoteWriteV1Headers(const std::string& user_agent) {
  return {{"Content-Encoding", "snappy"},
          {"Content-Type", "application/x-protobuf"},
          {"X-Prometheus-Remote-Write-Version", "0.1.0"},
          {"User-Agent", user_agent}};
}

promref::Status SendRemoteWrite(HttpClient& client, const std::string& url,
                                const promref::wire::WriteRequest& request, const Headers& extra_headers) {
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.headers = RemoteWriteV1Headers("promconform/0.1");
  for (const auto& h : extra_headers) req.headers.push_back(h);
  req.body = promref::wire::SnappyCompress(promref::wire::EncodeWriteRequest(request));
  HttpResponse resp = client.Do(req);
  if (!resp.answered()) {
    return promref::Error(promref::ErrorKind::kUnavailable,
                          "remote write to " + url + ": " + resp.transport_error);
  }
  if (resp.status < 200 || resp.status >= 300) {
    return promref::Error(promref::ErrorKind::kExecution, "remote write to " + url + ": HTTP " +
                                                              std::to_string(resp.status) + ": " + resp.body);
  }
  return {};
}

}  // namespace promconform
