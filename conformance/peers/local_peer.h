// Real Prometheus-compatible servers started as child processes on free loopback ports:
// the oracles of the differential tests and the peers of the load benchmarks.
//
// A LocalPeer owns a temporary directory (config, data, log) and its process. The process is
// always bound to 127.0.0.1, never to another address. Destruction stops the process
// (SIGTERM, then SIGKILL after a grace period) and removes the directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/error.h"

namespace promconform {

struct PeerSpec {
  std::string name;    // for messages: "prometheus 2.42"
  std::string binary;  // absolute path
  // Arguments; "{port}" and "{dir}" are replaced by the chosen port and the peer's directory.
  std::vector<std::string> args;
  // Files written into the directory before start (name -> content), e.g. a config file.
  std::map<std::string, std::string> files;
  // A path that answers 2xx once the server is ready.
  std::string ready_path = "/-/ready";
  // What to do when the binary is missing, for the error message.
  std::string missing_hint = "run scripts/setup as root";
};

class LocalPeer {
 public:
  // Starts the peer and waits (up to `timeout`) until its ready path answers 2xx. Fails with
  // the tail of the peer's log when the binary is missing, exits early or never gets ready.
  static promref::Result<std::unique_ptr<LocalPeer>> Start(
      const PeerSpec& spec, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~LocalPeer();
  LocalPeer(const LocalPeer&) = delete;
  LocalPeer& operator=(const LocalPeer&) = delete;

  const std::string& base_url() const { return base_url_; }  // http://127.0.0.1:<port>
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

  // Stops the process gracefully (SIGTERM, wait) and keeps the directory, so that its data
  // can be measured. Idempotent.
  void Stop();
  // The last `bytes` of the peer's combined stdout/stderr.
  std::string LogTail(size_t bytes = 4000) const;

 private:
  LocalPeer() = default;
  std::string name_;
  std::string base_url_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();

// Where the peers built from their pinned Go modules live (`peers/build`, pins in
// peers/versions): $PROMCONFORM_PEERS_DIR/bin, by default ~/.cache/promconform/peers/bin.
std::string PinnedPeersBinDir();

// Debian's Prometheus 2.42 with the remote-write receiver, the admin API and lifecycle API
// enabled, an empty scrape configuration, and `extra_args` appended.
PeerSpec PrometheusPeer(std::vector<std::string> extra_args = {});
// Debian's VictoriaMetrics 1.79 (single node).
PeerSpec VictoriaMetricsPeer(std::vector<std::string> extra_args = {});

// Prometheus 3.x built from its pinned Go module, configured as PrometheusPeer() (the receiver
// takes remote write 1.0 and 2.0, 3.16's default).
PeerSpec PinnedPrometheusPeer(std::vector<std::string> extra_args = {});
// The current VictoriaMetrics built from its pinned Go module (single node).
PeerSpec PinnedVictoriaMetricsPeer(std::vector<std::string> extra_args = {});

}  // namespace promconform
