#include "relabel/regexp.h"

#include <re2/re2.h>

#include <optional>

#include "model/matcher.h"
#include "model/utf8.h"
#include "relabel/go_unicode.h"

namespace promref::relabel {
namespace {

std::shared_ptr<const re2::RE2> CompileRe2(const std::string& anchored) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  return std::make_shared<const re2::RE2>(model::Re2Pattern(anchored), opts);
}

// A `$` reference as regexp.Expand reads it, from just after the `$`.
struct Reference {
  std::string_view name;
  std::string_view rest;  // the template after the reference
};

std::optional<Reference> ParseReference(std::string_view s) {
  const bool brace = !s.empty() && s[0] == '{';
  if (brace) s.remove_prefix(1);
  size_t end = 0;
  while (end < s.size()) {
    char32_t r = 0;
    const int size = model::DecodeRune(s.substr(end), &r);
    if (r != '_' && !model::IsUnicodeLetter(r) && !IsUnicodeDigit(r)) break;
    end += static_cast<size_t>(size);
  }
  if (end == 0) return std::nullopt;
  const std::string_view name = s.substr(0, end);
  if (brace) {
    if (end >= s.size() || s[end] != '}') return std::nullopt;
    ++end;
  }
  return Reference{name, s.substr(end)};
}

// The group number a name stands for: ASCII digits without a leading zero, below 10^9 (Go's
// limit), or nullopt for a name that refers by name.
std::optional<size_t> GroupNumber(std::string_view name) {
  if (name.size() > 9 || (name.size() > 1 && name[0] == '0')) return std::nullopt;
  size_t n = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

}  // namespace

const Regexp& Regexp::Default() {
  static const Regexp* const kDefault = new Regexp(*Compile("(.*)"));
  return *kDefault;
}

Result<Regexp> Regexp::Compile(std::string_view pattern) {
  const std::string anchored = "^(?s:" + std::string(pattern) + ")$";
  if (Status valid = model::ValidateRegex(anchored); !valid.ok()) return valid.error();
  auto re = CompileRe2(anchored);
  if (!re->ok()) return BadData("error parsing regexp: " + re->error());
  return Regexp(std::string(pattern), std::move(re));
}

bool Regexp::IsDefault() const {
  return re_ == Default().re_;
}

bool Regexp::Matches(std::string_view s) const {
  if (!model::IsValidUtf8(s)) return Match(s).has_value();
  return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

std::optional<std::vector<std::string_view>> Regexp::Match(std::string_view s) const {
  if (!model::IsValidUtf8(s)) return MatchInvalidUtf8(s);
  const int n = re_->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> pieces(static_cast<size_t>(n));
  if (!re_->Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), re2::RE2::ANCHOR_BOTH, pieces.data(),
                  n)) {
    return std::nullopt;
  }
  std::vector<std::string_view> groups;
  groups.reserve(pieces.size());
  for (const auto& p : pieces) groups.emplace_back(p.data(), p.size());
  return groups;
}

// Matches a copy of `s` with each invalid byte spelled as U+FFFD, and maps the groups back.
std::optional<std::vector<std::string_view>> Regexp::MatchInvalidUtf8(std::string_view s) const {
  std::string valid;
  std::vector<size_t> origin;  // origin[i]: the offset in s of the rune byte i of valid belongs to
  for (size_t offset = 0; offset < s.size();) {
    char32_t r = 0;
    const auto size = static_cast<size_t>(model::DecodeRune(s.substr(offset), &r));
    const size_t before = valid.size();
    if (r == model::kRuneError && size == 1) {
      model::AppendRune(&valid, r);
    } else {
      valid.append(s.substr(offset, size));
    }
    origin.insert(origin.end(), valid.size() - before, offset);
    offset += size;
  }
  origin.push_back(s.size());
  auto groups = Match(valid);
  if (!groups) return std::nullopt;
  for (std::string_view& g : *groups) {
    if (g.data() == nullptr) continue;
    const size_t begin = origin[static_cast<size_t>(g.data() - valid.data())];
    const size_t end = origin[static_cast<size_t>(g.data() - valid.data()) + g.size()];
    g = s.substr(begin, end - begin);
  }
  return groups;
}

std::string_view Regexp::NamedGroup(std::string_view name, std::span<const std::string_view> groups) const {
  // Go takes the first participating group of that name (names may repeat in Go).
  for (const auto& [index, group_name] : re_->CapturingGroupNames()) {
    const auto i = static_cast<size_t>(index);
    if (group_name == name && i < groups.size() && groups[i].data() != nullptr) return groups[i];
  }
  return {};
}

std::string Regexp::Expand(std::string_view tmpl, std::span<const std::string_view> groups) const {
  std::string out;
  for (size_t dollar = tmpl.find('$'); dollar != std::string_view::npos; dollar = tmpl.find('$')) {
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    const std::optional<Reference> ref = ParseReference(tmpl);
    if (!ref) {
      out += '$';
      continue;
    }
    if (const std::optional<size_t> number = GroupNumber(ref->name)) {
      if (*number < groups.size()) out.append(groups[*number]);
    } else {
      out.append(NamedGroup(ref->name, groups));
    }
    tmpl = ref->rest;
  }
  out.append(tmpl);
  return out;
}

}  // namespace promref::relabel
