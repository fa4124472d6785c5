#include "promql/parser.h"

#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "model/go_strconv.h"
#include "model/labels.h"
#include "model/time.h"
#include "model/utf8.h"
#include "promql/internal/stack_depth.h"
#include "promql/lexer.h"

namespace promref::promql {

std::string ParseError::ToString(std::string_view input) const {
  // As Prometheus' PositionRange.StartPosInput: no line:col for an empty query or a position
  // outside it.
  if (input.empty()) return "unknown position: parse error: " + message;
  if (pos.start < 0 || pos.start > static_cast<int>(input.size()))
    return "invalid position: parse error: " + message;
  int line = 1;
  int col = 1;
  const int p = std::min<int>(pos.start, static_cast<int>(input.size()));
  int last_newline = -1;
  for (int i = 0; i < p; ++i) {
    if (input[static_cast<size_t>(i)] == '\n') {
      ++line;
      last_newline = i;
    }
  }
  col = p - last_newline;
  return std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + message;
}

Result<std::string> UnquoteString(std::string_view s) {
  if (s.size() < 2) return BadData("invalid syntax");
  const char quote = s.front();
  if (quote != s.back() || (quote != '"' && quote != '\'' && quote != '`')) return BadData("invalid syntax");
  s = s.substr(1, s.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos || s.find('\r') != std::string_view::npos) {
      // Go's Unquote drops carriage returns from raw strings; a backtick cannot appear.
      std::string out;
      for (char c : s) {
        if (c == '`') return BadData("invalid syntax");
        if (c != '\r') out.push_back(c);
      }
      return out;
    }
    return std::string(s);
  }
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == quote || c == '\n') return BadData("invalid syntax");
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (++i >= s.size()) return BadData("invalid syntax");
    const char e = s[i++];
    switch (e) {
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case '\\': out.push_back('\\'); break;
      case '\'':
      case '"':
        if (e != quote) return BadData("invalid syntax");
        out.push_back(e);
        break;
      case 'x':
      case 'u':
      case 'U': {
        const int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + static_cast<size_t>(n) > s.size()) return BadData("invalid syntax");
        uint32_t v = 0;
        for (int k = 0; k < n; ++k) {
          const char h = s[i++];
          int d;
          if (h >= '0' && h <= '9') {
            d = h - '0';
          } else if (h >= 'a' && h <= 'f') {
            d = h - 'a' + 10;
          } else if (h >= 'A' && h <= 'F') {
            d = h - 'A' + 10;
          } else {
            return BadData("invalid syntax");
          }
          v = v * 16 + static_cast<uint32_t>(d);
        }
        if (e == 'x') {
          out.push_back(static_cast<char>(v));  // a byte, as Go's \x does
        } else {
          if (!model::IsValidRune(v)) return BadData("invalid syntax");
          model::AppendRune(&out, v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 > s.size()) return BadData("invalid syntax");
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2; ++k) {
            const char o = s[i++];
            if (o < '0' || o > '7') return BadData("invalid syntax");
            v = v * 8 + static_cast<uint32_t>(o - '0');
          }
          if (v > 255) return BadData("invalid syntax");
          out.push_back(static_cast<char>(v));
          break;
        }
        return BadData("invalid syntax");
    }
  }
  return out;
}

namespace {

// Unwinds the parser after the first syntax error (Prometheus reports only the first error).
struct StopParsing {};

[[noreturn]] void Stop() {
  throw StopParsing{};
}

bool IsLabelToken(TokenType t) {
  switch (t) {
    case TokenType::kAvg:
    case TokenType::kBool:
    case TokenType::kBottomk:
    case TokenType::kBy:
    case TokenType::kCount:
    case TokenType::kCountValues:
    case TokenType::kGroup:
    case TokenType::kGroupLeft:
    case TokenType::kGroupRight:
    case TokenType::kIdentifier:
    case TokenType::kIgnoring:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kMax:
    case TokenType::kMetricIdentifier:
    case TokenType::kMin:
    case TokenType::kOffset:
    case TokenType::kOn:
    case TokenType::kQuantile:
    case TokenType::kStddev:
    case TokenType::kStdvar:
    case TokenType::kSum:
    case TokenType::kTopk:
    case TokenType::kStart:
    case TokenType::kEnd:
    case TokenType::kAtan2:
    case TokenType::kLimitk:
    case TokenType::kLimitRatio:
    case TokenType::kSmoothed:
    case TokenType::kAnchored: return true;
    default: return false;
  }
}

// Tokens that may name a metric at the start of an expression.
bool IsMetricIdentifierToken(TokenType t) {
  switch (t) {
    case TokenType::kAvg:
    case TokenType::kBottomk:
    case TokenType::kBy:
    case TokenType::kCount:
    case TokenType::kCountValues:
    case TokenType::kGroup:
    case TokenType::kIdentifier:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kMax:
    case TokenType::kMetricIdentifier:
    case TokenType::kMin:
    case TokenType::kOffset:
    case TokenType::kQuantile:
    case TokenType::kStddev:
    case TokenType::kStdvar:
    case TokenType::kSum:
    case TokenType::kTopk:
    case TokenType::kWithout:
    case TokenType::kStart:
    case TokenType::kEnd:
    case TokenType::kLimitk:
    case TokenType::kLimitRatio:
    case TokenType::kSmoothed:
    case TokenType::kAnchored:
    case TokenType::kFill:  // `fill(1)` is the metric fill, then a syntax error at '('
    case TokenType::kFillLeft:
    case TokenType::kFillRight: return true;
    default: return false;
  }
}

bool IsBinaryOperator(TokenType t) {
  switch (t) {
    case TokenType::kAdd:
    case TokenType::kSub:
    case TokenType::kMul:
    case TokenType::kDiv:
    case TokenType::kMod:
    case TokenType::kPow:
    case TokenType::kAtan2:
    case TokenType::kEqlc:
    case TokenType::kNeq:
    case TokenType::kLte:
    case TokenType::kLss:
    case TokenType::kGte:
    case TokenType::kGtr:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kTrimUpper:
    case TokenType::kTrimLower: return true;
    default: return false;
  }
}

// Go's fmt "%f" (six decimals; "+Inf", "-Inf", "NaN").
std::string GoPercentF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return model::FormatFloatPrec(v, 'f', 6);
}

class Parser {
 public:
  Parser(std::string_view input, const ParseOptions& options)
      : input_(input),
        options_(options),
        lexer_(input, {.unquoted_utf8_names = options.unquoted_utf8_names}),
        max_depth_(internal::MaxNestingDepth()) {}

  ParseResult Run() {
    ParseResult result;
    try {
      if (Peek().type == TokenType::kEof) {
        AddError({0, 0}, "no expression found in input");
        Stop();
      }
      ExprPtr e = ParseExpression(0);
      if (Peek().type != TokenType::kEof) Unexpected("", "");
      if (errors_.empty()) CheckAst(*e);
      result.expr = std::move(e);
    } catch (const StopParsing&) {
      result.expr = nullptr;
    }
    result.errors = std::move(errors_);
    if (!result.errors.empty()) result.expr = nullptr;
    return result;
  }

