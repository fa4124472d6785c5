#include "peers/local_peer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "client/http_client.h"

namespace promconform {
namespace fs = std::filesystem;
using promref::BadData;
using promref::Error;
using promref::ErrorKind;

namespace {

std::string Substitute(std::string s, const std::string& key, const std::string& value) {
  for (size_t pos = s.find(key); pos != std::string::npos; pos = s.find(key, pos + value.size())) {
    s.replace(pos, key.size(), value);
  }
  return s;
}

bool Alive(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == 0;
}

}  // namespace

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

promref::Result<std::unique_ptr<LocalPeer>> LocalPeer::Start(const PeerSpec& spec,
                                                             std::chrono::milliseconds timeout) {
  if (!fs::exists(spec.binary)) {
    return Error(ErrorKind::kUnavailable,
                 spec.name + ": " + spec.binary + " is not installed (" + spec.missing_hint + ")");
  }
  std::unique_ptr<LocalPeer> peer(new LocalPeer());
  peer->name_ = spec.name;
  std::string tmpl = (fs::temp_directory_path() / "promconform-peer-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return BadData("cannot create a temporary directory");
  peer->dir_ = tmpl;
  for (const auto& [name, content] : spec.files) {
    std::ofstream(fs::path(peer->dir_) / name) << content;
  }
  peer->port_ = FreeLoopbackPort();
  peer->base_url_ = "http://127.0.0.1:" + std::to_string(peer->port_);

  std::vector<std::string> args = {spec.binary};
  for (const std::string& a : spec.args) {
    args.push_back(Substitute(Substitute(a, "{port}", std::to_string(peer->port_)), "{dir}", peer->dir_));
  }
  const std::string log_path = peer->dir_ + "/peer.log";
  const pid_t pid = fork();
  if (pid == 0) {
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    chdir(peer->dir_.c_str());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  peer->pid_ = pid;

  HttpClient client({.timeout_ms = 2000, .connect_timeout_ms = 1000});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Alive(pid)) {
      peer->pid_ = -1;
      return Error(ErrorKind::kUnavailable, spec.name + " exited during start-up:\n" + peer->LogTail());
    }
    HttpResponse r = client.Get(peer->base_url_ + spec.ready_path);
    if (r.answered() && r.status >= 200 && r.status < 300) return peer;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Error(ErrorKind::kUnavailable, spec.name + " did not become ready:\n" + peer->LogTail());
}

void LocalPeer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 300 && Alive(pid_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (Alive(pid_)) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

LocalPeer::~LocalPeer() {
  Stop();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string LocalPeer::LogTail(size_t bytes) const {
  std::ifstream in(dir_ + "/peer.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

std::string PinnedPeersBinDir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
  };
  // As peers/build decides it.
  if (const std::string dir = env("PROMCONFORM_PEERS_DIR"); !dir.empty()) return dir + "/bin";
  const std::string cache = !env("XDG_CACHE_HOME").empty() ? env("XDG_CACHE_HOME") : env("HOME") + "/.cache";
  return cache + "/promconform/peers/bin";
}

PeerSpec PrometheusPeer(std::vector<std::string> extra_args) {
  PeerSpec spec;
  spec.name = "prometheus";
  spec.binary = "/usr/bin/prometheus";
  spec.files["prometheus.yml"] = "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n";
  spec.args = {"--config.file={dir}/prometheus.yml",
               "--storage.tsdb.path={dir}/data",
               "--web.listen-address=127.0.0.1:{port}",
               "--web.enable-remote-write-receiver",
               "--web.enable-admin-api",
               "--web.enable-lifecycle",
               "--log.level=warn"};
  for (auto& a : extra_args) spec.args.push_back(std::move(a));
  return spec;
}

PeerSpec VictoriaMetricsPeer(std::vector<std::string> extra_args) {
  PeerSpec spec;
  spec.name = "victoria-metrics";
  spec.binary = "/usr/bin/victoria-metrics";
  spec.args = {"-httpListenAddr=127.0.0.1:{port}", "-storageDataPath={dir}/data", "-loggerLevel=ERROR"};
  spec.ready_path = "/health";
  for (auto& a : extra_args) spec.args.push_back(std::move(a));
  return spec;
}

namespace {

// A Debian peer's spec with the pinned module build's binary instead.
PeerSpec Pinned(PeerSpec spec, const std::string& binary, std::vector<std::string> extra_args) {
  spec.name = std::string(binary) + " (pinned module build)";
  spec.binary = PinnedPeersBinDir() + "/" + binary;
  spec.missing_hint = "build it with peers/build (scripts/setup does)";
  for (auto& a : extra_args) spec.args.push_back(std::move(a));
  return spec;
}

}  // namespace

PeerSpec PinnedPrometheusPeer(std::vector<std::string> extra_args) {
  return Pinned(PrometheusPeer(), "prometheus", std::move(extra_args));
}

PeerSpec PinnedVictoriaMetricsPeer(std::vector<std::string> extra_args) {
  return Pinned(VictoriaMetricsPeer(), "victoria-metrics", std::move(extra_args));
}

}  // namespace promconform
