// The PromQL lexer: a state machine with Prometheus' states (statements, inside braces,
// strings, durations) so that it splits input and reports lexical errors exactly as
// Prometheus does ("unexpected character inside braces: '$'", "unterminated quoted string",
// "bad number or duration syntax: \"5x\"", ...).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "promql/token.h"

namespace promref::promql {

struct LexerOptions {
  // Prometheus 3.16's promql-unquoted-utf8-names: Unicode letters anywhere and dots after the
  // first character are part of unquoted names.
  bool unquoted_utf8_names = false;
};

// Prometheus' isNameStart/isNameContinue: ASCII letters and '_', plus (with unquoted UTF-8
// names) any Unicode letter; after the first character also digits and (with them) dots.
bool IsNameStart(char32_t r, bool unquoted_utf8_names);
bool IsNameContinue(char32_t r, bool unquoted_utf8_names);

// Whether `name` reads back as one unquoted name with unquoted UTF-8 names on (the printer
// writes such names bare; grouping refuses bare names that do not qualify).
bool IsUnquotedUtf8Name(std::string_view name);

class Lexer {
 public:
  explicit Lexer(std::string_view input, LexerOptions options = {}) : input_(input), options_(options) {}

  // The next token, comments included. After an error token, every call returns kEof.
  Token Next();

  // Byte offset where the token being scanned started (Prometheus reports lexer errors there).
  int start() const { return start_; }

 private:
  enum class State { kStatements, kInsideBraces, kDurationExpr, kDone };
  static constexpr char32_t kEof = static_cast<char32_t>(-1);

  char32_t NextRune();
  char32_t Peek();
  void Backup() { pos_ -= width_; }
  bool Accept(std::string_view valid);
  bool Is(std::string_view valid);  // the next rune is one of `valid` (not consumed)
  void AcceptRun(std::string_view valid);
  Token Emit(TokenType t);
  Token Error(std::string message);

  Token LexStatements();
  Token LexInsideBraces();
  Token LexString(char32_t quote);
  Token LexRawString();
  Token LexNumberOrDuration();
  Token LexKeywordOrIdentifier();
  Token LexNameInBrackets(char32_t r);
  Token LexDurationExpr();
  std::optional<TokenType> ScanDurationKeyword(char32_t first);
  Token LexIdentifier();
  Token LexLineComment();
  bool IsNameStart(char32_t r) const;
  bool IsNameContinue(char32_t r) const;
  bool ScanNumber();
  bool AcceptRemainingDuration();
  // Validates an escape after a backslash inside a quoted string; "" when valid.
  std::string LexEscape(char32_t quote);

  std::string_view input_;
  LexerOptions options_;
  State state_ = State::kStatements;
  int start_ = 0;
  int pos_ = 0;
  int width_ = 0;
  int paren_depth_ = 0;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool got_duration_ = false;  // a number, duration or keyword since the last '['
  bool done_ = false;
};

}  // namespace promref::promql