  // Series selector only (the API's match[]). Like Prometheus' ParseMetricSelector it does not
  // type-check: `{}` parses, and the API then asks for a non-empty matcher itself.
  Result<std::vector<model::Matcher>> RunMetricSelector() {
    try {
      const Token& t = Peek();
      ExprPtr e;
      if (t.type == TokenType::kLeftBrace || IsMetricIdentifierToken(t.type)) {
        e = ParseVectorSelector();
      } else {
        Unexpected("", "");
      }
      if (Peek().type != TokenType::kEof) Unexpected("", "");
      if (errors_.empty()) return As<VectorSelector>(*e).matchers;
    } catch (const StopParsing&) {
    }
    return BadData(errors_.front().ToString(input_));
  }

 private:
  // --- Tokens -------------------------------------------------------------------------------

  const Token& Peek() {
    if (!peeked_) {
      Token t;
      do {
        t = lexer_.Next();
      } while (t.type == TokenType::kComment);
      if (t.type == TokenType::kError) {
        AddError({lexer_.start(), static_cast<int>(input_.size())}, t.val);
        Stop();
      }
      peeked_ = std::move(t);
    }
    return *peeked_;
  }

  Token Consume() {
    Peek();
    Token t = std::move(*peeked_);
    peeked_.reset();
    switch (t.type) {
      case TokenType::kRightBrace:
      case TokenType::kRightParen:
      case TokenType::kRightBracket:
      case TokenType::kDuration:
      case TokenType::kNumber: last_closing_ = t.end(); break;
      default: break;
    }
    return t;
  }

  void AddError(PositionRange pos, std::string message) { errors_.push_back({pos, std::move(message)}); }

  // Prometheus' parser.unexpected(): "unexpected <token>[ in <context>][, expected <what>]" at
  // the token that could not be used, then stop.
  [[noreturn]] void Unexpected(std::string_view context, std::string_view expected) {
    const Token& t = Peek();
    std::string msg = "unexpected " + Desc(t);
    if (!context.empty()) msg += " in " + std::string(context);
    if (!expected.empty()) msg += ", expected " + std::string(expected);
    AddError({t.pos, t.end()}, msg);
    Stop();
  }

  // Item.desc() as Prometheus 3.x prints it ('@' is "<op:@>"; 2.42 printed "\"<Item 57385>\"
  // <op:@>", its token table lacking '@').
  static std::string Desc(const Token& t) { return t.Desc(); }

  // A syntax error where no grammar rule has a more specific message: inside an aggregation
  // it is reported "in aggregation", elsewhere plainly.
  [[noreturn]] void SyntaxError() { Unexpected(aggregation_depth_ > 0 ? "aggregation" : "", ""); }

  // --- Nesting depth --------------------------------------------------------------------------

  // Every recursive descent, and every loop turn that wraps what was parsed so far in a new
  // node (`a + b + c`, `x[1m:][1m:]`), takes the nesting one level deeper until the function
  // that counted it returns; so depth_ bounds the depth of the tree being built, which every
  // later pass walks recursively. Past max_depth_ (what this thread's stack can take, see
  // internal/stack_depth.h) the query is refused with a parse error at the token reached.
  // Prometheus has no such limit (its stacks grow to 1 GB); ours is far above what it answers.
  class DepthScope {
   public:
    explicit DepthScope(Parser* p) : p_(p), saved_(p->depth_) { p->Deeper(); }
    ~DepthScope() { p_->depth_ = saved_; }
    DepthScope(const DepthScope&) = delete;
    DepthScope& operator=(const DepthScope&) = delete;

   private:
    Parser* p_;
    int saved_;
  };

  void Deeper() {
    if (++depth_ <= max_depth_) return;
    const Token& t = Peek();
    AddError({t.pos, t.end()},
             "expression nesting is too deep (more than " + std::to_string(max_depth_) + " levels)");
    Stop();
  }

  // --- Expressions --------------------------------------------------------------------------

  ExprPtr ParseExpression(int min_prec) {
    DepthScope scope(this);
    ExprPtr lhs = ParseUnaryOrPostfix();
    while (true) {
      const TokenType op = Peek().type;
      if (!IsBinaryOperator(op)) break;
      const int prec = Precedence(op);
      if (prec < min_prec) break;
      Deeper();
      const Token op_tok = Consume();
      auto bin = std::make_unique<BinaryExpr>();
      bin->unquoted_utf8_names = options_.unquoted_utf8_names;
      bin->op = op;
      ParseBinModifiers(bin.get());
      bin->rhs = ParseExpression(IsRightAssociative(op) ? prec : prec + 1);
      bin->lhs = std::move(lhs);
      bin->pos = {bin->lhs->pos.start, bin->rhs->pos.end};
      bin->type = bin->lhs->Type() == ValueType::kScalar && bin->rhs->Type() == ValueType::kScalar
                      ? ValueType::kScalar
                      : ValueType::kVector;
      op_positions_[bin.get()] = {op_tok.pos, op_tok.end()};
      if (!options_.FillModifiersEnabled() && bin->matching &&
          (bin->matching->fill_left || bin->matching->fill_right)) {
        AddError(bin->pos, "binop fill modifiers are experimental and not enabled");
      }
      lhs = std::move(bin);
    }
    return lhs;
  }

  ExprPtr ParseUnaryOrPostfix() {
    const TokenType t = Peek().type;
    if (t == TokenType::kAdd || t == TokenType::kSub) {
      const Token op = Consume();
      // Unary operators bind like '*': looser than '^' and the postfix modifiers.
      ExprPtr operand = ParseExpression(Precedence(TokenType::kPow));
      if (operand->kind == NodeKind::kNumberLiteral) {
        auto& n = As<NumberLiteral>(*operand);
        if (op.type == TokenType::kSub) n.val = -n.val;
        n.pos.start = op.pos;
        return operand;
      }
      auto u = std::make_unique<UnaryExpr>();
      u->op = op.type;
      u->pos = {op.pos, operand->pos.end};
      u->expr = std::move(operand);
      return u;
    }
    ExprPtr e = ParsePrimary();
    return ParsePostfix(std::move(e));
  }

