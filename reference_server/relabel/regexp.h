// The regex of a relabeling rule.
//
// Prometheus compiles a rule's regex as `^(?s:re)$`: it must match the whole input, and `.`
// matches a newline too. The syntax is Go's regexp (RE2's, plus Go's `(?<name>re)`), and
// invalid patterns are reported in Go's words about the anchored form, as Prometheus reports
// them. Matching yields the capture groups that `$` templates (target_label, replacement)
// refer to; Expand reads those templates exactly as Go's regexp.Expand does. Like Go, matching
// reads each byte of invalid UTF-8 in the input as U+FFFD (so `.` matches it).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace re2 {
class RE2;
}

namespace promref::relabel {

class Regexp {
 public:
  // `(.*)`, what a rule that leaves `regex` out gets. Always the same instance: Prometheus
  // tells a left-out regex from a written `(.*)` by identity (keepequal and dropequal refuse
  // a written one, the configuration view leaves the default out), and so does IsDefault.
  static const Regexp& Default();

  // "error parsing regexp: missing closing ): `^(?s:(a)$`" for `(a`, as Go says it.
  static Result<Regexp> Compile(std::string_view pattern);

  // The pattern as written (unanchored), as Prometheus shows it.
  const std::string& pattern() const { return pattern_; }
  bool IsDefault() const;

  bool Matches(std::string_view s) const;

  // The capture groups of `s` (index 0: all of `s`) when the regex matches it. A group that
  // took no part in the match has a null data() (Expand skips it for a named reference).
  std::optional<std::vector<std::string_view>> Match(std::string_view s) const;

  // Go's regexp.Expand of `tmpl` with `groups` from Match: `$$` is "$"; `$name` and `${name}`
  // refer to a group, where a name is the longest run of letters, digits and '_' (so `$1x` is
  // the group named "1x", not group 1 then "x"); an all-digit name without a leading zero is
  // a group number. A reference to a group that does not exist expands to nothing; a `$` that
  // starts no valid reference stays as it is.
  std::string Expand(std::string_view tmpl, std::span<const std::string_view> groups) const;

 private:
  Regexp(std::string pattern, std::shared_ptr<const re2::RE2> re)
      : pattern_(std::move(pattern)), re_(std::move(re)) {}
  std::optional<std::vector<std::string_view>> MatchInvalidUtf8(std::string_view s) const;
  std::string_view NamedGroup(std::string_view name, std::span<const std::string_view> groups) const;

  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace promref::relabel
