#include "commands/histogram_bounds_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/http_client.h"
#include "client/remote_write_client.h"
#include "peers/local_peer.h"
#include "wire/remote_write.h"

namespace promconform {
namespace {

constexpr const char* kUsage = R"(usage:
  promconform record-histogram-bounds --reference URL|prometheus-3 --out FILE
      Record the bounds Prometheus gives native-histogram exponential buckets. For each schema
      s in 0..8 it remote-writes (1.0) one float histogram `bounds_schema_<s>` whose positive
      buckets are the indices -2^s..-1, asks /api/v1/query for it and reads the buckets' upper
      bounds: 2^(i/2^s - 1) for i in 0..2^s-1 as that server computes them, the fractions in
      [0.5, 1) every exponential bound is scaled from. Writes lines `schema i value` (%.17g).
      prometheus-3 is the pinned build, started on a loopback port. Fails, writing nothing,
      when the bounds are not consistent (ordered, contiguous, the same across schemas).
)";

constexpr int kMaxSchema = 8;

struct Failure {
  std::string message;
};

// The positive buckets -2^s..-1 of schema s, each counting 1, as a float histogram.
promref::wire::TimeSeries BoundsSeries(int schema, int64_t timestamp_ms) {
  const int n = 1 << schema;
  promref::wire::Histogram h;
  h.is_float = true;
  h.schema = schema;
  h.count_float = n;
  h.sum = 0;
  h.positive_spans = {{-n, static_cast<uint32_t>(n)}};
  h.positive_counts.assign(static_cast<size_t>(n), 1.0);
  h.reset_hint = 3;  // gauge: no counter-reset reasoning involved
  h.timestamp = timestamp_ms;
  promref::wire::TimeSeries ts;
  ts.labels = {{"__name__", "bounds_schema_" + std::to_string(schema)}};
  ts.histograms.push_back(std::move(h));
  return ts;
}

// A bound as rendered (Go's shortest round-trip text), read back to the exact double.
double ParseBound(const nlohmann::json& v, const std::string& what) {
  if (!v.is_string()) throw Failure{what + ": not a string: " + v.dump()};
  const std::string s = v.get<std::string>();
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) throw Failure{what + ": not a number: " + s};
  return d;
}

// The upper bounds of bounds_schema_<schema>'s buckets, checked against each other: the first
// is 0.5, each bucket starts where the previous ends, the first starts at half the last's end
// (the same fraction one power of two down), all (lower, upper] counting 1.
std::vector<double> QueryBounds(HttpClient& client, const std::string& url, int schema,
                                const std::string& time) {
  const std::string name = "bounds_schema_" + std::to_string(schema);
  auto r = client.PostForm(url + "/api/v1/query", FormEncode({{"query", name}, {"time", time}}));
  if (!r.answered()) throw Failure{url + " did not answer: " + r.transport_error};
  if (r.status != 200) throw Failure{name + ": HTTP " + std::to_string(r.status) + ": " + r.body};
  const auto body = nlohmann::json::parse(r.body);
  const auto& result = body["data"]["result"];
  if (!result.is_array() || result.size() != 1 || !result[0].contains("histogram")) {
    throw Failure{name + ": expected one histogram sample (was the native histogram accepted?): " + r.body};
  }
  const auto& buckets = result[0]["histogram"][1]["buckets"];
  const size_t n = size_t{1} << schema;
  if (!buckets.is_array() || buckets.size() != n) {
    throw Failure{name + ": expected " + std::to_string(n) + " buckets: " + r.body};
  }
  std::vector<double> lower, upper;
  for (size_t k = 0; k < n; ++k) {
    const auto& b = buckets[k];
    const std::string what = name + " bucket " + std::to_string(k);
    if (!b.is_array() || b.size() != 4 || b[0] != 0 || b[3] != "1") {
      throw Failure{what + ": expected [0, lower, upper, \"1\"], got " + b.dump()};
    }
    lower.push_back(ParseBound(b[1], what + " lower"));
    upper.push_back(ParseBound(b[2], what + " upper"));
  }
  auto text = [](double d) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return std::string(buf);
  };
  if (upper[0] != 0.5) throw Failure{name + ": the first upper bound is " + text(upper[0]) + ", not 0.5"};
  if (lower[0] != upper[n - 1] / 2) {
    throw Failure{name + ": the first lower bound " + text(lower[0]) + " is not half the last upper bound " +
                  text(upper[n - 1])};
  }
  for (size_t k = 1; k < n; ++k) {
    if (lower[k] != upper[k - 1]) {
      throw Failure{name + ": bucket " + std::to_string(k) + " starts at " + text(lower[k]) +
                    ", the previous one ends at " + text(upper[k - 1])};
    }
    if (!(upper[k] > upper[k - 1]) || !(upper[k] < 1)) {
      throw Failure{name + ": bounds not increasing within [0.5, 1) at bucket " + std::to_string(k)};
    }
  }
  return upper;
}