  // offset, @, [range], [range:step], anchored/smoothed after an expression.
  ExprPtr ParsePostfix(ExprPtr e) {
    while (true) {
      switch (Peek().type) {
        case TokenType::kOffset: ParseOffset(e.get()); break;
        case TokenType::kAt: ParseAt(e.get()); break;
        case TokenType::kLeftBracket:
          Deeper();
          e = ParseRangeOrSubquery(std::move(e));
          break;
        case TokenType::kAnchored:
        case TokenType::kSmoothed: ParseExtendedModifier(e.get()); break;
        default: return e;
      }
    }
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    switch (t.type) {
      case TokenType::kNumber: {
        const Token n = Consume();
        auto lit = std::make_unique<NumberLiteral>();
        lit->val = ParseNumber(n);
        lit->pos = {n.pos, n.end()};
        return lit;
      }
      case TokenType::kDuration: {
        // Prometheus 3.x: a duration stands for its number of seconds.
        const Token d = Consume();
        auto lit = std::make_unique<NumberLiteral>();
        lit->val = static_cast<double>(ParseDurationToken(d, /*allow_zero=*/true)) / 1000.0;
        lit->duration = true;
        lit->pos = {d.pos, d.end()};
        return lit;
      }
      case TokenType::kString: {
        const Token s = Consume();
        auto lit = std::make_unique<StringLiteral>();
        lit->val = Unquote(s);
        lit->pos = {s.pos, s.end()};
        return lit;
      }
      case TokenType::kLeftParen: {
        const Token open = Consume();
        ExprPtr inner = ParseExpression(0);
        if (Peek().type != TokenType::kRightParen) SyntaxError();
        const Token close = Consume();
        auto p = std::make_unique<ParenExpr>();
        p->expr = std::move(inner);
        p->pos = {open.pos, close.end()};
        return p;
      }
      case TokenType::kLeftBrace: return ParseVectorSelector();
      case TokenType::kIdentifier: {
        // An identifier followed by '(' is a function call; otherwise a metric name.
        Token id = Consume();
        if (Peek().type == TokenType::kLeftParen) return ParseCall(std::move(id));
        return FinishVectorSelector(std::move(id));
      }
      default: break;
    }
    if (IsAggregator(t.type)) {
      Token op = Consume();
      const TokenType next = Peek().type;
      if (next == TokenType::kLeftParen || next == TokenType::kBy || next == TokenType::kWithout) {
        return ParseAggregate(std::move(op));
      }
      return FinishVectorSelector(std::move(op));
    }
    {
      // Query-context functions: start(), end(), step(), range(), min_of(), max_of().
      const TokenType ty = t.type;
      if (ty == TokenType::kStep || ty == TokenType::kRange || ty == TokenType::kMinOf ||
          ty == TokenType::kMaxOf || ty == TokenType::kStart || ty == TokenType::kEnd) {
        Token name = Consume();
        if (Peek().type == TokenType::kLeftParen) {
          name.val = std::string(TokenText(ty));
          return ParseCall(std::move(name));
        }
        if (ty == TokenType::kStart || ty == TokenType::kEnd) return FinishVectorSelector(std::move(name));
        SyntaxError();
      }
    }
    if (IsMetricIdentifierToken(t.type)) return FinishVectorSelector(Consume());
    SyntaxError();
  }

  double ParseNumber(const Token& t) {
    const model::ParsedInt i = model::ParseIntBase0(t.val);
    if (i.ok()) return static_cast<double>(i.value);
    const model::ParsedFloat f = model::ParseFloat(t.val);
    if (f.ok()) return f.value;
    AddError({t.pos, t.end()},
             "error parsing number: strconv.ParseFloat: parsing " + model::GoQuote(t.val) +
                 (*f.error == model::ParseNumError::kRange ? ": value out of range" : ": invalid syntax"));
    return f.value;
  }

  // A duration token in milliseconds; records Prometheus' error for a bad one.
  int64_t ParseDurationToken(const Token& t, bool allow_zero) {
    auto d = model::ParseDuration(t.val);
    if (!d.ok()) {
      AddError({t.pos, t.end()}, d.error().message());
      return 0;
    }
    if (*d == 0 && !allow_zero) AddError({t.pos, t.end()}, "duration must be greater than 0");
    return *d;
  }

  // A plain number of seconds where a duration is expected (Prometheus 3.x), in ms.
  int64_t NumberAsDuration(const Token& t, bool allow_zero) {
    const double secs = ParseNumber(t);
    if (std::isnan(secs) || std::isinf(secs) || std::fabs(secs) > 9223372036.854775) {
      AddError({t.pos, t.end()}, "duration out of range");
      return 0;
    }
    const auto ms = static_cast<int64_t>(std::round(secs * 1000));
    if (ms <= 0 && !allow_zero) AddError({t.pos, t.end()}, "duration must be greater than 0");
    return ms;
  }

  std::string Unquote(const Token& t) {
    auto s = UnquoteString(t.val);
    if (!s.ok()) {
      AddError({t.pos, t.end()},
               "error unquoting string " + model::GoQuote(t.val) + ": " + s.error().message());
      return "";
    }
    return *s;
  }

  // --- Vector selectors ---------------------------------------------------------------------

  ExprPtr FinishVectorSelector(Token name) {
    auto vs = std::make_unique<VectorSelector>();
    vs->unquoted_utf8_names = options_.unquoted_utf8_names;
    vs->name = name.val;
    vs->pos = {name.pos, name.end()};
    if (Peek().type == TokenType::kLeftBrace) {
      PositionRange braces = ParseLabelMatchers(&vs->matchers);
      vs->pos.end = braces.end;
    }
    AddNameMatcher(vs.get());
    return vs;
  }

  ExprPtr ParseVectorSelector() {
    if (Peek().type != TokenType::kLeftBrace) return FinishVectorSelector(Consume());
    auto vs = std::make_unique<VectorSelector>();
    vs->unquoted_utf8_names = options_.unquoted_utf8_names;
    vs->pos = ParseLabelMatchers(&vs->matchers);
    return vs;
  }

  void AddNameMatcher(VectorSelector* vs) {
    if (vs->name.empty()) return;
    vs->matchers.push_back(
        *model::Matcher::Make(model::MatchType::kEqual, std::string(model::kMetricNameLabel), vs->name));
  }

  // '{' [matcher {',' matcher} [',']] '}'
  PositionRange ParseLabelMatchers(std::vector<model::Matcher>* out) {
    const Token open = Consume();
    if (Peek().type == TokenType::kRightBrace) {
      const Token close = Consume();
      return {open.pos, close.end()};
    }
    while (true) {
      ParseLabelMatcher(out);
      const TokenType t = Peek().type;
      if (t == TokenType::kRightBrace) break;
      if (t != TokenType::kComma) Unexpected("label matching", "\",\" or \"}\"");
      Consume();
      if (Peek().type == TokenType::kRightBrace) break;
    }
    const Token close = Consume();
    return {open.pos, close.end()};
  }

