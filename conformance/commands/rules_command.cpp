#include "commands/rules_command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "client/remote_write_client.h"
#include "commands/target_options.h"
#include "peers/local_peer.h"
#include "report/writers.h"
#include "rules_suite/rules_suite.h"
#include "target/target.h"

namespace promconform {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kUsage = R"(usage: promconform rules [--target embedded|PROFILE|URL] [options]
  --expected FILE     answers to judge against (default: those recorded from the Prometheus line
                      the target claims, fixtures/rules/{3.x,2.42}/expected.json)
  --record FILE       write the target's answers as the expected ones instead of judging
  --report-dir DIR    where reports go (default reports)
  --report-name NAME  report file stem (default rules-<target>)
  --format F,...      report formats (default all)
  --print-rules       print the rule file to install on a target, and exit
  plus the target options of `promconform run --help` (prefix, credentials, remote write, TLS).
)";

struct Options {
  std::string target = "embedded";
  std::string expected, record, report_dir = "reports", report_name;
  std::vector<std::string> formats = {"all"};
  TargetOptions target_options;
  bool print_rules = false;
  std::string error;
};

Options ParseArgs(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 1; i < args.size() && o.error.empty(); ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        o.error = a + " needs a value";
        return "";
      }
      return args[++i];
    };
    if (a == "--target") {
      o.target = value();
    } else if (a == "--expected") {
      o.expected = value();
    } else if (a == "--record") {
      o.record = value();
    } else if (a == "--report-dir") {
      o.report_dir = value();
    } else if (a == "--report-name") {
      o.report_name = value();
    } else if (a == "--print-rules") {
      o.print_rules = true;
    } else if (a == "--format") {
      o.formats = SplitList(value());
    } else if (ParseTargetOption(args, i, o.target_options, &o.error)) {
    } else {
      o.error = a == "--help" ? "help" : "unknown argument " + a;
    }
  }
  FinishTargetOptions(o.target_options);
  return o;
}

std::string SourceRoot() {
  return fs::path(ProfilesDir()).parent_path().parent_path().string();
}

