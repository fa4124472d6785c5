// Fuzzes alert template expansion (reference_server/template) with whatever a rule file could
// hold as a label or annotation template:
//  - nothing crashes, leaks, overflows the stack or hangs (the expander's depth, step and
//    output limits hold);
//  - a failure reads as Prometheus reports it: "error parsing template NAME: template: NAME:..."
//    or "error executing template NAME: template: NAME...";
//  - the alerting rule's wrapper never fails: it is Expand with the alert prefix, errors folded
//    into "<error expanding template: ...>".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "template/template.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "template_fuzzer: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace promref;
  if (size > 16384) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);

  tmpl::Data d;
  d.labels = {{"instance", "host1:9100"}, {"job", "node"}};
  d.external_labels = {{"cluster", "eu1"}};
  d.external_url = "http://prom.example.com:9090/prefix";
  d.value = 1234.5678;
  tmpl::ExpandOptions o;
  o.timestamp_ms = 1700000000123;
  o.external_url = d.external_url;
  o.query = [](const std::string& q) -> Result<std::vector<tmpl::QuerySample>> {
    if (q == "error") return Error(ErrorKind::kExecution, "query failed");
    std::vector<tmpl::QuerySample> out;
    for (size_t i = 0; i < q.size() % 4; i++) {
      out.push_back(
          {model::Labels{{"__name__", "up"}, {"job", q}, {"i", std::to_string(i)}}, static_cast<double>(i)});
    }
    return out;
  };

  auto r = tmpl::Expand("t", text, d, o);
  if (!r.ok()) {
    const std::string& m = r.error().message();
    Check(m.starts_with("error parsing template t: template: t:") ||
              m.starts_with("error executing template t: template: t"),
          "an error not in Prometheus' words");
  }
  // The alert wrapper is Expand with the alert prefix, its failure folded into the value (a
  // template may print "<error expanding template: ..." itself, so compare with Expand).
  const std::string alert = tmpl::ExpandAlertTemplate("Fuzz", text, d, o);
  const auto direct = tmpl::Expand("__alert_Fuzz", tmpl::kAlertTemplateDefs + text, d, o);
  // (Printed query results show made-up addresses, so only failures are compared exactly.)
  if (!direct.ok()) {
    Check(alert == "<error expanding template: " + direct.error().message() + ">",
          "the alert wrapper does not fold Expand's error");
  }
  return 0;
}
