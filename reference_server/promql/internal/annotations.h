// Collects the warnings and infos a query produces, rendered as Prometheus renders them:
// "PromQL warning: <text> (<line>:<col>)", de-duplicated, in order of first appearance.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "promql/ast.h"

namespace promref::promql::internal {

class AnnotationSet {
 public:
  explicit AnnotationSet(std::string_view query) : query_(query) {}

  void Warn(std::string_view text, PositionRange pos) { Add(&warnings_, "PromQL warning: ", text, pos); }
  void Info(std::string_view text, PositionRange pos) { Add(&infos_, "PromQL info: ", text, pos); }

  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::vector<std::string>& infos() const { return infos_; }

 private:
  void Add(std::vector<std::string>* list, std::string_view prefix, std::string_view text,
           PositionRange pos) {
    std::string s = std::string(prefix) + std::string(text) + " (" + Position(pos.start) + ")";
    if (seen_.insert(s).second) list->push_back(std::move(s));
  }
  std::string Position(int offset) const {
    int line = 1;
    int last_newline = -1;
    for (int i = 0; i < offset && i < static_cast<int>(query_.size()); ++i) {
      if (query_[static_cast<size_t>(i)] == '\n') {
        ++line;
        last_newline = i;
      }
    }
    return std::to_string(line) + ":" + std::to_string(offset - last_newline);
  }

  std::string_view query_;
  std::vector<std::string> warnings_;
  std::vector<std::string> infos_;
  std::set<std::string> seen_;
};

}  // namespace promref::promql::internal