  void ParseLabelMatcher(std::vector<model::Matcher>* out) {
    const Token& first = Peek();
    if (first.type != TokenType::kIdentifier && first.type != TokenType::kString) {
      Unexpected("label matching", "identifier or \"}\"");
    }
    const Token name = Consume();
    std::string label = name.val;
    if (name.type == TokenType::kString) {
      label = Unquote(name);
      const TokenType next = Peek().type;
      if (next == TokenType::kComma || next == TokenType::kRightBrace) {
        // {"metric.name"}: a quoted string on its own is the metric name.
        auto m = model::Matcher::Make(model::MatchType::kEqual, std::string(model::kMetricNameLabel), label);
        out->push_back(*m);
        return;
      }
    }
    model::MatchType type;
    switch (Peek().type) {
      case TokenType::kEql: type = model::MatchType::kEqual; break;
      case TokenType::kNeq: type = model::MatchType::kNotEqual; break;
      case TokenType::kEqlRegex: type = model::MatchType::kRegexMatch; break;
      case TokenType::kNeqRegex: type = model::MatchType::kRegexNoMatch; break;
      default: Unexpected("label matching", "label matching operator");
    }
    Consume();
    if (Peek().type != TokenType::kString) Unexpected("label matching", "string");
    const Token value = Consume();
    auto m = model::Matcher::Make(type, label, Unquote(value));
    if (!m.ok()) {
      AddError({name.pos, value.end()}, m.error().message());
      return;
    }
    out->push_back(std::move(*m));
  }

  // --- Calls and aggregations ---------------------------------------------------------------

  ExprPtr ParseCall(Token name) {
    auto call = std::make_unique<Call>();
    call->args = ParseCallBody();
    call->func = FindFunction(name.val);
    if (call->func == nullptr) {
      AddError({name.pos, name.end()}, "unknown function with name " + model::GoQuote(name.val));
    } else if (call->func->experimental && !options_.FunctionsEnabled()) {
      AddError({name.pos, name.end()}, "function " + model::GoQuote(name.val) + " is not enabled");
    }
    call->pos = {name.pos, last_closing_};
    return call;
  }

  // '(' [expr {',' expr}] ')'; a trailing comma is recorded as an error.
  std::vector<ExprPtr> ParseCallBody() {
    DepthScope scope(this);  // a call's or aggregation's frames weigh a second level
    std::vector<ExprPtr> args;
    Consume();  // '('
    if (Peek().type == TokenType::kRightParen) {
      Consume();
      return args;
    }
    while (true) {
      args.push_back(ParseExpression(0));
      if (Peek().type == TokenType::kRightParen) break;
      if (Peek().type != TokenType::kComma) SyntaxError();
      const Token comma = Consume();
      if (!CanStartExpression(Peek().type)) {
        // Prometheus' grammar reduces `args ','` here and records the error, then carries on
        // (more commas, or the closing parenthesis).
        AddError({comma.pos, comma.end()}, "trailing commas not allowed in function call args");
        while (Peek().type == TokenType::kComma) Consume();
        if (Peek().type != TokenType::kRightParen) SyntaxError();
        break;
      }
    }
    Consume();  // ')'
    return args;
  }

  ExprPtr ParseAggregate(Token op) {
    ++aggregation_depth_;
    auto agg = std::make_unique<AggregateExpr>();
    agg->unquoted_utf8_names = options_.unquoted_utf8_names;
    agg->op = op.type;
    bool have_modifier = false;
    if (Peek().type == TokenType::kBy || Peek().type == TokenType::kWithout) {
      ParseAggregateModifier(agg.get());
      have_modifier = true;
    }
    if (Peek().type != TokenType::kLeftParen) SyntaxError();
    std::vector<ExprPtr> args = ParseCallBody();
    --aggregation_depth_;
    if (!have_modifier && (Peek().type == TokenType::kBy || Peek().type == TokenType::kWithout)) {
      ++aggregation_depth_;
      ParseAggregateModifier(agg.get());
      --aggregation_depth_;
    }
    agg->pos = {op.pos, last_closing_};
    if (op.type == TokenType::kLimitk || op.type == TokenType::kLimitRatio) {
      if (!options_.FunctionsEnabled()) {
        AddError(agg->pos, std::string(TokenText(op.type)) +
                               "() is experimental and must be enabled with "
                               "--enable-feature=promql-experimental-functions");
      }
    }
    if (args.empty()) {
      AddError(agg->pos, "no arguments for aggregate expression provided");
      return agg;
    }
    const size_t desired = IsAggregatorWithParam(op.type) ? 2 : 1;
    if (desired == 2) agg->param = std::move(args[0]);
    if (args.size() != desired) {
      AddError(agg->pos, "wrong number of arguments for aggregate expression provided, expected " +
                             std::to_string(desired) + ", got " + std::to_string(args.size()));
      return agg;
    }
    agg->expr = std::move(args[desired - 1]);
    return agg;
  }

  void ParseAggregateModifier(AggregateExpr* agg) {
    agg->without = Consume().type == TokenType::kWithout;
    agg->grouping = ParseGroupingLabels();
  }

  // '(' [label {',' label} [',']] ')'
  std::vector<std::string> ParseGroupingLabels() {
    if (Peek().type != TokenType::kLeftParen) Unexpected("grouping opts", "\"(\"");
    Consume();
    std::vector<std::string> labels;
    if (Peek().type == TokenType::kRightParen) {
      Consume();
      return labels;
    }
    while (true) {
      labels.push_back(ParseGroupingLabel());
      const TokenType t = Peek().type;
      if (t == TokenType::kRightParen) break;
      if (t != TokenType::kComma) Unexpected("grouping opts", "\",\" or \")\"");
      Consume();
      if (Peek().type == TokenType::kRightParen) break;
    }
    Consume();
    return labels;
  }

  std::string ParseGroupingLabel() {
    const Token& t = Peek();
    if (t.type == TokenType::kString) {
      const Token s = Consume();
      std::string name = Unquote(s);
      if (!model::IsValidLabelName(name)) {
        AddError({s.pos, s.end()}, "invalid label name for grouping: " + model::GoQuote(name));
      }
      return name;
    }
    // Any name token, `a:b` included (Prometheus 3.x checks UTF-8 validity only, which a token has),
    // except that with unquoted UTF-8 names a bare name must be one that prints back bare.
    if (!IsLabelToken(t.type)) Unexpected("grouping opts", "label");
    const Token name = Consume();
    if (options_.unquoted_utf8_names && !IsUnquotedUtf8Name(name.val)) {
      AddError({name.pos, name.end()}, "invalid label name for grouping: " + model::GoQuote(name.val));
    }
    return name.val;
  }

  // --- Binary operator modifiers --------------------------------------------------------------

