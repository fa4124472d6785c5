#include "commands/promql_commands.h"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
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
  promconform promql record-corpus --reference URL --input FILE --output FILE
      Ask a real Prometheus (URL) to parse every expression of FILE (one JSON string per line)
      and record its verdict, error text and format_query output as JSON lines.
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

// The outcome Prometheus gives for one expression: an instant query at a fixed time on an
// empty server answers 400 bad_data with the parse error for an invalid expression, and
// success (or a non-parse error) for a valid one.
int RecordCorpus(const std::vector<std::string>& args) {
  std::string reference, input, output;
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    if (args[i] == "--reference") reference = args[i + 1];
    if (args[i] == "--input") input = args[i + 1];
    if (args[i] == "--output") output = args[i + 1];
  }
  if (reference.empty() || input.empty() || output.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  HttpClient client;
  auto build = client.Get(reference + "/api/v1/status/buildinfo");
  std::string version = "unknown";
  if (build.status == 200) version = nlohmann::json::parse(build.body)["data"]["version"];
  std::ifstream in(input);
  std::ofstream out(output);
  out << nlohmann::json{{"recorded_from", "prometheus"}, {"version", version}}.dump() << "\n";
  std::string line;
  size_t n = 0;
  const std::string prefix = "invalid parameter \"query\": ";
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::string expr = nlohmann::json::parse(line).get<std::string>();
    nlohmann::json rec = {{"expr", expr}};
    auto q = client.PostForm(reference + "/api/v1/query", FormEncode({{"query", expr}, {"time", "1000"}}));
    if (!q.answered()) {
      std::cerr << "record-corpus: " << q.transport_error << "\n";
      return 1;
    }
    auto body = nlohmann::json::parse(q.body);
    const std::string error = body.value("error", "");
    const bool parse_error = q.status == 400 && error.rfind(prefix, 0) == 0;
    rec["valid"] = !parse_error;
    if (parse_error) {
      rec["error"] = error.substr(prefix.size());
    } else {
      auto f = client.PostForm(reference + "/api/v1/format_query", FormEncode({{"query", expr}}));
      auto fb = nlohmann::json::parse(f.body);
      if (f.status == 200) rec["formatted"] = fb["data"];
      if (q.status != 200) rec["eval_error"] = error;
    }
    out << rec.dump() << "\n";
    ++n;
  }
  std::cerr << "record-corpus: recorded " << n << " expressions from prometheus " << version << "\n";
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
