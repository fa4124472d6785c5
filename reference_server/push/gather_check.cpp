#include "push/gather_check.h"

#include <map>
#include <set>

#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::push {
namespace {

bool ValidLabelName(const std::string& n) {
  if (n.empty() || n.starts_with("__")) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && (i == 0 || c < '0' || c > '9')) return false;
  }
  return true;
}

std::string Collision(const Family& f, const std::map<std::string, const Family*>& seen) {
  const std::string& n = f.name;
  for (std::string_view s : {"_count", "_sum", "_bucket"}) {
    if (!n.ends_with(s)) continue;
    auto it = seen.find(n.substr(0, n.size() - s.size()));
    if (it == seen.end()) break;
    if (it->second->type == MetricType::kSummary && s != "_bucket") {
      return "collected metric named " + model::GoQuote(n) +
             " collides with previously collected summary named " + model::GoQuote(it->first);
    }
    if (it->second->type == MetricType::kHistogram) {
      return "collected metric named " + model::GoQuote(n) +
             " collides with previously collected histogram named " + model::GoQuote(it->first);
    }
    break;
  }
  if (f.type == MetricType::kSummary || f.type == MetricType::kHistogram) {
    for (const char* s : {"_count", "_sum"}) {
      if (seen.contains(n + s)) {
        return "collected histogram or summary named " + model::GoQuote(n) +
               " collides with previously collected metric named " + model::GoQuote(n + s);
      }
    }
  }
  if (f.type == MetricType::kHistogram && seen.contains(n + "_bucket")) {
    return "collected histogram named " + model::GoQuote(n) +
           " collides with previously collected metric named " + model::GoQuote(n + "_bucket");
  }
  return "";
}

std::string MetricError(const Family& f, const Metric& m, std::set<std::string>* hashes) {
  const std::string head = "collected metric " + model::GoQuote(f.name) + " { " + DtoMetricText(m) + "}";
  if (m.kind != f.type) return head + " is not a " + std::string(DtoTypeName(f.type));
  std::string prev;
  for (const LabelPair& l : m.labels) {
    if (l.name == prev) return head + " has two or more labels with the same name: " + l.name;
    if (!ValidLabelName(l.name)) return head + " has a label with an invalid name: " + l.name;
    if (!model::IsValidUtf8(l.value)) {
      return head + " has a label named " + model::GoQuote(l.name) +
             " whose value is not utf8: " + model::GoQuote(l.value);
    }
    prev = l.name;
  }
  std::string id = f.name;
  for (const LabelPair& l : m.labels) id += '\xff' + l.name + '\xff' + l.value;
  if (!hashes->insert(id).second) return head + " was collected before with the same name and label values";
  return "";
}

}  // namespace

std::vector<Family> Merge(const std::vector<const FamilyMap*>& groups) {
  std::map<std::string, Family> merged;
  for (const FamilyMap* g : groups) {
    for (const auto& [name, f] : *g) {
      auto [it, fresh] = merged.try_emplace(name, Family{.name = name, .help = f.help, .type = f.type});
      it->second.metrics.insert(it->second.metrics.end(), f.metrics.begin(), f.metrics.end());
    }
  }
  std::vector<Family> out;
  for (auto& [name, f] : merged) out.push_back(std::move(f));
  return out;
}

std::string GatherErrors(const std::vector<Family>& families) {
  std::vector<std::string> errs;
  std::map<std::string, const Family*> seen;
  std::set<std::string> hashes;
  for (const Family& f : families) {
    if (std::string e = Collision(f, seen); !e.empty()) {
      errs.push_back(std::move(e));
      continue;
    }
    seen[f.name] = &f;
    for (const Metric& m : f.metrics) {
      if (std::string e = MetricError(f, m, &hashes); !e.empty()) errs.push_back(std::move(e));
    }
  }
  if (errs.empty()) return "";
  if (errs.size() == 1) return errs[0];
  std::string out = std::to_string(errs.size()) + " error(s) occurred:";
  for (const std::string& e : errs) out += "\n* " + e;
  return out;
}

}  // namespace promref::push