  void ParseBinModifiers(BinaryExpr* bin) {
    bin->matching = VectorMatching{};
    if (Peek().type == TokenType::kBool) {
      Consume();
      bin->return_bool = true;
    }
    const TokenType t = Peek().type;
    if (t == TokenType::kOn || t == TokenType::kIgnoring) {
      Consume();
      bin->matching->on = t == TokenType::kOn;
      bin->matching->matching_labels = ParseGroupingLabels();
      const TokenType g = Peek().type;
      if (g == TokenType::kGroupLeft || g == TokenType::kGroupRight) {
        Consume();
        bin->matching->card = g == TokenType::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        const TokenType next = Peek().type;
        if (next == TokenType::kLeftParen) {
          bin->matching->include = ParseGroupingLabels();
        } else if (!CanStartExpression(next) && next != TokenType::kFill && next != TokenType::kFillLeft &&
                   next != TokenType::kFillRight) {
          Unexpected("grouping opts", "\"(\"");
        }
      }
    }
    ParseFillModifiers(bin);  // refused without the flag once the expression is whole
  }

  bool CanStartExpression(TokenType t) {
    switch (t) {
      case TokenType::kNumber:
      case TokenType::kDuration:
      case TokenType::kString:
      case TokenType::kLeftParen:
      case TokenType::kLeftBrace:
      case TokenType::kAdd:
      case TokenType::kSub: return true;
      default: return IsMetricIdentifierToken(t) || IsAggregator(t);
    }
  }

  void ParseFillModifiers(BinaryExpr* bin) {
    while (true) {
      const TokenType t = Peek().type;
      if (t != TokenType::kFill && t != TokenType::kFillLeft && t != TokenType::kFillRight) return;
      Consume();
      // fill_value: '(' [+|-] (number | duration) ')'; anything else is a plain syntax error.
      if (Peek().type != TokenType::kLeftParen) SyntaxError();
      Consume();
      bool negative = false;
      if (Peek().type == TokenType::kSub || Peek().type == TokenType::kAdd)
        negative = Consume().type == TokenType::kSub;
      double v = 0;
      if (Peek().type == TokenType::kNumber) {
        v = ParseNumber(Consume());
      } else if (Peek().type == TokenType::kDuration) {
        v = static_cast<double>(ParseDurationToken(Consume(), /*allow_zero=*/true)) / 1000.0;
      } else {
        SyntaxError();
      }
      if (negative) v = -v;
      if (Peek().type != TokenType::kRightParen) SyntaxError();
      Consume();
      if (t != TokenType::kFillRight) bin->matching->fill_left = v;
      if (t != TokenType::kFillLeft) bin->matching->fill_right = v;
    }
  }

  // --- Offset, @, ranges and subqueries -------------------------------------------------------

  TimeModifiers* ModifiersOf(Expr* e, const char* what) {
    switch (e->kind) {
      case NodeKind::kVectorSelector: return &As<VectorSelector>(*e).mods;
      case NodeKind::kMatrixSelector: {
        Expr& vs = *As<MatrixSelector>(*e).vector_selector;
        if (vs.kind != NodeKind::kVectorSelector) {  // `(a + b)[5m] offset 1m`, already an error
          AddError(e->pos, "ranges only allowed for vector selectors");
          return nullptr;
        }
        return &As<VectorSelector>(vs).mods;
      }
      case NodeKind::kSubquery: return &As<SubqueryExpr>(*e).mods;
      default:
        AddError(e->pos, std::string(what) +
                             " modifier must be preceded by an instant vector selector or range vector "
                             "selector or a subquery");
        return nullptr;
    }
  }

  // offset [-] duration. With experimental syntax also: a number, a sign, step(), range(),
  // min_of(..), max_of(..) or a parenthesised duration expression; anything after that atom
  // (`offset step() * 2`) belongs to the enclosing expression, as in Prometheus.
  void ParseOffset(Expr* e) {
    Consume();  // offset
    const DurationContextScope ctx(this, {"offset", "number, duration, step(), or range()"});
    int64_t offset = 0;
    ExprPtr dur_expr;
    dur_expr = ParseOffsetAtom();
    if (auto v = EvalConstDuration(*dur_expr); v && IsSignedLiteral(*dur_expr)) {
      offset = *v;
      dur_expr.reset();
    }
    TimeModifiers* mods = ModifiersOf(e, "offset");
    if (mods == nullptr) return;
    if (mods->original_offset != 0 || mods->offset_expr) {
      AddError(e->pos, "offset may not be set multiple times");
      return;
    }
    mods->original_offset = offset;
    mods->offset_expr = std::move(dur_expr);
  }

  ExprPtr ParseOffsetAtom() {
    DepthScope scope(this);
    const Token& t = Peek();
    if (t.type == TokenType::kSub || t.type == TokenType::kAdd) {
      const Token op = Consume();
      ExprPtr operand = ParseOffsetAtom();
      if (op.type == TokenType::kAdd) return operand;
      auto d = std::make_unique<DurationExpr>();
      d->op = TokenType::kSub;
      d->start_pos = op.pos;
      d->pos = {op.pos, operand->pos.end};
      d->rhs = std::move(operand);
      return d;
    }
    switch (t.type) {
      case TokenType::kNumber:
      case TokenType::kDuration:
      case TokenType::kLeftParen:
      case TokenType::kStep:
      case TokenType::kRange:
      case TokenType::kMinOf:
      case TokenType::kMaxOf: return ParseDurationUnary();
      default: DurationSyntaxError();
    }
  }

  // A literal, or a negated literal (what a plain `offset -5m` is).
  static bool IsSignedLiteral(const Expr& e) {
    if (e.kind == NodeKind::kNumberLiteral) return true;
    if (e.kind != NodeKind::kDurationExpr) return false;
    const auto& d = As<DurationExpr>(e);
    return d.op == TokenType::kSub && !d.lhs && !d.wrapped && d.rhs &&
           d.rhs->kind == NodeKind::kNumberLiteral;
  }

  void ParseAt(Expr* e) {
    Consume();  // @
    const Token& t = Peek();
    if (t.type == TokenType::kStart || t.type == TokenType::kEnd) {
      const TokenType which = Consume().type;
      if (Peek().type != TokenType::kLeftParen) Unexpected("@", "timestamp");
      Consume();
      if (Peek().type != TokenType::kRightParen) Unexpected("@", "timestamp");
      Consume();
      TimeModifiers* mods = AtModifiersOf(e);
      if (mods != nullptr) mods->at = which == TokenType::kStart ? AtKind::kStart : AtKind::kEnd;
      return;
    }
    double sign = 1;
    if (t.type == TokenType::kAdd || t.type == TokenType::kSub) {
      sign = Consume().type == TokenType::kSub ? -1 : 1;
    }
    double ts;
    if (Peek().type == TokenType::kNumber) {
      ts = sign * ParseNumber(Consume());
    } else if (Peek().type == TokenType::kDuration) {  // 3.x: `@ 100s`
      ts = sign * static_cast<double>(ParseDurationToken(Consume(), true)) / 1000.0;
    } else {
      Unexpected("@", "timestamp");
    }
    if (std::isnan(ts) || std::isinf(ts) || ts >= 9223372036854775807.0 || ts <= -9223372036854775808.0) {
      AddError(e->pos, "timestamp out of bounds for @ modifier: " + GoPercentF(ts));
    }
    TimeModifiers* mods = AtModifiersOf(e);
    if (mods == nullptr) return;
    mods->at = AtKind::kTimestamp;
    mods->timestamp = model::GoFloatToInt64(std::round(ts * 1000));
  }