// Entry i of schema s is 2^(i/2^s - 1), the same number as entry 2i of schema s+1.
void CheckAcrossSchemas(const std::vector<std::vector<double>>& table) {
  for (size_t s = 0; s + 1 < table.size(); ++s) {
    for (size_t i = 0; i < table[s].size(); ++i) {
      if (table[s][i] != table[s + 1][2 * i]) {
        char buf[200];
        std::snprintf(buf, sizeof buf,
                      "schema %zu entry %zu (%.17g) differs from schema %zu entry %zu (%.17g)", s, i,
                      table[s][i], s + 1, 2 * i, table[s + 1][2 * i]);
        throw Failure{buf};
      }
    }
  }
}

std::string Render(const std::vector<std::vector<double>>& table, const std::string& version) {
  std::ostringstream out;
  out << "# Native-histogram exponential bucket bounds in [0.5, 1): `schema i value` is the upper bound of "
         "bucket "
         "index i-2^schema (2^(i/2^schema - 1)) as Prometheus "
      << version
      << " renders it in /api/v1/query, recorded by `promconform record-histogram-bounds --reference "
         "prometheus-3` (scripts/record-histogram-bounds). Do not edit.\n";
  for (size_t s = 0; s < table.size(); ++s) {
    for (size_t i = 0; i < table[s].size(); ++i) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%zu %zu %.17g\n", s, i, table[s][i]);
      out << buf;
    }
  }
  return out.str();
}

}  // namespace

int RunRecordHistogramBoundsCommand(const std::vector<std::string>& args) {
  std::string reference, out_path;
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    if (args[i] == "--reference") reference = args[i + 1];
    if (args[i] == "--out") out_path = args[i + 1];
  }
  if (reference.empty() || out_path.empty() || args.size() % 2 != 1) {
    std::cerr << kUsage;
    return 2;
  }
  std::unique_ptr<LocalPeer> peer;
  std::string url = reference;
  if (reference == "prometheus-3") {
    auto started = LocalPeer::Start(PinnedPrometheusPeer());
    if (!started.ok()) {
      std::cerr << "record-histogram-bounds: " << started.error().message() << "\n";
      return 1;
    }
    peer = std::move(*started);
    url = peer->base_url();
  } else if (reference.rfind("http://", 0) != 0 && reference.rfind("https://", 0) != 0) {
    std::cerr << "record-histogram-bounds: --reference: a URL or prometheus-3, not " << reference << "\n";
    return 2;
  }
  HttpClient client;
  try {
    auto build = client.Get(url + "/api/v1/status/buildinfo");
    if (!build.answered()) throw Failure{url + " did not answer: " + build.transport_error};
    if (build.status != 200) throw Failure{url + ": no build info: HTTP " + std::to_string(build.status)};
    const std::string version = nlohmann::json::parse(build.body)["data"]["version"].get<std::string>();

    // Whole seconds, so that the query time names the sample's timestamp exactly.
    const int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    promref::wire::WriteRequest request;
    for (int s = 0; s <= kMaxSchema; ++s) request.timeseries.push_back(BoundsSeries(s, now_s * 1000));
    if (auto st = SendRemoteWrite(client, url + "/api/v1/write", request); !st.ok()) {
      throw Failure{st.error().message()};
    }

    std::vector<std::vector<double>> table;
    for (int s = 0; s <= kMaxSchema; ++s) table.push_back(QueryBounds(client, url, s, std::to_string(now_s)));
    CheckAcrossSchemas(table);

    std::ofstream out(out_path, std::ios::binary);
    out << Render(table, version);
    if (!out.flush()) throw Failure{"cannot write " + out_path};
    size_t n = 0;
    for (const auto& t : table) n += t.size();
    std::cerr << "record-histogram-bounds: recorded " << n << " bounds (schemas 0.." << kMaxSchema
              << ") from prometheus " << version << " into " << out_path << "\n";
    return 0;
  } catch (const Failure& f) {
    std::cerr << "record-histogram-bounds: FAILED: " << f.message << "\n";
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "record-histogram-bounds: FAILED: unexpected answer: " << e.what() << "\n";
  }
  if (peer != nullptr) std::cerr << "peer log:\n" << peer->LogTail() << "\n";
  return 1;
}

}  // namespace promconform
