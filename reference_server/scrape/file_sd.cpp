#include "scrape/file_sd.h"

#include <glob.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace promref::scrape {
namespace {

constexpr const char* kFilepathLabel = "__meta_filepath";

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<TargetGroup> GroupFromJson(const nlohmann::json& j) {
  if (j.is_null()) return BadData("nil target group item found");
  if (!j.is_object())
    return BadData("json: cannot unmarshal " + std::string(j.type_name()) + " into Go value of type struct");
  TargetGroup g;
  for (const auto& [key, value] : j.items()) {
    if (key == "targets") {
      if (value.is_null()) continue;
      if (!value.is_array())
        return BadData("json: cannot unmarshal into Go struct field .targets of type []string");
      for (const auto& t : value) {
        if (!t.is_string())
          return BadData("json: cannot unmarshal into Go struct field .targets of type string");
        g.targets.push_back(model::Labels{{"__address__", t.get<std::string>()}});
      }
    } else if (key == "labels") {
      if (value.is_null()) continue;
      if (!value.is_object())
        return BadData("json: cannot unmarshal into Go struct field .labels of type model.LabelSet");
      model::LabelsBuilder b;
      for (const auto& [name, v] : value.items()) {
        if (!v.is_string()) return BadData("json: cannot unmarshal into Go value of type model.LabelValue");
        if (!model::IsValidLabelName(name)) return BadData("\"" + name + "\" is not a valid label name");
        b.Set(name, v.get<std::string>());
      }
      g.labels = b.Build();
    } else {
      return BadData("json: unknown field \"" + key + "\"");
    }
  }
  return g;
}

Result<TargetGroup> GroupFromYaml(const YAML::Node& n) {
  if (!n || n.IsNull()) return BadData("nil target group item found");
  if (!n.IsMap()) return BadData("yaml: unmarshal errors: cannot unmarshal into a target group");
  TargetGroup g;
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (key == "targets") {
      for (const auto& t : kv.second)
        g.targets.push_back(model::Labels{{"__address__", t.as<std::string>()}});
    } else if (key == "labels") {
      model::LabelsBuilder b;
      for (const auto& l : kv.second) {
        const std::string name = l.first.as<std::string>();
        if (!model::IsValidLabelName(name)) return BadData("\"" + name + "\" is not a valid label name");
        b.Set(name, l.second.as<std::string>());
      }
      g.labels = b.Build();
    } else {
      return BadData("yaml: unmarshal errors:\n  field " + key +
                     " not found in type struct { Targets []string \"yaml:\\\"targets\\\"\"; Labels "
                     "model.LabelSet \"yaml:\\\"labels\\\"\" }");
    }
  }
  return g;
}

}  // namespace

Result<std::vector<TargetGroup>> ParseTargetGroupFile(const std::string& path, const std::string& text) {
  std::vector<TargetGroup> groups;
  const bool json = EndsWith(path, ".json") || EndsWith(path, ".JSON");
  try {
    if (json) {
      const nlohmann::json j = nlohmann::json::parse(text);
      if (!j.is_array() && !j.is_null())
        return BadData("json: cannot unmarshal object into Go value of type []*targetgroup.Group");
      for (const auto& item : j.is_null() ? nlohmann::json::array() : j) {
        auto g = GroupFromJson(item);
        if (!g.ok()) return g.error();
        groups.push_back(std::move(*g));
      }
    } else {
      const YAML::Node n = YAML::Load(text);
      if (n && !n.IsNull() && !n.IsSequence())
        return BadData("yaml: unmarshal errors: cannot unmarshal into []*targetgroup.Group");
      for (const auto& item : n) {
        auto g = GroupFromYaml(item);
        if (!g.ok()) return g.error();
        groups.push_back(std::move(*g));
      }
    }
  } catch (const std::exception& e) {
    return BadData(e.what());
  }
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].source = path + ":" + std::to_string(i);
    groups[i].labels = model::LabelsBuilder(groups[i].labels).Set(kFilepathLabel, path).Build();
  }
  return groups;
}

std::vector<std::string> FileDiscovery::ListFiles() const {
  std::set<std::string> out;
  for (const auto& pattern : config_.files) {
    glob_t g{};
    if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.insert(g.gl_pathv[i]);
    }
    globfree(&g);
  }
  return {out.begin(), out.end()};
}

bool FileDiscovery::Refresh(std::chrono::steady_clock::time_point now, std::vector<std::string>* errors) {
  const bool full = last_full_ == std::chrono::steady_clock::time_point{} ||
                    now - last_full_ >= std::chrono::milliseconds(config_.refresh_interval_ms);
  if (full) last_full_ = now;
  bool changed = false;
  std::map<std::string, FileState> next;
  for (const std::string& path : ListFiles()) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) continue;
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    auto old = files_.find(path);
    FileState state = old == files_.end() ? FileState{} : old->second;
    if (!full && state.mtime_ns == mtime && state.size == st.st_size) {
      next.emplace(path, std::move(state));
      continue;
    }
    state.mtime_ns = mtime;
    state.size = st.st_size;
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto groups = ParseTargetGroupFile(path, text.str());
    if (!groups.ok()) {
      errors->push_back("file_sd: error reading file \"" + path + "\": " + groups.error().message());
    } else if (*groups != state.groups) {
      state.groups = std::move(*groups);
      changed = true;
    }
    next.emplace(path, std::move(state));
  }
  const auto same_files = [&] {
    if (next.size() != files_.size()) return false;
    for (const auto& [path, state] : next) {
      if (!files_.count(path)) return false;
    }
    return true;
  };
  if (!same_files()) changed = true;  // files appeared or went away
  files_ = std::move(next);
  return changed;
}

std::vector<TargetGroup> FileDiscovery::Groups() const {
  std::vector<TargetGroup> out;
  for (const auto& [path, state] : files_) out.insert(out.end(), state.groups.begin(), state.groups.end());
  return out;
}

}  // namespace promref::scrape
