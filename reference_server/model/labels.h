// Label sets: the identity of a series.
//
// A Labels value is immutable, sorted by name, has unique names and no empty values (in
// Prometheus an empty value means "no such label"). It is stored as one contiguous byte
// string ([uvarint len][name][uvarint len][value]...), so copying is one allocation, equality
// is one memcmp and the hash is stable across processes (it may be persisted).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"

namespace promref::model {

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct LabelView {
  std::string_view name;
  std::string_view value;
  friend bool operator==(const LabelView&, const LabelView&) = default;
};

class Labels {
 public:
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = LabelView;
    using difference_type = std::ptrdiff_t;
    using pointer = const LabelView*;
    using reference = const LabelView&;

    Iterator() = default;
    const LabelView& operator*() const { return current_; }
    const LabelView* operator->() const { return &current_; }
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator tmp = *this;
      ++*this;
      return tmp;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.pos_ == b.pos_; }

   private:
    friend class Labels;
    Iterator(std::string_view data, size_t pos) : data_(data), pos_(pos) { Load(); }
    void Load();

    std::string_view data_;
    size_t pos_ = 0;
    size_t next_ = 0;
    LabelView current_;
  };

  Labels() = default;

  // From name/value pairs in any order. A later pair replaces an earlier one with the same
  // name; pairs with an empty value are dropped.
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);

  // Decodes Encoded() bytes, checking that they hold a valid label set (sorted, unique,
  // non-empty values). Used when reading persisted data.
  static Result<Labels> FromEncoded(std::string_view bytes);

  Iterator begin() const { return Iterator(data_, 0); }
  Iterator end() const { return Iterator(data_, data_.size()); }
  bool empty() const { return data_.empty(); }
  size_t size() const;

  // The value of `name`, or "" when the label is absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricNameLabel); }

  // Stable 64-bit hash of the whole set. Equal sets hash equal.
  uint64_t Hash() const;
  // Hash of only the labels whose names are in `names` (sorted ascending): the `by(...)` and
  // `on(...)` grouping keys.
  uint64_t HashForNames(std::span<const std::string> names) const;
  // Hash of the labels whose names are not in `names` (sorted ascending) and are not
  // __name__: the `without(...)` and `ignoring(...)` grouping keys.
  uint64_t HashWithoutNames(std::span<const std::string> names) const;

  // The labels whose names satisfy keep(name), copied straight from the encoding (cheaper than
  // a LabelsBuilder round trip, which decodes every label into strings).
  template <typename Keep>
  Labels Filter(Keep keep) const {
    std::string out;
    out.reserve(data_.size());
    for (Iterator it = begin(); it != end(); ++it) {
      if (keep(it->name)) out.append(data_, it.pos_, it.next_ - it.pos_);
    }
    return Labels(std::move(out));
  }

  // Prometheus' text form: {__name__="up", job="x"}; names that are not legacy-valid are
  // quoted, values are Go-quoted.
  std::string ToString() const;

  // The canonical byte encoding (stable; may be persisted).
  std::string_view Encoded() const { return data_; }
  size_t ByteSize() const { return data_.size(); }

  // Prometheus' labels.Compare order: label by label, name then value, byte-wise; a prefix
  // sorts first. Returns <0, 0 or >0.
  friend int Compare(const Labels& a, const Labels& b);
  friend bool operator==(const Labels& a, const Labels& b) { return a.data_ == b.data_; }
  friend bool operator<(const Labels& a, const Labels& b) { return Compare(a, b) < 0; }

 private:
  friend class LabelsBuilder;
  friend void AssignSortedLabels(std::span<const LabelView> sorted, Labels* out);
  explicit Labels(std::string data) : data_(std::move(data)) {}
  std::string data_;
};

struct LabelsHash {
  size_t operator()(const Labels& l) const { return l.Hash(); }
};

// Sets *out to the set of `sorted`, whose names the caller has checked to be strictly
// ascending; pairs with an empty value are dropped. Reuses out's storage: ingestion builds a
// label set for every series of every request, and an allocation each time would dominate.
void AssignSortedLabels(std::span<const LabelView> sorted, Labels* out);

// Builds a Labels from a base set and modifications. Setting an empty value deletes.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) { Reset(base); }

  void Reset(const Labels& base);
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  // Keeps only the labels named in `names`.
  LabelsBuilder& Keep(std::span<const std::string> names);
  std::string_view Get(std::string_view name) const;
  bool empty() const { return labels_.empty(); }

  Labels Build() const;

 private:
  std::vector<std::pair<std::string, std::string>> labels_;  // sorted by name, unique
};

// --- Names -----------------------------------------------------------------------------

// [a-zA-Z_][a-zA-Z0-9_]*
bool IsValidLegacyLabelName(std::string_view name);
// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidLegacyMetricName(std::string_view name);
// Prometheus 3.x (UTF-8 validation): any non-empty valid UTF-8 string.
bool IsValidLabelName(std::string_view name);
// Label values: any valid UTF-8 string.
bool IsValidLabelValue(std::string_view value);

// Decodes the "values" escaping scheme (`U__` prefix) that the label-values endpoint accepts
// in its path: `__` is `_`, `_<hex>_` is that code point, everything else is literal. A name
// without the prefix, or one that is not a valid encoding, is returned unchanged (as
// Prometheus' model.UnescapeName does).
std::string UnescapeValueEncoding(std::string_view name);
// The inverse: legacy-valid names are returned unchanged, others get the `U__` form.
std::string EscapeValueEncoding(std::string_view name);

}  // namespace promref::model
