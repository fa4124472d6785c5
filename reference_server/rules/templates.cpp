#include "rules/templates.h"

#include "template/template.h"

namespace promref::rules {

namespace {

std::map<std::string, std::string> ToMap(const model::Labels& labels) {
  std::map<std::string, std::string> out;
  for (const auto& l : labels) out.emplace(l.name, l.value);
  return out;
}

}  // namespace

std::string ExpandAlertTemplate(const std::string& alert_name, const std::string& text,
                                const promql::Sample& sample, const model::Labels& external_labels,
                                const std::string& external_url, int64_t ts_ms, const QueryFunc& query) {
  tmpl::Data data;
  data.labels = ToMap(sample.metric);
  data.external_labels = ToMap(external_labels);
  data.external_url = external_url;
  data.value = sample.f;
  tmpl::ExpandOptions opts;
  opts.timestamp_ms = ts_ms;
  opts.external_url = external_url;
  // Template queries run at the evaluation time, without the group's query offset.
  opts.query = [&query, ts_ms](const std::string& q) -> Result<std::vector<tmpl::QuerySample>> {
    auto vec = query(q, ts_ms);
    if (!vec.ok()) return vec.error();
    std::vector<tmpl::QuerySample> out;
    for (const auto& s : *vec) out.push_back({s.metric, s.f});
    return out;
  };
  return tmpl::ExpandAlertTemplate(alert_name, text, data, opts);
}

std::string CheckAlertTemplate(const std::string& alert_name, const std::string& text) {
  Status st = tmpl::ParseTest("__alert_" + alert_name, tmpl::kAlertTemplateDefs + text);
  return st.ok() ? "" : st.error().message();
}

}  // namespace promref::rules
