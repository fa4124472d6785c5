// The promref binary as an operator runs it: it starts from a config file, reloads it on SIGHUP
// (a bad file keeps the running configuration and says so in /metrics, as Prometheus does),
// and exits cleanly on SIGTERM.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>

#include "client/http_client.h"

namespace {

namespace fs = std::filesystem;
using promconform::HttpClient;

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

bool WaitFor(const std::function<bool()>& cond) {
  for (int i = 0; i < 200; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Waits up to 10 s for the process to exit (its status in *status); kills it if it does not.
bool WaitForExit(pid_t pid, int* status) {
  for (int i = 0; i < 200; ++i) {
    if (waitpid(pid, status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, status, 0);
  return false;
}

TEST(PromrefBinary, ReloadsOnSighupAndStopsOnSigterm) {
  const char* binary = std::getenv("PROMREF_BINARY");
  ASSERT_NE(binary, nullptr) << "PROMREF_BINARY is set by CTest";
  const fs::path dir = fs::temp_directory_path() / ("promref-binary-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path cfg = dir / "promref.yml";
  WriteFile(cfg, "global:\n  scrape_interval: 15s\n");
  const int port = FreePort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string a1 = "--config.file=" + cfg.string();
  const std::string a2 = "--web.listen-address=127.0.0.1:" + std::to_string(port);
  const std::string a3 = "--storage.tsdb.path=" + (dir / "data").string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl(binary, binary, a1.c_str(), a2.c_str(), a3.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  HttpClient c;
  auto get = [&](const std::string& path) { return c.Get(base + path).body; };
  ASSERT_TRUE(WaitFor([&] { return c.Get(base + "/-/ready").status == 200; })) << "promref did not start";
  EXPECT_NE(get("/api/v1/status/config").find("scrape_interval: 15s"), std::string::npos);

  WriteFile(cfg, "global:\n  scrape_interval: 30s\n");
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  EXPECT_TRUE(WaitFor([&] {
    return get("/api/v1/status/config").find("scrape_interval: 30s") != std::string::npos;
  })) << get("/api/v1/status/config");
  EXPECT_NE(get("/metrics").find("\nprometheus_config_last_reload_successful 1\n"), std::string::npos);

  WriteFile(cfg, "global:\n  scrape_interval: [not a duration\n");
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  EXPECT_TRUE(WaitFor([&] {
    return get("/metrics").find("\nprometheus_config_last_reload_successful 0\n") != std::string::npos;
  })) << get("/metrics");
  EXPECT_NE(get("/api/v1/status/config").find("scrape_interval: 30s"), std::string::npos)
      << "a failed reload keeps the running configuration";

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = -1;
  const bool exited = WaitForExit(pid, &status);
  EXPECT_TRUE(exited) << "promref did not stop within 10 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  fs::remove_all(dir);
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A prometheus.yml Prometheus loads, with settings promref accepts but does not act on yet: it
// starts, and says so once at start and once per reload.
TEST(PromrefBinary, LoadsAPrometheusConfigAndWarnsAboutWhatItDoesNotActOn) {
  const char* binary = std::getenv("PROMREF_BINARY");
  ASSERT_NE(binary, nullptr) << "PROMREF_BINARY is set by CTest";
  const fs::path dir = fs::temp_directory_path() / ("promref-binary-warn-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path cfg = dir / "prometheus.yml";
  const fs::path log = dir / "stderr.log";
  WriteFile(cfg,
            "scrape_configs:\n"
            "  - job_name: k8s\n"
            "    label_limit: 30\n"
            "    tls_config: {server_name: example.com}\n"
            "    kubernetes_sd_configs: [{role: pod}]\n");
  const int port = FreePort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string a1 = "--config.file=" + cfg.string();
  const std::string a2 = "--web.listen-address=127.0.0.1:" + std::to_string(port);
  const std::string a3 = "--storage.tsdb.path=" + (dir / "data").string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!freopen(log.c_str(), "w", stderr)) _exit(126);
    execl(binary, binary, a1.c_str(), a2.c_str(), a3.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  HttpClient c;
  ASSERT_TRUE(WaitFor([&] { return c.Get(base + "/-/ready").status == 200; })) << ReadFile(log);
  EXPECT_NE(c.Get(base + "/api/v1/status/config").body.find("label_limit: 30"), std::string::npos);
  const std::string k8s =
      "promref: config: scrape config \"k8s\": kubernetes_sd_configs is accepted but promref does not "
      "discover "
      "targets with it yet\n";
  const std::string limits =
      "promref: config: scrape config \"k8s\": accepted but not applied by promref's scrape manager: "
      "tls_config.server_name\n";
  EXPECT_EQ(Count(ReadFile(log), k8s), 1u) << ReadFile(log);
  EXPECT_EQ(Count(ReadFile(log), limits), 1u) << ReadFile(log);

  ASSERT_EQ(kill(pid, SIGHUP), 0);
  EXPECT_TRUE(WaitFor([&] { return Count(ReadFile(log), k8s) == 2; })) << ReadFile(log);
  EXPECT_EQ(Count(ReadFile(log), limits), 2u) << ReadFile(log);

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = -1;
  const bool exited = WaitForExit(pid, &status);
  EXPECT_TRUE(exited && WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  fs::remove_all(dir);
}

}  // namespace

// Rule files as Prometheus treats them: one that does not load stops the start (exit 1, with
// `promtool check rules`' message naming file, position, group and rule); a reload to a broken
// file fails, says so in /metrics, and keeps the rules that were running.
TEST(PromrefBinary, RefusesBadRulesAtStartAndKeepsTheRunningOnesOnAFailedReload) {
  const char* binary = std::getenv("PROMREF_BINARY");
  ASSERT_NE(binary, nullptr) << "PROMREF_BINARY is set by CTest";
  const fs::path dir = fs::temp_directory_path() / ("promref-binary-rules-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path cfg = dir / "prometheus.yml";
  const fs::path rules = dir / "rules.yml";
  const fs::path log = dir / "stderr.log";
  const std::string bad = "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: sum(up\n";
  const std::string good =
      "groups:\n  - name: g\n    interval: 1s\n    rules:\n      - record: r\n        expr: vector(1)\n";
  WriteFile(cfg, "rule_files: [rules.yml]\n");
  WriteFile(rules, bad);
  const int port = FreePort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string a1 = "--config.file=" + cfg.string();
  const std::string a2 = "--web.listen-address=127.0.0.1:" + std::to_string(port);
  const std::string a3 = "--storage.tsdb.path=" + (dir / "data").string();
  const auto start = [&] {
    const pid_t pid = fork();
    if (pid == 0) {
      if (!freopen(log.c_str(), "w", stderr)) _exit(126);
      execl(binary, binary, a1.c_str(), a2.c_str(), a3.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  };
  pid_t pid = start();
  ASSERT_GE(pid, 0);
  int status = -1;
  const bool exited = WaitForExit(pid, &status);
  ASSERT_TRUE(exited) << "promref started with a rule file that does not parse";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_NE(
      ReadFile(log).find(rules.string() +
                         ": 5:15: group \"g\", rule 1, \"r\": could not parse expression: 1:7: parse error: "
                         "unclosed left parenthesis"),
      std::string::npos)
      << ReadFile(log);

  WriteFile(rules, good);
  pid = start();
  ASSERT_GE(pid, 0);
  HttpClient c;
  ASSERT_TRUE(WaitFor([&] { return c.Get(base + "/-/ready").status == 200; })) << ReadFile(log);
  const auto rules_answer = [&] { return c.Get(base + "/api/v1/rules").body; };
  EXPECT_NE(rules_answer().find("\"query\":\"vector(1)\""), std::string::npos) << rules_answer();
  WriteFile(rules, bad);
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  EXPECT_TRUE(WaitFor([&] {
    return c.Get(base + "/metrics").body.find("\nprometheus_config_last_reload_successful 0\n") !=
           std::string::npos;
  }));
  EXPECT_NE(rules_answer().find("\"query\":\"vector(1)\""), std::string::npos)
      << "a failed reload keeps the running rules: " << rules_answer();
  EXPECT_TRUE(
      WaitFor([&] { return c.Get(base + "/api/v1/query?query=r").body.find("\"r\"") != std::string::npos; }));
  kill(pid, SIGTERM);
  waitpid(pid, &status, 0);
  fs::remove_all(dir);
}
