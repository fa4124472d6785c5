// Grammar-aware PromQL mutations.
//
// Mutations start from valid queries (the suites' expressions, the recorded parse corpus and a
// few built-ins, over the standard dataset's vocabulary), split them into tokens with promref's
// lexer, and change them the ways a parser's author least expects: tokens inserted, deleted,
// swapped and repeated; deep nesting (thousands of parentheses, calls, unary minus, subqueries);
// huge and odd numbers and durations (1e309, 0x, 1y999999w, -0, NaN, 9223372036854775807ms);
// Unicode and invalid UTF-8; pathological regexes; quoted UTF-8 names; corpus splices.
//
// Contract: everything is a pure function of the seed (the std::mt19937_64 passed in) and the
// corpus; nothing reads the clock. Outputs are not guaranteed to parse: most do not.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace promconform::fuzz {

// Words a mutation may insert: the dataset's metric and label names and values, and every
// PromQL function, aggregator, keyword and operator.
struct Vocabulary {
  std::vector<std::string> metrics;
  std::vector<std::string> label_names;
  std::vector<std::string> label_values;
  std::vector<std::string> functions;
  std::vector<std::string> keywords;  // operators, aggregators, modifiers, punctuation
};

// The standard dataset's names and values, promref's function table, PromQL's keywords.
Vocabulary DatasetVocabulary();

// Valid queries to start from: the PromQL suite's expressions, fixtures/promql/parse_corpus.input
// (when the source tree has it) and built-in ones; de-duplicated, in a fixed order.
std::vector<std::string> DefaultPromqlCorpus();

// The query split at token starts, each unit with the whitespace after it (the first also with
// the whitespace before it). Concatenated, the units are the query again. Text the lexer cannot
// split (after a lexical error) stays one unit.
std::vector<std::string> TokenUnits(std::string_view query);

// An upper bound of the syntax tree depth the query makes a parser recurse to: the deepest
// bracket nesting plus the number of operators (each may nest one level) up to the first
// lexical error (where parsing stops).
size_t NestingDepth(std::string_view query);

// Odd literals, for mutators and tests.
const std::vector<std::string>& OddNumbers();
const std::vector<std::string>& OddDurations();
const std::vector<std::string>& OddStrings();  // unquoted contents: Unicode, invalid UTF-8, escapes
const std::vector<std::string>& PathologicalRegexes();

struct PromqlMutatorOptions {
  // The deepest nesting (NestingDepth) a mutated query may have: deep enough to find recursion
  // limits, bounded so that the oracle's own parse stays within its stack. Mutations that go
  // deeper are undone.
  size_t max_nesting = 20000;
  size_t max_length = 256 * 1024;  // longer results are cut back to a corpus query
};

class PromqlMutator {
 public:
  PromqlMutator(std::vector<std::string> corpus, Vocabulary vocabulary, PromqlMutatorOptions options = {});

  // A corpus query with one to three mutations stacked; `kind` gets their names ("swap+odd-number").
  std::string Next(std::mt19937_64& rng, std::string* kind) const;
  // One named mutation of `query` (the names: see kMutations in promql_mutator.cpp).
  std::string Mutate(const std::string& query, std::mt19937_64& rng, std::string* kind) const;
  // A corpus query, unmutated.
  const std::string& Pick(std::mt19937_64& rng) const;
  // A series selector as match[] takes it: a dataset metric with some matchers, often mutated.
  std::string Selector(std::mt19937_64& rng, std::string* kind) const;

  const std::vector<std::string>& corpus() const { return corpus_; }
  const Vocabulary& vocabulary() const { return vocab_; }

 private:
  std::string RandomToken(std::mt19937_64& rng) const;
  std::string Nest(const std::string& query, std::mt19937_64& rng) const;
  std::vector<std::string> corpus_;
  Vocabulary vocab_;
  PromqlMutatorOptions options_;
};

// Uniform helpers over a seeded generator (std::uniform_int_distribution is not specified
// bit-for-bit across standard libraries; these are, so a seed means the same run everywhere).
size_t Below(std::mt19937_64& rng, size_t n);  // [0, n), n > 0
bool OneIn(std::mt19937_64& rng, size_t n);
template <typename T>
const T& Choose(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[Below(rng, v.size())];
}

}  // namespace promconform::fuzz