  TimeModifiers* AtModifiersOf(Expr* e) {
    TimeModifiers* mods = ModifiersOf(e, "@");
    if (mods == nullptr) return nullptr;
    if (mods->at != AtKind::kNone) {
      AddError(e->pos, "@ <timestamp> may not be set multiple times");
      return nullptr;
    }
    return mods;
  }

  // Prometheus' setAnchored/setSmoothed: selectors only, each with its own error for the rest.
  void ParseExtendedModifier(Expr* e) {
    const Token t = Consume();
    const std::string name(TokenText(t.type));
    VectorSelector* vs = nullptr;
    if (e->kind == NodeKind::kVectorSelector) {
      vs = &As<VectorSelector>(*e);
    } else if (e->kind == NodeKind::kMatrixSelector) {
      Expr& inner = *As<MatrixSelector>(*e).vector_selector;
      if (inner.kind != NodeKind::kVectorSelector) return;  // `(a + b)[5m]`, already an error
      vs = &As<VectorSelector>(inner);
    } else if (e->kind == NodeKind::kSubquery) {
      AddError(e->pos, name + " modifier is not supported for subqueries");
      return;
    } else {
      AddError(e->pos, name + " modifier not implemented");
      return;
    }
    if (t.type == TokenType::kAnchored) {
      vs->anchored = true;
    } else {
      vs->smoothed = true;
    }
    if (vs->anchored && vs->smoothed)
      AddError(e->pos, "anchored and smoothed modifiers cannot be used together");
  }

  // '[' duration ']' or '[' duration ':' [duration] ']'
  ExprPtr ParseRangeOrSubquery(ExprPtr e) {
    const Token open = Consume();
    int64_t range = 0;
    ExprPtr range_expr;
    {
      const DurationContextScope ctx(this,
                                     {"subquery or range selector", "number, duration, step(), or range()"});
      range_expr = ParsePositiveDuration(&range);
    }
    if (Peek().type == TokenType::kRightBracket) {
      const Token close = Consume();
      const char* err = nullptr;
      if (e->kind != NodeKind::kVectorSelector) {
        err = "ranges only allowed for vector selectors";
      } else if (As<VectorSelector>(*e).mods.original_offset != 0 ||
                 As<VectorSelector>(*e).mods.offset_expr) {
        err = "no offset modifiers allowed before range";
      } else if (As<VectorSelector>(*e).mods.at != AtKind::kNone) {
        // A numeric @, or (Prometheus 3.16, like its StartOrEnd check) `@ start()`/`@ end()`.
        err = "no @ modifiers allowed before range";
      }
      if (err != nullptr) AddError({open.pos, close.end()}, err);
      auto m = std::make_unique<MatrixSelector>();
      m->pos = {e->pos.start, close.end()};
      m->vector_selector = std::move(e);
      m->range = range;
      m->range_expr = std::move(range_expr);
      m->end_pos = close.end();
      return m;
    }
    if (Peek().type != TokenType::kColon) Unexpected("subquery or range", "\":\" or \"]\"");
    Consume();
    int64_t step = 0;
    ExprPtr step_expr;
    const TokenType s = Peek().type;
    if (s != TokenType::kRightBracket) {
      const DurationContextScope ctx(this,
                                     {"subquery selector", "number, duration, step(), range(), or \"]\""});
      step_expr = ParsePositiveDuration(&step);
      if (Peek().type != TokenType::kRightBracket) Unexpected("subquery selector", "\"]\"");
    }
    const Token close = Consume();
    auto sq = std::make_unique<SubqueryExpr>();
    sq->pos = {e->pos.start, close.end()};
    sq->expr = std::move(e);
    sq->range = range;
    sq->step = step;
    sq->range_expr = std::move(range_expr);
    sq->step_expr = std::move(step_expr);
    sq->end_pos = close.end();
    return sq;
  }

  // --- Duration expressions (experimental) ----------------------------------------------------

  // Where a duration expression stands, for its syntax errors: Prometheus' grammar reports any
  // error inside one by the error rule of what encloses it (a range, a subquery step, an offset).
  struct DurationContext {
    const char* context;
    const char* expected;
  };
  class DurationContextScope {
   public:
    DurationContextScope(Parser* p, DurationContext c) : p_(p), saved_(p->duration_ctx_) {
      p->duration_ctx_ = c;
    }
    ~DurationContextScope() { p_->duration_ctx_ = saved_; }
    DurationContextScope(const DurationContextScope&) = delete;
    DurationContextScope& operator=(const DurationContextScope&) = delete;

   private:
    Parser* p_;
    DurationContext saved_;
  };
  [[noreturn]] void DurationSyntaxError() { Unexpected(duration_ctx_.context, duration_ctx_.expected); }

  // Prometheus' positive_duration_expr: a range or a subquery step. A literal (signed or not)
  // must be above zero and is returned in *ms, with no expression; anything else is returned
  // as the expression, with its value in *ms when it does not depend on the query.
  ExprPtr ParsePositiveDuration(int64_t* ms) {
    ExprPtr e = ParseDurationExpr();
    *ms = EvalConstDuration(*e).value_or(0);
    if (!IsPlainLiteral(*e)) return e;
    if (As<NumberLiteral>(*e).val <= 0) AddError(e->pos, "duration must be greater than 0");
    return nullptr;
  }

  static bool IsPlainLiteral(const Expr& e) {
    if (e.kind == NodeKind::kNumberLiteral) return true;
    return false;
  }

  // Grammar: additive with * / % ^ and unary minus; leaves are numbers, durations, step(),
  // range(), min_of(a, b), max_of(a, b) and parenthesised expressions.
  ExprPtr ParseDurationExpr(int min_prec = 0) {
    DepthScope scope(this);
    ExprPtr lhs = ParseDurationUnary();
    while (true) {
      const TokenType op = Peek().type;
      if (op != TokenType::kAdd && op != TokenType::kSub && op != TokenType::kMul && op != TokenType::kDiv &&
          op != TokenType::kMod && op != TokenType::kPow) {
        break;
      }
      const int prec = Precedence(op);
      if (prec < min_prec) break;
      Deeper();
      const Token op_tok = Consume();
      ExprPtr rhs = ParseDurationExpr(IsRightAssociative(op) ? prec : prec + 1);
      auto d = std::make_unique<DurationExpr>();
      d->op = op;
      d->pos = {lhs->pos.start, rhs->pos.end};
      d->lhs = std::move(lhs);
      d->rhs = std::move(rhs);
      if ((op == TokenType::kDiv || op == TokenType::kMod)) {
        auto r = EvalConstDuration(*d->rhs);
        if (r && *r == 0)
          AddError({op_tok.pos, op_tok.end()}, op == TokenType::kDiv ? "division by zero" : "modulo by zero");
      }
      lhs = std::move(d);
    }
    return lhs;
  }

