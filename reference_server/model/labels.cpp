#include "model/labels.h"

#include <algorithm>
#include <cstring>

#include "model/go_strconv.h"
#include "model/hash.h"
#include "model/utf8.h"

namespace promref::model {
namespace {

void PutUvarint(std::string* out, size_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a uvarint at data[*pos]; returns false on truncation or overflow.
bool GetUvarint(std::string_view data, size_t* pos, size_t* v) {
  size_t result = 0;
  for (int shift = 0; shift < 64 && *pos < data.size(); shift += 7) {
    const auto b = static_cast<unsigned char>(data[(*pos)++]);
    result |= static_cast<size_t>(b & 0x7F) << shift;
    if (b < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

void AppendLabel(std::string* out, std::string_view name, std::string_view value) {
  PutUvarint(out, name.size());
  out->append(name);
  PutUvarint(out, value.size());
  out->append(value);
}

bool IsLegacyStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

// --- Iterator ----------------------------------------------------------------------------

void Labels::Iterator::Load() {
  if (pos_ >= data_.size()) {
    pos_ = data_.size();
    return;
  }
  // The encoding was validated on construction, so the reads cannot fail here.
  size_t p = pos_;
  size_t len = 0;
  GetUvarint(data_, &p, &len);
  current_.name = data_.substr(p, len);
  p += len;
  GetUvarint(data_, &p, &len);
  current_.value = data_.substr(p, len);
  next_ = p + len;
}

Labels::Iterator& Labels::Iterator::operator++() {
  pos_ = next_;
  Load();
  return *this;
}

// --- Labels ------------------------------------------------------------------------------

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  LabelsBuilder b;
  for (const auto& [name, value] : pairs) b.Set(name, value);
  *this = b.Build();
}

Result<Labels> Labels::FromEncoded(std::string_view bytes) {
  size_t pos = 0;
  std::string_view prev;
  bool first = true;
  while (pos < bytes.size()) {
    size_t len = 0;
    if (!GetUvarint(bytes, &pos, &len) || len > bytes.size() - pos) {
      return BadData("label set encoding truncated");
    }
    std::string_view name = bytes.substr(pos, len);
    pos += len;
    if (!GetUvarint(bytes, &pos, &len) || len > bytes.size() - pos) {
      return BadData("label set encoding truncated");
    }
    pos += len;
    if (name.empty() || len == 0) return BadData("label set encoding holds an empty name or value");
    if (!first && !(prev < name)) return BadData("label set encoding is not sorted and unique");
    prev = name;
    first = false;
  }
  return Labels(std::string(bytes));
}

size_t Labels::size() const {
  return static_cast<size_t>(std::distance(begin(), end()));
}

std::string_view Labels::Get(std::string_view name) const {
  for (const LabelView& l : *this) {
    if (l.name == name) return l.value;
    if (l.name > name) break;  // sorted: it cannot come later
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  return !Get(name).empty();
}

uint64_t Labels::Hash() const {
  return XxHash64(data_);
}

uint64_t Labels::HashForNames(std::span<const std::string> names) const {
  std::string buf;
  auto it = names.begin();
  for (const LabelView& l : *this) {
    while (it != names.end() && *it < l.name) ++it;
    if (it == names.end()) break;
    if (*it == l.name) AppendLabel(&buf, l.name, l.value);
  }
  return XxHash64(buf);
}

uint64_t Labels::HashWithoutNames(std::span<const std::string> names) const {
  std::string buf;
  auto it = names.begin();
  for (const LabelView& l : *this) {
    if (l.name == kMetricNameLabel) continue;
    while (it != names.end() && *it < l.name) ++it;
    if (it != names.end() && *it == l.name) continue;
    AppendLabel(&buf, l.name, l.value);
  }
  return XxHash64(buf);
}

std::string Labels::ToString() const {
  std::string out = "{";
  bool first = true;
  for (const LabelView& l : *this) {
    if (!first) out += ", ";
    first = false;
    if (IsValidLegacyMetricName(l.name)) {
      out += l.name;
    } else {
      out += GoQuote(l.name);
    }
    out += '=';
    out += GoQuote(l.value);
  }
  out += '}';
  return out;
}

int Compare(const Labels& a, const Labels& b) {
  auto ia = a.begin();
  auto ib = b.begin();
  const auto ea = a.end();
  const auto eb = b.end();
  for (; ia != ea && ib != eb; ++ia, ++ib) {
    if (int c = ia->name.compare(ib->name); c != 0) return c;
    if (int c = ia->value.compare(ib->value); c != 0) return c;
  }
  if (ia == ea && ib == eb) return 0;
  return ia == ea ? -1 : 1;
}

// --- LabelsBuilder -----------------------------------------------------------------------

void LabelsBuilder::Reset(const Labels& base) {
  labels_.clear();
  for (const LabelView& l : base) labels_.emplace_back(std::string(l.name), std::string(l.value));
}

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const auto& l, std::string_view n) { return l.first < n; });
  if (it != labels_.end() && it->first == name) {
    it->second.assign(value);
  } else {
    labels_.emplace(it, std::string(name), std::string(value));
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const auto& l, std::string_view n) { return l.first < n; });
  if (it != labels_.end() && it->first == name) labels_.erase(it);
  return *this;
}

LabelsBuilder& LabelsBuilder::Keep(std::span<const std::string> names) {
  std::erase_if(labels_,
                [&](const auto& l) { return std::find(names.begin(), names.end(), l.first) == names.end(); });
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  for (const auto& l : labels_) {
    if (l.first == name) return l.second;
  }
  return {};
}

void AssignSortedLabels(std::span<const LabelView> sorted, Labels* out) {
  std::string& data = out->data_;
  data.clear();
  for (const LabelView& l : sorted) {
    if (!l.value.empty()) AppendLabel(&data, l.name, l.value);
  }
}

Labels LabelsBuilder::Build() const {
  std::string data;
  size_t total = 0;
  for (const auto& l : labels_) total += l.first.size() + l.second.size() + 4;
  data.reserve(total);
  for (const auto& l : labels_) AppendLabel(&data, l.first, l.second);
  return Labels(std::move(data));
}

// --- Names -------------------------------------------------------------------------------

bool IsValidLegacyLabelName(std::string_view name) {
  if (name.empty() || !IsLegacyStart(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [](char c) { return IsLegacyStart(c) || IsDigit(c); });
}

bool IsValidLegacyMetricName(std::string_view name) {
  if (name.empty() || !(IsLegacyStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return IsLegacyStart(c) || IsDigit(c) || c == ':'; });
}

bool IsValidLabelName(std::string_view name) {
  return !name.empty() && IsValidUtf8(name);
}

bool IsValidLabelValue(std::string_view value) {
  return IsValidUtf8(value);
}

std::string UnescapeValueEncoding(std::string_view name) {
  constexpr std::string_view kPrefix = "U__";
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::string(name);
  const std::string_view escaped = name.substr(kPrefix.size());
  std::string out;
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '_') {
      out.push_back(escaped[i]);
      continue;
    }
    ++i;
    if (i >= escaped.size()) return std::string(name);
    if (escaped[i] == '_') {
      out.push_back('_');
      continue;
    }
    // `_<hex>_`: at most 6 hex digits (U+10FFFF), then a closing underscore.
    uint32_t code = 0;
    bool closed = false;
    for (int digits = 0; i < escaped.size(); ++digits, ++i) {
      if (escaped[i] == '_') {
        closed = true;
        break;
      }
      if (digits >= 6) return std::string(name);
      const char c = static_cast<char>(escaped[i] | 0x20);  // lower-case a hex letter
      code *= 16;
      if (c >= '0' && c <= '9') {
        code += static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        code += static_cast<uint32_t>(c - 'a' + 10);
      } else {
        return std::string(name);
      }
    }
    if (!closed || !IsValidRune(code)) return std::string(name);
    AppendRune(&out, code);
  }
  return out;
}

std::string EscapeValueEncoding(std::string_view name) {
  if (IsValidLegacyMetricName(name)) return std::string(name);
  std::string out = "U__";
  size_t i = 0;
  bool first = true;
  while (i < name.size()) {
    char32_t r;
    const int n = DecodeRune(name.substr(i), &r);
    const bool legacy = (r < 0x80) && (IsLegacyStart(static_cast<char>(r)) || r == ':' ||
                                       (!first && IsDigit(static_cast<char>(r))));
    if (r == '_') {
      out += "__";
    } else if (legacy) {
      out.push_back(static_cast<char>(r));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex;
      for (char32_t v = r; v > 0; v >>= 4) hex.insert(hex.begin(), kHex[v & 0xF]);
      if (hex.empty()) hex = "0";
      out += '_' + hex + '_';
    }
    i += n;
    first = false;
  }
  return out;
}

}  // namespace promref::model
