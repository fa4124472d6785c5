#include "fuzz/reproducer.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace promconform::fuzz {
namespace {

namespace fs = std::filesystem;

// Values longer than this go to a file (Linux caps one command-line argument at 128 KiB).
constexpr size_t kInlineValueBytes = 16 * 1024;

std::string HostOf(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  return url.substr(start, url.find('/', start) - start);
}

std::string PathOf(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

// The request as commands, registering the files they need in `files` (path, content).
std::string Commands(const FuzzRequest& r, const Target& target, const std::string& stem,
                     std::vector<std::pair<std::string, std::string>>* files) {
  const HttpRequest http = ToHttpRequest(r, target);
  if (r.raw_body) {
    files->emplace_back(stem + ".body", r.body);
    files->emplace_back(stem + ".http", RawHttpRequest(r, PathOf(http.url), HostOf(http.url)));
    std::string cmd = "curl -sS -i -X POST";
    for (const auto& [name, value] : r.headers) cmd += " -H '" + Printable(name + ": " + value) + "'";
    return cmd + " --data-binary @" + stem + ".body '" + http.url + "'\n# or: nc 127.0.0.1 PORT < " + stem +
           ".http\n";
  }
  std::vector<std::string> value_files(r.params.size());
  for (size_t i = 0; i < r.params.size(); ++i) {
    const std::string& v = r.params[i].second;
    if (v.size() > kInlineValueBytes || v.find('\0') != std::string::npos) {
      value_files[i] = stem + "-" + std::to_string(i) + ".value";
      files->emplace_back(value_files[i], v);
    }
  }
  return CurlCommand(r, target.Url(r.path), value_files) + "\n";
}

std::string AnswerText(const HttpResponse& a) {
  if (!a.answered()) return "(no answer: " + a.transport_error + ")\n";
  std::string s = "HTTP " + std::to_string(a.status) + "\n";
  for (const auto& [name, value] : a.headers) s += name + ": " + value + "\n";
  return s + "\n" + Printable(a.body, 4000) + "\n";
}

promref::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) return promref::BadData("cannot write " + path);
  return {};
}

}  // namespace

std::string ReproducerText(const Finding& f, const Target& target, const std::string& stem, uint64_t seed,
                           std::vector<std::pair<std::string, std::string>>* files) {
  std::string s = "# promconform fuzz finding: " + std::string(OracleName(f.oracle)) + "\n";
  s += "# target: " + target.profile().name + " at " + target.base_url() + "\n";
  s += "# seed " + std::to_string(seed) + "; mutation " + f.original.mutation + "; seen " +
       std::to_string(f.seen) + " time(s)\n";
  s += "# " + Printable(f.message) + "\n";
  if (!f.unsupported.empty()) s += "# the profile says: " + f.unsupported + "\n";
  if (!f.known.empty()) s += "# known: " + f.known + " (not minimised)\n";
  if (!f.batch.empty()) {
    s += "# the target stopped answering (or changed its canary data) after this batch of " +
         std::to_string(f.batch.size()) + " requests, sent in this order";
    s += f.original.path.empty() ? ":\n" : "; the request left unanswered first:\n";
    if (!f.original.path.empty()) s += Commands(f.original, target, stem + "-unanswered", files);
    for (size_t i = 0; i < f.batch.size(); ++i) {
      s += "\n# " + std::to_string(i + 1) + ". " + Summary(f.batch[i], 120) + "\n";
      s += Commands(f.batch[i], target, stem + "-" + std::to_string(i + 1), files);
    }
    s += "\n# canary probe:\n" + AnswerText(f.answer);
    return s;
  }
  s += "# minimised from " + std::to_string(f.original.Size()) + " to " + std::to_string(f.minimized.Size()) +
       " bytes in " + std::to_string(f.minimize_tests) + " requests\n";
  s += "# request: " + Summary(f.minimized, 2000) + "\n";
  s += Commands(f.minimized, target, stem, files);
  s += "\n# answer seen:\n" + AnswerText(f.answer);
  s += "\n# original request: " + Summary(f.original, 2000) + "\n";
  return s;
}

promref::Result<std::string> WriteReproducer(const Finding& f, size_t index, const Target& target,
                                             const std::string& dir, uint64_t seed) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  char num[16];
  std::snprintf(num, sizeof num, "%03zu", index);
  const std::string stem = dir + "/" + num + "-" + std::string(OracleName(f.oracle));
  std::vector<std::pair<std::string, std::string>> files;
  const std::string text = ReproducerText(f, target, stem, seed, &files);
  for (const auto& [path, content] : files) {
    if (auto st = WriteFile(path, content); !st.ok()) return st.error();
  }
  if (auto st = WriteFile(stem + ".txt", text); !st.ok()) return st.error();
  return stem + ".txt";
}

promref::Status WriteJournal(const std::vector<FuzzRequest>& batch, const Target& target,
                             const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::vector<std::pair<std::string, std::string>> files;
  std::string s =
      "# the batch being sent; if the fuzzer died with its in-process target, one of these did it\n";
  for (size_t i = 0; i < batch.size(); ++i) {
    s += "\n# " + std::to_string(i + 1) + ". " + Summary(batch[i], 120) + "\n";
    s += Commands(batch[i], target, dir + "/inflight-" + std::to_string(i + 1), &files);
  }
  for (const auto& [path, content] : files) {
    if (auto st = WriteFile(path, content); !st.ok()) return st;
  }
  return WriteFile(dir + "/inflight-batch.txt", s);
}

}  // namespace promconform::fuzz
