// RapidCheck generators of valid native histograms, shared by the property tests of the model
// (histogram_ops_test), the engine's statistics (histogram_stats_test) and the engine itself
// (histogram_engine_property_test). Every histogram they produce passes HistogramValidate
// (histogram_ops_test checks that).
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <utility>
#include <vector>

#include "model/histogram.h"
#include "model/histogram_buckets.h"

namespace promref::model {

// For RapidCheck's counterexamples.
inline void showValue(const FloatHistogram& h, std::ostream& os) {
  os << "{schema " << h.schema << ", zero_threshold " << h.zero_threshold << ", zero_count " << h.zero_count
     << ", count " << h.count << ", sum " << h.sum;
  const auto show = [&os](const char* name, const std::vector<HistogramSpan>& spans,
                          const std::vector<double>& v) {
    os << ", " << name << " spans";
    for (const HistogramSpan& s : spans) os << " " << s.offset << ":" << s.length;
    os << " counts";
    for (double c : v) os << " " << c;
  };
  show("positive", h.positive_spans, h.positive_buckets);
  show("negative", h.negative_spans, h.negative_buckets);
  os << ", custom_values";
  for (double c : h.custom_values) os << " " << c;
  os << "}";
}

namespace test_gen {

// A valid exponential histogram with small integer counts (so that sums are exact), some of them
// zero, at a schema in [min_schema, 8] and zero threshold 0. Spans may touch (offset 0).
inline rc::Gen<FloatHistogram> ExpHistogram(int32_t min_schema = -4) {
  auto side = rc::gen::container<std::vector<std::pair<int32_t, std::vector<int>>>>(rc::gen::pair(
      rc::gen::inRange(0, 4),
      rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(
          rc::gen::weightedOneOf<int>({{1, rc::gen::just(0)}, {3, rc::gen::inRange(1, 50)}})))));
  return rc::gen::apply(
      [](int32_t schema, int32_t pos_start, int32_t neg_start, const auto& pos, const auto& neg,
         int zero_count, int sum) {
        FloatHistogram h;
        h.schema = schema;
        h.zero_count = zero_count;
        h.count = zero_count;
        h.sum = sum;
        auto fill = [&h](int32_t start, const auto& spans, std::vector<HistogramSpan>* out,
                         std::vector<double>* b) {
          bool first = true;
          for (const auto& [gap, counts] : spans) {
            out->push_back({first ? start : gap, static_cast<uint32_t>(counts.size())});
            first = false;
            for (int c : counts) {
              b->push_back(c);
              h.count += c;
            }
          }
        };
        fill(pos_start, pos, &h.positive_spans, &h.positive_buckets);
        fill(neg_start, neg, &h.negative_spans, &h.negative_buckets);
        return h;
      },
      rc::gen::inRange(min_schema, 9), rc::gen::inRange(-20, 20), rc::gen::inRange(-20, 20), side, side,
      rc::gen::inRange(0, 10), rc::gen::inRange(-100, 100));
}

// A valid histogram with integral counts adding up to its count, at least one observation: an
// exponential schema from -4 to 8 (bucket indexes kept well inside the float range) with a zero
// bucket no wider than the smallest bucket's lower bound, or (one time in four) custom bounds.
inline rc::Gen<FloatHistogram> AnyHistogram() {
  return rc::gen::exec([] {
    FloatHistogram h;
    const auto counts = [] {
      return *rc::gen::container<std::vector<double>>(rc::gen::map(
          rc::gen::inRange(0, 8), [](int c) { return c < 3 ? 0.0 : static_cast<double>(c - 2); }));
    };
    // Up to two spans of consecutive buckets starting at `first`.
    const auto spans = [](int32_t first, size_t n, std::vector<HistogramSpan>* out) {
      if (n == 0) return;
      const auto split = *rc::gen::inRange<size_t>(0, n);
      if (split == 0) {
        out->push_back({first, static_cast<uint32_t>(n)});
        return;
      }
      out->push_back({first, static_cast<uint32_t>(split)});
      out->push_back({*rc::gen::inRange(0, 4), static_cast<uint32_t>(n - split)});
    };
    if (*rc::gen::inRange(0, 4) == 0) {
      h.schema = kCustomBucketsSchema;
      auto bounds = *rc::gen::nonEmpty(rc::gen::container<std::vector<double>>(
          rc::gen::map(rc::gen::inRange(-400, 400), [](int v) { return v / 4.0; })));
      std::sort(bounds.begin(), bounds.end());
      bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
      h.custom_values = bounds;
      const auto n_buckets = static_cast<int32_t>(bounds.size()) + 1;
      const int32_t first = *rc::gen::inRange(0, n_buckets);
      std::vector<double> c = counts();
      const auto gap_room = static_cast<size_t>(n_buckets - first);
      if (c.size() > gap_room) c.resize(gap_room);
      // One span, so no gap can push an index past the +Inf bucket.
      if (!c.empty()) h.positive_spans = {{first, static_cast<uint32_t>(c.size())}};
      h.positive_buckets = c;
    } else {
      h.schema = *rc::gen::inRange(-4, 9);
      const int32_t pos_first = *rc::gen::inRange(-20, 20);
      const int32_t neg_first = *rc::gen::inRange(-20, 20);
      h.positive_buckets = counts();
      h.negative_buckets = counts();
      if (h.positive_buckets.size() > 12) h.positive_buckets.resize(12);
      if (h.negative_buckets.size() > 12) h.negative_buckets.resize(12);
      spans(pos_first, h.positive_buckets.size(), &h.positive_spans);
      spans(neg_first, h.negative_buckets.size(), &h.negative_spans);
      if (*rc::gen::inRange(0, 3) != 0) {
        int32_t lowest = 1000;
        if (!h.positive_buckets.empty()) lowest = pos_first;
        if (!h.negative_buckets.empty()) lowest = std::min(lowest, neg_first);
        if (lowest == 1000) lowest = 0;
        h.zero_threshold = HistogramBucketUpperBound(lowest - 1, h.schema, {});
        h.zero_count = static_cast<double>(*rc::gen::inRange(0, 6));
      }
    }
    h.count = h.zero_count;
    for (double c : h.positive_buckets) h.count += c;
    for (double c : h.negative_buckets) h.count += c;
    if (h.count == 0) {
      // At least one observation.
      if (!h.positive_buckets.empty()) {
        h.positive_buckets.back() = 1;
      } else if (!h.negative_buckets.empty()) {
        h.negative_buckets.back() = 1;
      } else if (h.UsesCustomBuckets()) {
        h.positive_spans = {{static_cast<int32_t>(h.custom_values.size()), 1}};
        h.positive_buckets = {1};
      } else {
        h.zero_count = 1;
      }
      h.count = 1;
    }
    h.sum = static_cast<double>(*rc::gen::inRange(-1000, 1000));
    return h;
  });
}

// A count that is not a small integer: a rate-like value with a full mantissa (k/1000 with k up
// to 10^7, a twentieth of them zero), so that sums of such counts round and their order matters.
inline rc::Gen<double> FractionalCount() {
  return rc::gen::weightedOneOf<double>(
      {{1, rc::gen::just(0.0)},
       {19, rc::gen::map(rc::gen::inRange(1, 10'000'000), [](int k) { return k / 1000.0; })}});
}

// A valid histogram at exactly `schema` (exponential, or kCustomBucketsSchema with
// `custom_values`) with fractional counts (FractionalCount) and a fractional sum of either sign:
// what a rate() or a scraped float histogram looks like. count is the zero count plus the buckets
// in bucket order. Exponential ones have up to three spans a side, possibly touching, and, two
// times in three, a zero bucket whose threshold is a bucket boundary at or below the lowest
// bucket's lower bound (histograms of one schema then differ in thresholds, which sums
// reconcile by moving buckets into the wider zero bucket).
inline rc::Gen<FloatHistogram> HistogramAtSchema(int32_t schema, std::vector<double> custom_values = {}) {
  return rc::gen::exec([schema, custom_values] {
    FloatHistogram h;
    h.schema = schema;
    const auto side = [](int32_t first, size_t max_buckets, std::vector<HistogramSpan>* spans,
                         std::vector<double>* buckets) {
      const int n_spans = *rc::gen::inRange(0, 4);
      for (int s = 0; s < n_spans; ++s) {
        const auto len = *rc::gen::inRange<size_t>(1, 8);
        if (buckets->size() + len > max_buckets) break;
        spans->push_back({s == 0 ? first : *rc::gen::inRange(0, 5), static_cast<uint32_t>(len)});
        for (size_t i = 0; i < len; ++i) buckets->push_back(*FractionalCount());
      }
    };
    if (schema == kCustomBucketsSchema) {
      h.custom_values = custom_values;
      // Buckets 0 .. custom_values.size() (the last is the +Inf bucket), in one span.
      const auto n_buckets = static_cast<int32_t>(custom_values.size()) + 1;
      const int32_t first = *rc::gen::inRange(0, n_buckets);
      const auto len = *rc::gen::inRange<uint32_t>(0, static_cast<uint32_t>(n_buckets - first) + 1);
      if (len > 0) h.positive_spans = {{first, len}};
      for (uint32_t i = 0; i < len; ++i) h.positive_buckets.push_back(*FractionalCount());
    } else {
      const int32_t pos_first = *rc::gen::inRange(-10, 30);
      const int32_t neg_first = *rc::gen::inRange(-10, 30);
      side(pos_first, 24, &h.positive_spans, &h.positive_buckets);
      if (*rc::gen::inRange(0, 3) == 0) side(neg_first, 24, &h.negative_spans, &h.negative_buckets);
      if (*rc::gen::inRange(0, 3) != 0) {
        int32_t lowest = 30;
        if (!h.positive_buckets.empty()) lowest = pos_first;
        if (!h.negative_buckets.empty()) lowest = std::min(lowest, neg_first);
        h.zero_threshold = HistogramBucketUpperBound(*rc::gen::inRange(-15, lowest), schema, {});
        h.zero_count = *FractionalCount();
      }
    }
    h.count = h.zero_count;
    for (double c : h.positive_buckets) h.count += c;
    for (double c : h.negative_buckets) h.count += c;
    h.sum = *rc::gen::inRange(-100'000'000, 100'000'000) / 1000.0;
    return h;
  });
}

// Strictly increasing finite custom bounds (1 to 12 of them, multiples of 1/4 in [-100, 100)).
inline rc::Gen<std::vector<double>> CustomBounds() {
  return rc::gen::map(rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(rc::gen::inRange(-400, 400))),
                      [](std::vector<int> v) {
                        std::sort(v.begin(), v.end());
                        v.erase(std::unique(v.begin(), v.end()), v.end());
                        if (v.size() > 12) v.resize(12);
                        std::vector<double> out;
                        for (int x : v) out.push_back(x / 4.0);
                        return out;
                      });
}

}  // namespace test_gen
}  // namespace promref::model
