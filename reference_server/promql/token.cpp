#include "promql/token.h"

#include "model/go_strconv.h"
#include "model/utf8.h"

namespace promref::promql {

bool IsComparisonOperator(TokenType t) {
  switch (t) {
    case TokenType::kEqlc:
    case TokenType::kNeq:
    case TokenType::kLte:
    case TokenType::kLss:
    case TokenType::kGte:
    case TokenType::kGtr: return true;
    default: return false;
  }
}

bool IsSetOperator(TokenType t) {
  return t == TokenType::kLand || t == TokenType::kLor || t == TokenType::kLunless;
}

bool IsAggregatorWithParam(TokenType t) {
  switch (t) {
    case TokenType::kTopk:
    case TokenType::kBottomk:
    case TokenType::kCountValues:
    case TokenType::kQuantile:
    case TokenType::kLimitk:
    case TokenType::kLimitRatio: return true;
    default: return false;
  }
}

std::string_view TokenText(TokenType t) {
  switch (t) {
    case TokenType::kOpenHist: return "{{";
    case TokenType::kCloseHist: return "}}";
    case TokenType::kLeftParen: return "(";
    case TokenType::kRightParen: return ")";
    case TokenType::kLeftBrace: return "{";
    case TokenType::kRightBrace: return "}";
    case TokenType::kLeftBracket: return "[";
    case TokenType::kRightBracket: return "]";
    case TokenType::kComma: return ",";
    case TokenType::kEql: return "=";
    case TokenType::kColon: return ":";
    case TokenType::kSemicolon: return ";";
    case TokenType::kBlank: return "_";
    case TokenType::kTimes: return "x";
    case TokenType::kSpace: return "<space>";
    case TokenType::kSub: return "-";
    case TokenType::kAdd: return "+";
    case TokenType::kMul: return "*";
    case TokenType::kMod: return "%";
    case TokenType::kDiv: return "/";
    case TokenType::kEqlc: return "==";
    case TokenType::kNeq: return "!=";
    case TokenType::kLte: return "<=";
    case TokenType::kLss: return "<";
    case TokenType::kGte: return ">=";
    case TokenType::kGtr: return ">";
    case TokenType::kEqlRegex: return "=~";
    case TokenType::kNeqRegex: return "!~";
    case TokenType::kPow: return "^";
    case TokenType::kAt: return "@";
    case TokenType::kTrimUpper: return "</";
    case TokenType::kTrimLower: return ">/";
    case TokenType::kLand: return "and";
    case TokenType::kLor: return "or";
    case TokenType::kLunless: return "unless";
    case TokenType::kAtan2: return "atan2";
    case TokenType::kSum: return "sum";
    case TokenType::kAvg: return "avg";
    case TokenType::kCount: return "count";
    case TokenType::kMin: return "min";
    case TokenType::kMax: return "max";
    case TokenType::kGroup: return "group";
    case TokenType::kStddev: return "stddev";
    case TokenType::kStdvar: return "stdvar";
    case TokenType::kTopk: return "topk";
    case TokenType::kBottomk: return "bottomk";
    case TokenType::kCountValues: return "count_values";
    case TokenType::kQuantile: return "quantile";
    case TokenType::kLimitk: return "limitk";
    case TokenType::kLimitRatio: return "limit_ratio";
    case TokenType::kOffset: return "offset";
    case TokenType::kSmoothed: return "smoothed";
    case TokenType::kAnchored: return "anchored";
    case TokenType::kBy: return "by";
    case TokenType::kWithout: return "without";
    case TokenType::kOn: return "on";
    case TokenType::kIgnoring: return "ignoring";
    case TokenType::kGroupLeft: return "group_left";
    case TokenType::kGroupRight: return "group_right";
    case TokenType::kBool: return "bool";
    case TokenType::kFill: return "fill";
    case TokenType::kFillLeft: return "fill_left";
    case TokenType::kFillRight: return "fill_right";
    case TokenType::kStart: return "start";
    case TokenType::kEnd: return "end";
    case TokenType::kStep: return "step";
    case TokenType::kRange: return "range";
    case TokenType::kMinOf: return "min_of";
    case TokenType::kMaxOf: return "max_of";
    default: return "";
  }
}

std::string TokenTypeDesc(TokenType t) {
  switch (t) {
    case TokenType::kError: return "error";
    case TokenType::kEof: return "end of input";
    case TokenType::kComment: return "comment";
    case TokenType::kIdentifier: return "identifier";
    case TokenType::kMetricIdentifier: return "metric identifier";
    case TokenType::kString: return "string";
    case TokenType::kNumber: return "number";
    case TokenType::kDuration: return "duration";
    default: return model::GoQuote(TokenText(t));
  }
}

int Precedence(TokenType t) {
  switch (t) {
    case TokenType::kLor: return 1;
    case TokenType::kLand:
    case TokenType::kLunless: return 2;
    case TokenType::kEqlc:
    case TokenType::kNeq:
    case TokenType::kLte:
    case TokenType::kLss:
    case TokenType::kGte:
    case TokenType::kGtr:
    case TokenType::kTrimUpper:
    case TokenType::kTrimLower: return 3;
    case TokenType::kAdd:
    case TokenType::kSub: return 4;
    case TokenType::kMul:
    case TokenType::kDiv:
    case TokenType::kMod:
    case TokenType::kAtan2: return 5;
    case TokenType::kPow: return 6;
    default: return 0;
  }
}

namespace {

// Go's fmt "%.10q": quote at most the first ten runes.
std::string QuoteFirstTenRunes(std::string_view s) {
  size_t i = 0;
  for (int runes = 0; runes < 10 && i < s.size(); ++runes) {
    char32_t r;
    i += static_cast<size_t>(model::DecodeRune(s.substr(i), &r));
  }
  return model::GoQuote(s.substr(0, i));
}

}  // namespace

std::string Token::String() const {
  if (type == TokenType::kEof) return "EOF";
  if (type == TokenType::kError) return val;
  if (type == TokenType::kIdentifier || type == TokenType::kMetricIdentifier) return model::GoQuote(val);
  if (IsKeyword(type)) return "<" + val + ">";
  if (IsOperator(type)) return "<op:" + val + ">";
  if (IsAggregator(type)) return "<aggr:" + val + ">";
  size_t runes = 0;
  for (size_t i = 0; i < val.size(); ++runes) {
    char32_t r;
    i += static_cast<size_t>(model::DecodeRune(std::string_view(val).substr(i), &r));
  }
  if (runes > 10) return QuoteFirstTenRunes(val) + "...";
  return model::GoQuote(val);
}

std::string Token::Desc() const {
  if (!TokenText(type).empty()) return String();
  if (type == TokenType::kEof) return TokenTypeDesc(type);
  return TokenTypeDesc(type) + " " + String();
}

}  // namespace promref::promql