// A launched target with the suite's rules installed: the profile is pointed at it.
struct Launched {
  std::string dir;  // holds the rule file and config; removed at the end
  std::unique_ptr<LocalPeer> peer;
  ~Launched() {
    peer.reset();
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

constexpr const char* kConfig = "global:\n  evaluation_interval: 2s\nrule_files: [promconform_rules.yml]\n";

promref::Status Install(TargetProfile* profile, Launched* l) {
  if (profile->launch.empty() || !profile->base_url.empty()) return {};
  if (profile->launch == "embedded") {
    std::string tmpl = (fs::temp_directory_path() / "promconform-rules-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return promref::BadData("cannot create a temporary directory");
    l->dir = tmpl;
    std::ofstream(l->dir + "/promconform_rules.yml") << rules_suite::kRuleFile;
    std::ofstream(l->dir + "/config.yml") << kConfig;
    profile->launch_args.push_back("--config.file=" + l->dir + "/config.yml");
    return {};
  }
  if (profile->launch != "prometheus" && profile->launch != "pinned-prometheus") {
    return promref::BadData(
        "profile " + profile->name + ": the rules suite launches only promref and Prometheus; " +
        "start the target yourself with fixtures/rules/promconform_rules.yml and give its URL");
  }
  PeerSpec spec = profile->launch == "prometheus" ? PrometheusPeer(profile->launch_args)
                                                  : PinnedPrometheusPeer(profile->launch_args);
  spec.files["prometheus.yml"] = kConfig;
  spec.files["promconform_rules.yml"] = rules_suite::kRuleFile;
  auto peer = LocalPeer::Start(spec);
  if (!peer.ok()) return peer.error();
  l->peer = std::move(*peer);
  profile->base_url = l->peer->base_url();
  profile->launch.clear();
  return {};
}

// A JSON file's value; null when it cannot be read or parsed.
json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  return !in || j.is_discarded() ? json() : j;
}

rules_suite::Access AccessFor(Target& t) {
  auto client = std::make_shared<HttpClient>(t.ClientOptions());
  rules_suite::Access a;
  a.get = [&t, client](const std::string& path) {
    HttpRequest req;
    req.url = t.Url(path);
    return t.Send(*client, req);
  };
  a.write = [&t, client](const promref::wire::WriteRequest& w) -> promref::Status {
    const std::string url = t.RemoteWriteUrl();
    if (url.empty()) return promref::BadData("the profile has no remote write: the rules suite needs one");
    Headers headers = t.profile().RequestHeaders();
    for (const auto& h : t.profile().remote_write->headers) headers.push_back(h);
    return SendRemoteWrite(*client, url, w, headers);
  };
  return a;
}

}  // namespace

int RunRulesCommand(const std::vector<std::string>& args) {
  Options o = ParseArgs(args);
  if (o.error == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (!o.error.empty()) {
    std::cerr << "promconform rules: " << o.error << "\n" << kUsage;
    return 2;
  }
  if (o.print_rules) {
    std::cout << rules_suite::kRuleFile;
    return 0;
  }
  const std::string started = NowRfc3339();
  auto profile = ResolveProfile(o.target);
  if (!profile.ok()) {
    std::cerr << "promconform rules: " << profile.error().message() << "\n";
    return 2;
  }
  ApplyTargetOptions(o.target_options, *profile);
  Launched launched;
  if (auto st = Install(&*profile, &launched); !st.ok()) {
    std::cerr << "promconform rules: " << st.error().message() << "\n";
    return 3;
  }
  auto target = Target::Open(*profile);
  if (!target.ok()) {
    std::cerr << "promconform rules: " << target.error().message() << "\n";
    return 3;
  }
  const rules_suite::Access access = AccessFor(**target);
  const json answer = json::parse(access.get("/api/v1/rules").body, nullptr, false);
  const json installed =
      rules_suite::NormalizeRules(answer.is_object() && answer.contains("data") ? answer["data"] : json());
  if (!installed.is_object() || !installed.contains("groups") || installed["groups"].empty()) {
    std::cerr << "promconform rules: the target shows no promconform-* rule groups; install " << SourceRoot()
              << "/fixtures/rules/promconform_rules.yml on it first\n";
    return 3;
  }
  const auto begin = std::chrono::steady_clock::now();
  auto obs = rules_suite::Observe(access);
  if (!obs.ok()) {
    std::cerr << "promconform rules: " << obs.error().message() << "\n";
    return 3;
  }
  if (!o.record.empty()) {
    std::ofstream(o.record) << rules_suite::Recordable(*obs).dump(1) << "\n";
    std::cout << "recorded " << o.record << " from " << profile->name << " " << (*target)->Version() << "\n";
    for (const auto& p : obs->problems) std::cout << "problem: " << p << "\n";
    return obs->problems.empty() ? 0 : 1;
  }
  // The answers of the line the target claims (--expected overrides them), and the other line's.
  const std::string dir = SourceRoot() + "/fixtures/rules/";
  const bool v3 = profile->ClaimsV3();
  const std::string expected_path =
      !o.expected.empty() ? o.expected : dir + (v3 ? "3.x" : "2.42") + "/expected.json";
  rules_suite::Expected expected;
  expected.answers = ReadJson(expected_path);
  expected.source =
      o.expected.empty() ? std::string("recorded from Prometheus ") + (v3 ? "3.16" : "2.42") : expected_path;
  if (expected.answers.is_null()) {
    std::cerr << "promconform rules: cannot read expected answers " << expected_path << "\n";
    return 3;
  }
  if (o.expected.empty()) {
    expected.other_answers = ReadJson(dir + (v3 ? "2.42" : "3.x") + "/expected.json");
    expected.other_source = std::string("Prometheus ") + (v3 ? "2.42" : "3.16");
  }
  RunInfo info;
  info.mode = "rules";
  info.target = profile->name;
  info.target_url = (*target)->base_url();
  info.target_version = (*target)->Version();
  info.claims = profile->claims;
  info.reference = expected.source + " (" + expected_path + ")";
  info.started_at = started;
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  RunResults results = rules_suite::Judge(*obs, expected, info);
  std::cout << TextReport(results);
  const std::string name =
      o.report_name.empty() ? "rules-" + ReportFileName(profile->name) : ReportFileName(o.report_name);
  auto paths = WriteReports(results, o.report_dir, name, o.formats);
  if (!paths.ok()) {
    std::cerr << "promconform rules: " << paths.error().message() << "\n";
    return 3;
  }
  for (const auto& p : *paths) std::cout << "report: " << p << "\n";
  const CategoryScore total = results.Total();
  return total.counts.count(Verdict::kPass) && total.counts.at(Verdict::kPass) == total.total ? 0 : 1;
}

}  // namespace promconform