  ExprPtr ParseDurationUnary() {
    const Token& t = Peek();
    if (t.type == TokenType::kSub || t.type == TokenType::kAdd) {
      const Token op = Consume();
      ExprPtr operand = ParseDurationExpr(Precedence(TokenType::kPow));
      if (operand->kind == NodeKind::kNumberLiteral) {  // a signed literal stays a literal
        auto& n = As<NumberLiteral>(*operand);
        if (op.type == TokenType::kSub) n.val = -n.val;
        n.pos.start = op.pos;
        return operand;
      }
      if (op.type == TokenType::kAdd) return operand;
      auto d = std::make_unique<DurationExpr>();
      d->op = TokenType::kSub;
      d->rhs = std::move(operand);
      d->start_pos = op.pos;
      d->pos = {op.pos, d->rhs->pos.end};
      return d;
    }
    if (t.type == TokenType::kNumber) {
      const Token n = Consume();
      auto lit = std::make_unique<NumberLiteral>();
      lit->val = ParseNumber(n);
      lit->pos = {n.pos, n.end()};
      return lit;
    }
    if (t.type == TokenType::kDuration) {
      const Token n = Consume();
      auto lit = std::make_unique<NumberLiteral>();
      lit->val = static_cast<double>(ParseDurationToken(n, true)) / 1000.0;
      lit->duration = true;
      lit->pos = {n.pos, n.end()};
      return lit;
    }
    if (t.type == TokenType::kLeftParen) {
      const Token open = Consume();
      ExprPtr inner = ParseDurationExpr();
      if (Peek().type != TokenType::kRightParen) DurationSyntaxError();
      Consume();  // ')'
      if (inner->kind == NodeKind::kDurationExpr) {
        As<DurationExpr>(*inner).wrapped = true;
        return inner;
      }
      auto d = std::make_unique<DurationExpr>();  // a wrapped literal keeps its parentheses
      d->op = TokenType::kAdd;
      d->rhs = std::move(inner);
      d->wrapped = true;
      d->pos = {open.pos, d->rhs->pos.end};  // (Prometheus' position range ends with the literal)
      return d;
    }
    if (t.type == TokenType::kStep || t.type == TokenType::kRange || t.type == TokenType::kMinOf ||
        t.type == TokenType::kMaxOf) {
      const Token f = Consume();
      if (Peek().type != TokenType::kLeftParen) DurationSyntaxError();  // `x[step]`
      Consume();
      auto d = std::make_unique<DurationExpr>();
      d->op = f.type;
      d->start_pos = f.pos;
      if (f.type == TokenType::kMinOf || f.type == TokenType::kMaxOf) {
        d->lhs = ParseDurationExpr();
        if (Peek().type != TokenType::kComma) DurationSyntaxError();
        Consume();
        d->rhs = ParseDurationExpr();
      }
      if (Peek().type != TokenType::kRightParen) DurationSyntaxError();
      const Token close = Consume();
      d->pos = {f.pos, close.end()};
      return d;
    }
    DurationSyntaxError();
  }

  // The value in ms of a duration expression that does not depend on the query; nullopt when
  // it uses step() or range().
  // Records "duration out of range" (and yields 0) for a value that is not a finite number of
  // milliseconds within Go's time.Duration range.
  std::optional<int64_t> EvalConstDuration(const Expr& e) {
    auto secs = EvalConstSeconds(e);
    if (!secs) return std::nullopt;
    if (!std::isfinite(*secs) || std::fabs(*secs) > 9223372036.854775) {
      AddError(e.pos, "duration out of range");
      return 0;
    }
    return static_cast<int64_t>(std::llround(*secs * 1000));
  }
  static std::optional<double> EvalConstSeconds(const Expr& e) {
    if (e.kind == NodeKind::kNumberLiteral) return As<NumberLiteral>(e).val;
    if (e.kind != NodeKind::kDurationExpr) return std::nullopt;
    const auto& d = As<DurationExpr>(e);
    if (d.op == TokenType::kStep || d.op == TokenType::kRange) return std::nullopt;
    std::optional<double> l = d.lhs ? EvalConstSeconds(*d.lhs) : std::optional<double>(0);
    std::optional<double> r = d.rhs ? EvalConstSeconds(*d.rhs) : std::nullopt;
    if (!l || !r) return std::nullopt;
    switch (d.op) {
      case TokenType::kAdd: return *l + *r;
      case TokenType::kSub: return *l - *r;
      case TokenType::kMul: return *l * *r;
      case TokenType::kDiv: return *l / *r;
      case TokenType::kMod: return std::fmod(*l, *r);
      case TokenType::kPow: return std::pow(*l, *r);
      case TokenType::kMinOf: return std::min(*l, *r);
      case TokenType::kMaxOf: return std::max(*l, *r);
      default: return std::nullopt;
    }
  }

  // --- Type checking (Prometheus' checkAST) ---------------------------------------------------

  void ExpectType(const Expr& e, ValueType want, const std::string& context) {
    const ValueType got = CheckAst(e);
    if (got != want) {
      AddError(e.pos, "expected type " + std::string(DocumentedType(want)) + " in " + context + ", got " +
                          std::string(DocumentedType(got)));
    }
  }

  // Returns the node's type. Parentheses, unary and binary expressions take theirs from their
  // operands' (checked) types rather than from Type(), which walks down the tree: asking it
  // at every level of a deep nesting would take quadratic time.
  ValueType CheckAst(const Expr& node) {
    switch (node.kind) {
      case NodeKind::kParen: return CheckAst(*As<ParenExpr>(node).expr);
      case NodeKind::kBinary: return CheckBinary(As<BinaryExpr>(node));
      default: break;
    }
    ValueType type = node.kind == NodeKind::kUnary ? ValueType::kNone : node.Type();
    switch (node.kind) {
      case NodeKind::kAggregate: {
        const auto& n = As<AggregateExpr>(node);
        ExpectType(*n.expr, ValueType::kVector, "aggregation expression");
        if (n.op == TokenType::kTopk || n.op == TokenType::kBottomk || n.op == TokenType::kQuantile ||
            n.op == TokenType::kLimitk || n.op == TokenType::kLimitRatio) {
          ExpectType(*n.param, ValueType::kScalar, "aggregation parameter");
        }
        if (n.op == TokenType::kCountValues)
          ExpectType(*n.param, ValueType::kString, "aggregation parameter");
        break;
      }
      case NodeKind::kCall: CheckCall(As<Call>(node)); break;
      case NodeKind::kUnary: {
        const auto& n = As<UnaryExpr>(node);
        const ValueType t = CheckAst(*n.expr);
        type = t;
        if (t != ValueType::kScalar && t != ValueType::kVector) {
          AddError(node.pos,
                   "unary expression only allowed on expressions of type scalar or instant vector, got " +
                       model::GoQuote(DocumentedType(t)));
        }
        break;
      }
      case NodeKind::kSubquery: {
        const ValueType t = CheckAst(*As<SubqueryExpr>(node).expr);
        if (t != ValueType::kVector) {
          AddError(node.pos, "subquery is only allowed on instant vector, got " +
                                 std::string(ValueTypeName(t)) + " instead");
        }
        break;
      }
      case NodeKind::kMatrixSelector: CheckAst(*As<MatrixSelector>(node).vector_selector); break;
      case NodeKind::kVectorSelector: CheckVectorSelector(As<VectorSelector>(node)); break;
      default: break;
    }
    return type;
  }

