// Random, well-typed PromQL over a dataset's vocabulary.
//
// Contract:
//   - deterministic: the same options, vocabulary and generator state (a std::mt19937_64 the
//     caller seeds) give the same text, on every platform (only raw 64-bit draws are used, never
//     a standard distribution, whose output the standard leaves to the library);
//   - every expression returned parses with promref's parser (with `experimental` when the
//     options allow experimental functions) and is returned in canonical form (ToString of the
//     parsed tree), with the value type the shape asks for;
//   - it covers every non-experimental function with arguments of the right types, every
//     binary operator with and without bool and with on/ignoring/group_left/group_right,
//     every aggregation with by/without and its parameter, offset (negative too), @ (times,
//     start(), end()), matrix selectors and subqueries (with and without a step), nested up to
//     `max_depth`;
//   - selectors use the vocabulary's metric names and label values, so results are not empty
//     more often than PromQL makes them; vector-vector operations mostly match on shared labels
//     so that they rarely fail with many-to-many errors.
// Times (the @ modifier) are relative to `base_ms`, inside the dataset.
#pragma once

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "promql/ast.h"
#include "properties/vocabulary.h"

namespace promconform::properties {

using Rng = std::mt19937_64;

// What a law (or the differential mode) needs the expression to be.
enum class Shape {
  kVector,         // any instant-vector expression
  kScalar,         // any scalar expression
  kInstant,        // either of them
  kMatrix,         // a range-vector expression (matrix selector or subquery)
  kSelector,       // a plain vector selector, perhaps with offset
  kCounterMatrix,  // a counter's matrix selector: c{...}[r] (perhaps with offset)
  kBuckets,        // classic-histogram buckets: rate(x_bucket[r]), perhaps summed by (le, ...)
  kAny,            // anything a query may return (instant vector, scalar or range vector)
};
std::string_view ShapeName(Shape s);

struct GeneratorOptions {
  int max_depth = 3;
  bool experimental = false;             // experimental functions too (parsed with experimental)
  std::set<std::string> skip_functions;  // functions the target lacks (older versions)
  int64_t base_ms = 0;                   // where the dataset lies: @ times are base + [5m, 50m]
  bool at_modifiers = true;              // @ t, @ start(), @ end()
};

class Generator {
 public:
  Generator(const Vocabulary& vocabulary, GeneratorOptions options);

  // A canonical expression of the shape (see the contract).
  std::string Generate(Rng& rng, Shape shape) const;

  // Raw text of each kind (not canonical; Generate parses and prints it).
  std::string Vector(Rng& rng, int depth) const;
  std::string Scalar(Rng& rng, int depth) const;
  std::string Matrix(Rng& rng, int depth) const;
  std::string Selector(Rng& rng, bool modifiers) const;
  std::string CounterMatrix(Rng& rng) const;
  std::string Buckets(Rng& rng) const;

  const GeneratorOptions& options() const { return options_; }
  const Vocabulary& vocabulary() const { return vocab_; }

 private:
  std::string Call(Rng& rng, int depth, promref::promql::ValueType want) const;
  std::string Argument(Rng& rng, int depth, const promref::promql::Function& f, size_t i) const;
  std::string Aggregation(Rng& rng, int depth) const;
  std::string VectorBinary(Rng& rng, int depth) const;
  std::string Modifiers(Rng& rng) const;
  std::string Grouping(Rng& rng) const;
  std::string LabelName(Rng& rng) const;
  std::string Number(Rng& rng) const;
  bool Usable(const promref::promql::Function& f) const;

  const Vocabulary& vocab_;
  GeneratorOptions options_;
};

// Uniform in [0, n) from one raw draw (n > 0).
inline uint64_t Below(Rng& rng, uint64_t n) {
  return rng() % n;
}
// True with probability num/den.
inline bool Chance(Rng& rng, uint64_t num, uint64_t den) {
  return Below(rng, den) < num;
}

// Whether the parsed expression fits the shape (its value type, and the form for selectors).
bool FitsShape(const promref::promql::Expr& e, Shape shape);

// Parses `text` as the generator does (experimental syntax when asked).
promref::Result<promref::promql::ExprPtr> ParseGenerated(std::string_view text, bool experimental);

}  // namespace promconform::properties
