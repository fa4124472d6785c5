// The embedded target: a whole promref in-process (server::StartEmbedded: remote-write receiver
// and admin API on, 127.0.0.1 on a free port), its TSDB in a temporary directory.
#include "server/promref_server.h"
#include "target/embedded.h"

namespace promconform {
namespace {

class EmbeddedPromref : public EmbeddedServer {
 public:
  explicit EmbeddedPromref(std::unique_ptr<promref::server::PromrefServer> server)
      : server_(std::move(server)) {}
  ~EmbeddedPromref() override { server_->Stop(); }
  std::string base_url() const override { return server_->base_url(); }
  std::string version() const override { return ""; }  // asked over HTTP (buildinfo)

 private:
  std::unique_ptr<promref::server::PromrefServer> server_;
};

}  // namespace

promref::Result<std::unique_ptr<EmbeddedServer>> StartEmbeddedPromref(const EmbeddedOptions& options) {
  // On disk in the holder's directory, as promref really runs (the in-memory store has no TSDB
  // admin: status/tsdb, snapshots and deletes would not be what is tested).
  std::vector<std::string> args;
  if (!options.data_dir.empty()) args = {"--no-storage.in-memory", "--storage.tsdb.path=" + options.data_dir};
  args.insert(args.end(), options.args.begin(), options.args.end());
  auto server = promref::server::StartEmbedded(args);
  if (!server.ok()) return server.error();
  return std::unique_ptr<EmbeddedServer>(std::make_unique<EmbeddedPromref>(std::move(*server)));
}

}  // namespace promconform
