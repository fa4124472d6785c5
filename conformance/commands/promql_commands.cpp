#include "commands/promql_commands.h"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "peers/local_peer.h"
#include "promql/ast_json.h"
#include "promql/parser.h"
#include "promql/printer.h"

namespace promconform {
namespace {

constexpr const char* kUsage = R"(usage:
  promconform promql parse [--json] [--experimental] [EXPR...]
      Parse expressions (arguments, or one per line on standard input) and print their
      canonical form, or the AST as /api/v1/parse_query returns it with --json. An invalid
      expression prints Prometheus' error text on standard error; the exit code is then 1.
  promconform promql format [--experimental] [EXPR...]
      Print expressions as /api/v1/format_query does (prettified).
  promconform promql record-corpus --reference URL|prometheus-3|prometheus-2.42
                                   [--enable-feature LIST] --input FILE --output FILE
      Ask a real Prometheus to parse every expression of FILE (one JSON string per line) and
      record its verdict, error text and format_query output as JSON lines. prometheus-3 (the
      pinned build) and prometheus-2.42 (Debian's) are started on a loopback port, with
      --enable-feature=LIST when given; the header line records the version and the features.
)";

struct Options {
  bool json = false;
  bool experimental = false;
  std::vector<std::string> exprs;
};

Options ParseOptions(const std::vector<std::string>& args, size_t from) {
  Options o;
  for (size_t i = from; i < args.size(); ++i) {
    if (args[i] == "--json") {
      o.json = true;
    } else if (args[i] == "--experimental") {
      o.experimental = true;
    } else {
      o.exprs.push_back(args[i]);
    }
  }
  if (o.exprs.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty()) o.exprs.push_back(line);
    }
  }
  return o;
}

int ParseOrFormat(const std::vector<std::string>& args, bool format) {
  const Options o = ParseOptions(args, 2);
  int rc = 0;
  for (const std::string& e : o.exprs) {
    auto r = promref::promql::ParseExpr(e, {.experimental = o.experimental});
    if (!r.ok()) {
      std::cerr << r.error().message() << "\n";
      rc = 1;
      continue;
    }
    if (format) {
      std::cout << promref::promql::Prettify(**r) << "\n";
    } else if (o.json) {
      std::cout << promref::promql::AstToJson(**r) << "\n";
    } else {
      std::cout << promref::promql::ToString(**r) << "\n";
    }
  }
  return rc;
}

// One expression's outcome on a Prometheus: an instant query at a fixed time on an empty server
// answers 400 bad_data with the parse error for an invalid expression, and success (or a
// non-parse error) for a valid one; format_query gives a valid one's formatted form.
nlohmann::json RecordExpression(HttpClient& client, const std::string& url, const std::string& expr) {
  static const std::string kPrefix = "invalid parameter \"query\": ";
  nlohmann::json rec = {{"expr", expr}};
  auto q = client.PostForm(url + "/api/v1/query", FormEncode({{"query", expr}, {"time", "1000"}}));
  if (!q.answered()) return nullptr;
  auto body = nlohmann::json::parse(q.body);
  const std::string error = body.value("error", "");
  const bool parse_error = q.status == 400 && error.rfind(kPrefix, 0) == 0;
  rec["valid"] = !parse_error;
  if (parse_error) {
    rec["error"] = error.substr(kPrefix.size());
    return rec;
  }
  auto f = client.PostForm(url + "/api/v1/format_query", FormEncode({{"query", expr}}));
  if (f.status == 200) rec["formatted"] = nlohmann::json::parse(f.body)["data"];
  if (q.status != 200) rec["eval_error"] = error;
  return rec;
}

// A URL as given; prometheus-3 / prometheus-2.42 started here (kept alive by *peer).
promref::Result<std::string> ReferenceUrl(const std::string& reference, const std::string& features,
                                          std::unique_ptr<LocalPeer>* peer) {
  if (reference.rfind("http://", 0) == 0 || reference.rfind("https://", 0) == 0) return reference;
  std::vector<std::string> extra;
  if (!features.empty()) extra.push_back("--enable-feature=" + features);
  PeerSpec spec;
  if (reference == "prometheus-3") {
    spec = PinnedPrometheusPeer(extra);
  } else if (reference == "prometheus-2.42") {
    spec = PrometheusPeer(extra);
  } else {
    return promref::BadData("--reference: a URL, prometheus-3 or prometheus-2.42, not " + reference);
  }
  auto started = LocalPeer::Start(spec);
  if (!started.ok()) return started.error();
  *peer = std::move(*started);
  return (*peer)->base_url();
}

int RecordCorpus(const std::vector<std::string>& args) {
  std::string reference, features, input, output;
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    if (args[i] == "--reference") reference = args[i + 1];
    if (args[i] == "--enable-feature") features = args[i + 1];
    if (args[i] == "--input") input = args[i + 1];
    if (args[i] == "--output") output = args[i + 1];
  }
  if (reference.empty() || input.empty() || output.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  std::unique_ptr<LocalPeer> peer;
  auto url = ReferenceUrl(reference, features, &peer);
  if (!url.ok()) {
    std::cerr << "record-corpus: " << url.error().message() << "\n";
    return 2;
  }
  HttpClient client;
  auto build = client.Get(*url + "/api/v1/status/buildinfo");
  auto flags = client.Get(*url + "/api/v1/status/flags");
  std::string version = "unknown", enabled;
  if (build.status == 200) version = nlohmann::json::parse(build.body)["data"]["version"];
  if (flags.status == 200) enabled = nlohmann::json::parse(flags.body)["data"].value("enable-feature", "");
  std::ifstream in(input);
  std::ofstream out(output);
  out << nlohmann::json{{"recorded_from", "prometheus"}, {"version", version}, {"enable_feature", enabled}}
             .dump()
      << "\n";
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const nlohmann::json rec = RecordExpression(client, *url, nlohmann::json::parse(line).get<std::string>());
    if (rec.is_null()) {
      std::cerr << "record-corpus: " << *url << " did not answer\n";
      return 1;
    }
    out << rec.dump() << "\n";
    ++n;
  }
  std::cerr << "record-corpus: recorded " << n << " expressions from prometheus " << version
            << (enabled.empty() ? "" : " with " + enabled) << "\n";
  return 0;
}

}  // namespace

int RunPromqlCommand(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    std::cerr << kUsage;
    return 2;
  }
  if (args[1] == "parse") return ParseOrFormat(args, false);
  if (args[1] == "format") return ParseOrFormat(args, true);
  if (args[1] == "record-corpus") return RecordCorpus(args);
  std::cerr << kUsage;
  return 2;
}

}  // namespace promconform