  void CheckVectorSelector(const VectorSelector& n) {
    if (!n.name.empty()) {
      // The last matcher is the name written outside the braces; another __name__ is an error.
      for (size_t i = 0; i + 1 < n.matchers.size(); ++i) {
        if (n.matchers[i].name() == model::kMetricNameLabel) {
          AddError(n.pos, "metric name must not be set twice: " + model::GoQuote(n.name) + " or " +
                              model::GoQuote(n.matchers[i].value()));
        }
      }
      return;
    }
    if (n.bypass_empty_matcher_check) return;
    for (const auto& m : n.matchers) {
      if (!m.MatchesEmpty()) return;
    }
    AddError(n.pos, "vector selector must contain at least one non-empty matcher");
  }

  ValueType CheckBinary(const BinaryExpr& n) {
    const ValueType lt = CheckAst(*n.lhs);
    const ValueType rt = CheckAst(*n.rhs);
    PositionRange op_range = n.pos;
    if (auto it = op_positions_.find(&n); it != op_positions_.end()) op_range = it->second;
    auto& mut = const_cast<BinaryExpr&>(n);
    if (n.return_bool && !IsComparisonOperator(n.op)) {
      AddError(op_range, "bool modifier can only be used on comparison operators");
    }
    if (IsComparisonOperator(n.op) && !n.return_bool && lt == ValueType::kScalar &&
        rt == ValueType::kScalar) {
      AddError(op_range, "comparisons between scalars must use BOOL modifier");
    }
    if (IsSetOperator(n.op) && n.matching && n.matching->card == Cardinality::kOneToOne) {
      mut.matching->card = Cardinality::kManyToMany;
    }
    if (n.matching && n.matching->on) {
      for (const auto& l1 : n.matching->matching_labels) {
        for (const auto& l2 : n.matching->include) {
          if (l1 == l2)
            AddError(op_range,
                     "label " + model::GoQuote(l1) + " must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      AddError(n.lhs->pos, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      AddError(n.rhs->pos, "binary expression must contain only scalar and instant vector types");
    }
    if ((lt != ValueType::kVector || rt != ValueType::kVector) && n.matching) {
      if (!n.matching->matching_labels.empty()) {
        AddError(n.pos, "vector matching only allowed between instant vectors");
      }
      mut.matching.reset();
    } else if (IsSetOperator(n.op) && n.matching) {
      if (n.matching->card == Cardinality::kOneToMany || n.matching->card == Cardinality::kManyToOne) {
        AddError(n.pos, "no grouping allowed for " + model::GoQuote(TokenText(n.op)) + " operation");
      }
      if (n.matching->card != Cardinality::kManyToMany)
        AddError(n.pos, "set operations must always be many-to-many");
      if (n.matching->fill_left || n.matching->fill_right) {
        AddError(n.pos, "filling in missing series not allowed for set operators");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOperator(n.op)) {
      AddError(n.pos, "set operator " + model::GoQuote(TokenText(n.op)) +
                          " not allowed in binary scalar expression");
    }
    return lt == ValueType::kScalar && rt == ValueType::kScalar ? ValueType::kScalar : ValueType::kVector;
  }

  void CheckCall(const Call& n) {
    const Function& f = *n.func;
    const size_t nargs = f.arg_types.size();
    const std::string quoted = model::GoQuote(f.name);
    if (f.variadic == 0) {
      if (nargs != n.args.size()) {
        AddError(n.pos, "expected " + std::to_string(nargs) + " argument(s) in call to " + quoted + ", got " +
                            std::to_string(n.args.size()));
      }
    } else {
      const size_t na = nargs - 1;
      if (na > n.args.size()) {
        AddError(n.pos, "expected at least " + std::to_string(na) + " argument(s) in call to " + quoted +
                            ", got " + std::to_string(n.args.size()));
      } else if (f.variadic > 0 && na + static_cast<size_t>(f.variadic) < n.args.size()) {
        AddError(n.pos, "expected at most " + std::to_string(na + static_cast<size_t>(f.variadic)) +
                            " argument(s) in call to " + quoted + ", got " + std::to_string(n.args.size()));
      }
    }
    if (f.name == "info" && n.args.size() > 1) {
      const Expr& sel = *n.args[1];
      if (sel.Type() != ValueType::kVector) {
        AddError(n.pos, "expected type instant vector in call to function \"info\", got " +
                            std::string(DocumentedType(sel.Type())));
      } else if (sel.kind == NodeKind::kVectorSelector) {
        auto& vs = const_cast<VectorSelector&>(As<VectorSelector>(sel));
        if (!vs.name.empty()) AddError(sel.pos, "expected label selectors only, got vector selector instead");
        vs.bypass_empty_matcher_check = true;
      }
    }
    for (size_t i = 0; i < n.args.size(); ++i) {
      size_t k = i;
      if (k >= nargs) {
        if (f.variadic == 0) break;
        k = nargs - 1;
      }
      ExpectType(*n.args[i], f.arg_types[k], "call to function " + quoted);
    }
  }

  std::string_view input_;
  ParseOptions options_;
  Lexer lexer_;
  std::optional<Token> peeked_;
  std::vector<ParseError> errors_;
  int last_closing_ = 0;
  int aggregation_depth_ = 0;
  int depth_ = 0;  // see Deeper()
  int max_depth_;
  DurationContext duration_ctx_{"duration expression", ""};
  std::unordered_map<const BinaryExpr*, PositionRange> op_positions_;
};

}  // namespace

ParseResult ParseExprDetailed(std::string_view input, const ParseOptions& options) {
  return Parser(input, options).Run();
}

Result<ExprPtr> ParseExpr(std::string_view input, const ParseOptions& options) {
  ParseResult r = ParseExprDetailed(input, options);
  if (!r.ok()) return BadData(r.errors.front().ToString(input));
  return std::move(r.expr);
}

Result<std::vector<model::Matcher>> ParseMetricSelector(std::string_view input, const ParseOptions& options) {
  return Parser(input, options).RunMetricSelector();
}

}  // namespace promref::promql
