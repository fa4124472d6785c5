// PromQL tokens (Prometheus calls them items) and their names as Prometheus prints them in
// error messages ("unexpected <op:+>", "unexpected identifier \"foo\"", ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace promref::promql {

enum class TokenType : uint8_t {
  kError,
  kEof,
  kComment,
  kIdentifier,
  kMetricIdentifier,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kEql,  // =
  kColon,
  kSemicolon,
  kBlank,
  kTimes,
  kSpace,
  kString,
  kNumber,
  kDuration,
  kOpenHist,
  kCloseHist,
  // Operators.
  kOperatorsStart,
  kAdd,
  kDiv,
  kEqlc,  // ==
  kEqlRegex,
  kGte,
  kGtr,
  kLand,
  kLor,
  kLss,
  kLte,
  kLunless,
  kMod,
  kMul,
  kNeq,
  kNeqRegex,
  kPow,
  kSub,
  kAt,
  kAtan2,
  kTrimUpper,  // </
  kTrimLower,  // >/
  kOperatorsEnd,
  // Aggregators.
  kAggregatorsStart,
  kAvg,
  kBottomk,
  kCount,
  kCountValues,
  kGroup,
  kMax,
  kMin,
  kQuantile,
  kStddev,
  kStdvar,
  kSum,
  kTopk,
  kLimitk,
  kLimitRatio,
  kAggregatorsEnd,
  // Keywords.
  kKeywordsStart,
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kIgnoring,
  kOffset,
  kSmoothed,
  kAnchored,
  kOn,
  kWithout,
  kFill,
  kFillLeft,
  kFillRight,
  kKeywordsEnd,
  // Preprocessors (after @, and the experimental duration/query functions).
  kPreprocessorStart,
  kStart,
  kEnd,
  kStep,
  kRange,
  kMinOf,
  kMaxOf,
  kPreprocessorEnd,
};

inline bool IsOperator(TokenType t) {
  return t > TokenType::kOperatorsStart && t < TokenType::kOperatorsEnd;
}
inline bool IsAggregator(TokenType t) {
  return t > TokenType::kAggregatorsStart && t < TokenType::kAggregatorsEnd;
}
inline bool IsKeyword(TokenType t) {
  return t > TokenType::kKeywordsStart && t < TokenType::kKeywordsEnd;
}
inline bool IsPreprocessor(TokenType t) {
  return t > TokenType::kPreprocessorStart && t < TokenType::kPreprocessorEnd;
}
bool IsComparisonOperator(TokenType t);
bool IsSetOperator(TokenType t);
bool IsAggregatorWithParam(TokenType t);

// The token's fixed text ("+", "sum", "by", "(") or "" for value-carrying tokens.
std::string_view TokenText(TokenType t);
// ItemType.desc() in Prometheus: "end of input", "identifier", "number", `"("`, ...
std::string TokenTypeDesc(TokenType t);

// Operator precedence (higher binds tighter); 0 for non-binary tokens.
int Precedence(TokenType t);
inline bool IsRightAssociative(TokenType t) {
  return t == TokenType::kPow;
}

struct Token {
  TokenType type = TokenType::kEof;
  int pos = 0;      // byte offset in the input
  std::string val;  // the token's text as written (strings keep their quotes)

  int end() const { return pos + static_cast<int>(val.size()); }
  // Item.String(): "EOF", `"foo"`, "<op:+>", "<aggr:sum>", "<by>", ...
  std::string String() const;
  // Item.desc(): what error messages call the token ("end of input", `identifier "foo"`,
  // `"("`, "<op:+>", `number "1"`).
  std::string Desc() const;
};

}  // namespace promref::promql
