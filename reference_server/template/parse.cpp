// text/template/parse: the lexer and parser, ported state for state so that every error text,
// line number and position is Go's.
#include <algorithm>
#include <string>
#include <string_view>

#include "model/go_strconv.h"
#include "model/utf8.h"
#include "relabel/go_unicode.h"
#include "template/internal.h"

namespace promref::tmpl::internal {
namespace {

constexpr int kMaxDepth = 1000;                   // nesting of actions and parentheses (see template.h)
constexpr std::ptrdiff_t kStackBudget = 2 << 20;  // see exec.cpp
constexpr char32_t kEof = 0xFFFFFFFF;

enum class Item {
  kError,
  kBool,
  kChar,
  kCharConstant,
  kComment,
  kComplex,
  kAssign,
  kDeclare,
  kEOF,
  kField,
  kIdentifier,
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,
  kKeyword,
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Token {
  Item typ = Item::kEOF;
  int pos = 0;
  std::string val;
  int line = 0;
};

Item Keyword(std::string_view w) {
  if (w == ".") return Item::kDot;
  if (w == "block") return Item::kBlock;
  if (w == "break") return Item::kBreak;
  if (w == "continue") return Item::kContinue;
  if (w == "define") return Item::kDefine;
  if (w == "else") return Item::kElse;
  if (w == "end") return Item::kEnd;
  if (w == "if") return Item::kIf;
  if (w == "range") return Item::kRange;
  if (w == "nil") return Item::kNil;
  if (w == "template") return Item::kTemplate;
  if (w == "with") return Item::kWith;
  return Item::kError;
}

bool IsSpace(char32_t r) {
  return r == ' ' || r == '\t' || r == '\r' || r == '\n';
}
bool IsAlphaNumeric(char32_t r) {
  if (r == kEof) return false;
  return r == '_' || model::IsUnicodeLetter(r) || relabel::IsUnicodeDigit(r);
}
bool HasLeftTrimMarker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && IsSpace(static_cast<unsigned char>(s[1]));
}
bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(static_cast<unsigned char>(s[0])) && s[1] == '-';
}
constexpr std::string_view kSpaceChars = " \t\r\n";
int RightTrimLength(std::string_view s) {
  size_t end = s.find_last_not_of(kSpaceChars);
  return static_cast<int>(end == std::string_view::npos ? s.size() : s.size() - end - 1);
}
int LeftTrimLength(std::string_view s) {
  size_t start = s.find_first_not_of(kSpaceChars);
  return static_cast<int>(start == std::string_view::npos ? s.size() : start);
}
int CountNewlines(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// %#U of a rune: "U+0041 'A'" when printable, else "U+0001".
std::string SharpU(char32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r == kEof ? 0xFFFFFFFFu : r));
  std::string out = buf;
  if (r == kEof) {
    // Go's eof is -1: "U+FFFFFFFFFFFFFFFF".
    return "U+FFFFFFFFFFFFFFFF";
  }
  std::string enc;
  model::AppendRune(&enc, r);
  std::string quoted = model::GoQuote(enc);
  // Printable when strconv.Quote keeps the rune as it is.
  if (quoted == "\"" + enc + "\"" && r != '"' && r != '\\') {
    out += " '" + enc + "'";
  } else if (r == '"' || r == '\\') {
    out += " '" + enc + "'";
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view input) : input_(input) {}
  bool break_ok = true;
  bool continue_ok = true;

  Token NextItem() {
    item_ = Token{Item::kEOF, pos_, "EOF", start_line_};
    State st = inside_action_ ? State::kInsideAction : State::kText;
    while (true) {
      switch (st) {
        case State::kText: st = LexText(); break;
        case State::kLeftDelim: st = LexLeftDelim(); break;
        case State::kComment: st = LexComment(); break;
        case State::kRightDelim: st = LexRightDelim(); break;
        case State::kInsideAction: st = LexInsideAction(); break;
        case State::kDone: return item_;
      }
    }
  }

 private:
  enum class State { kText, kLeftDelim, kComment, kRightDelim, kInsideAction, kDone };

  char32_t Next() {
    if (pos_ >= static_cast<int>(input_.size())) {
      at_eof_ = true;
      return kEof;
    }
    char32_t r;
    int w = model::DecodeRune(input_.substr(pos_), &r);
    pos_ += w;
    if (r == '\n') line_++;
    return r;
  }
  char32_t Peek() {
    char32_t r = Next();
    Backup();
    return r;
  }
  void Backup() {
    if (!at_eof_ && pos_ > 0) {
      // DecodeLastRune: step back over one rune (or one byte of invalid UTF-8).
      int p = pos_ - 1;
      int lim = std::max(0, pos_ - 4);
      while (p > lim && (static_cast<unsigned char>(input_[p]) & 0xC0) == 0x80) p--;
      char32_t r;
      int w = model::DecodeRune(input_.substr(p, pos_ - p), &r);
      if (p + w != pos_) {
        p = pos_ - 1;
        r = 0xFFFD;
      }
      pos_ = p;
      if (r == '\n') line_--;
    }
  }
  Token ThisItem(Item t) {
    Token i{t, start_, std::string(input_.substr(start_, pos_ - start_)), start_line_};
    start_ = pos_;
    start_line_ = line_;
    return i;
  }
  State Emit(Item t) { return EmitItem(ThisItem(t)); }
  State EmitItem(Token i) {
    item_ = std::move(i);
    return State::kDone;
  }
  void Ignore() {
    line_ += CountNewlines(input_.substr(start_, pos_ - start_));
    start_ = pos_;
    start_line_ = line_;
  }
  bool Accept(std::string_view valid) {
    char32_t r = Next();
    if (r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (true) {
      char32_t r = Next();
      if (!(r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos)) break;
    }
    Backup();
  }
  State Errorf(std::string msg) {
    item_ = Token{Item::kError, start_, std::move(msg), start_line_};
    start_ = 0;
    pos_ = 0;
    input_ = input_.substr(0, 0);
    return State::kDone;
  }
  std::string_view Rest() const { return input_.substr(pos_); }

  State LexText() {
    size_t x = Rest().find("{{");
    if (x != std::string_view::npos) {
      if (x > 0) {
        pos_ += static_cast<int>(x);
        int trim = 0;
        int delim_end = pos_ + 2;
        if (HasLeftTrimMarker(input_.substr(delim_end))) {
          trim = RightTrimLength(input_.substr(start_, pos_ - start_));
        }
        pos_ -= trim;
        line_ += CountNewlines(input_.substr(start_, pos_ - start_));
        Token i = ThisItem(Item::kText);
        pos_ += trim;
        Ignore();
        if (!i.val.empty()) {
          return EmitItem(std::move(i));
        }
      }
      return LexLeftDelim();
    }
    pos_ = static_cast<int>(input_.size());
    if (pos_ > start_) {
      line_ += CountNewlines(input_.substr(start_, pos_ - start_));
      return Emit(Item::kText);
    }
    return Emit(Item::kEOF);
  }

  std::pair<bool, bool> AtRightDelim() {
    if (HasRightTrimMarker(Rest()) && Rest().substr(2).starts_with("}}")) return {true, true};
    if (Rest().starts_with("}}")) return {true, false};
    return {false, false};
  }

  State LexLeftDelim() {
    pending_left_delim_ = false;
    pos_ += 2;
    bool trim_space = HasLeftTrimMarker(Rest());
    int after_marker = trim_space ? 2 : 0;
    if (input_.substr(pos_ + after_marker).starts_with("/*")) {
      pos_ += after_marker;
      Ignore();
      return LexComment();
    }
    Token i = ThisItem(Item::kLeftDelim);
    inside_action_ = true;
    pos_ += after_marker;
    Ignore();
    paren_depth_ = 0;
    return EmitItem(std::move(i));
  }

  State LexComment() {
    pos_ += 2;
    size_t x = Rest().find("*/");
    if (x == std::string_view::npos) return Errorf("unclosed comment");
    pos_ += static_cast<int>(x + 2);
    auto [delim, trim_space] = AtRightDelim();
    if (!delim) return Errorf("comment ends before closing delimiter");
    line_ += CountNewlines(input_.substr(start_, pos_ - start_));
    ThisItem(Item::kComment);
    if (trim_space) pos_ += 2;
    pos_ += 2;
    if (trim_space) pos_ += LeftTrimLength(Rest());
    Ignore();
    return LexText();
  }

  State LexRightDelim() {
    auto [delim, trim_space] = AtRightDelim();
    (void)delim;
    if (trim_space) {
      pos_ += 2;
      Ignore();
    }
    pos_ += 2;
    Token i = ThisItem(Item::kRightDelim);
    if (trim_space) {
      pos_ += LeftTrimLength(Rest());
      Ignore();
    }
    inside_action_ = false;
    return EmitItem(std::move(i));
  }

  State LexInsideAction() {
    auto [delim, trim] = AtRightDelim();
    (void)trim;
    if (delim) {
      if (paren_depth_ == 0) return LexRightDelim();
      return Errorf("unclosed left paren");
    }
    char32_t r = Next();
    if (r == kEof) return Errorf("unclosed action");
    if (IsSpace(r)) {
      Backup();
      return LexSpace();
    }
    switch (r) {
      case '=': return Emit(Item::kAssign);
      case ':':
        if (Next() != '=') return Errorf("expected :=");
        return Emit(Item::kDeclare);
      case '|': return Emit(Item::kPipe);
      case '"': return LexQuote();
      case '`': return LexRawQuote();
      case '$': return LexVariable();
      case '\'': return LexChar();
      case '(': paren_depth_++; return Emit(Item::kLeftParen);
      case ')':
        paren_depth_--;
        if (paren_depth_ < 0) return Errorf("unexpected right paren");
        return Emit(Item::kRightParen);
      default: break;
    }
    if (r == '.') {
      if (pos_ < static_cast<int>(input_.size())) {
        char c = input_[pos_];
        if (c < '0' || '9' < c) return LexFieldOrVariable(Item::kField);
      }
      Backup();
      return LexNumber();
    }
    if (r == '+' || r == '-' || ('0' <= r && r <= '9')) {
      Backup();
      return LexNumber();
    }
    if (IsAlphaNumeric(r)) {
      Backup();
      return LexIdentifier();
    }
    if (r <= 0x7F && r >= 0x20 && r != 0x7F) return Emit(Item::kChar);
    return Errorf("unrecognized character in action: " + SharpU(r));
  }

  State LexSpace() {
    int num_spaces = 0;
    while (true) {
      char32_t r = Peek();
      if (!IsSpace(r)) break;
      Next();
      num_spaces++;
    }
    if (HasRightTrimMarker(input_.substr(pos_ - 1)) && input_.substr(pos_ - 1 + 2).starts_with("}}")) {
      Backup();
      if (num_spaces == 1) return LexRightDelim();
    }
    return Emit(Item::kSpace);
  }

  State LexIdentifier() {
    while (true) {
      char32_t r = Next();
      if (IsAlphaNumeric(r)) continue;
      Backup();
      std::string_view word = input_.substr(start_, pos_ - start_);
      if (!AtTerminator()) return Errorf("bad character " + SharpU(r));
      Item k = Keyword(word);
      if (k > Item::kKeyword) {
        if ((k == Item::kBreak && !break_ok) || (k == Item::kContinue && !continue_ok)) {
          return Emit(Item::kIdentifier);
        }
        return Emit(k);
      }
      if (word[0] == '.') return Emit(Item::kField);
      if (word == "true" || word == "false") return Emit(Item::kBool);
      return Emit(Item::kIdentifier);
    }
  }

  State LexVariable() {
    if (AtTerminator()) return Emit(Item::kVariable);
    return LexFieldOrVariable(Item::kVariable);
  }

  State LexFieldOrVariable(Item typ) {
    if (AtTerminator()) {
      if (typ == Item::kVariable) return Emit(Item::kVariable);
      return Emit(Item::kDot);
    }
    char32_t r;
    while (true) {
      r = Next();
      if (!IsAlphaNumeric(r)) {
        Backup();
        break;
      }
    }
    if (!AtTerminator()) return Errorf("bad character " + SharpU(r));
    return Emit(typ);
  }

  bool AtTerminator() {
    char32_t r = Peek();
    if (IsSpace(r)) return true;
    switch (r) {
      case kEof:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(': return true;
      default: break;
    }
    return Rest().starts_with("}}");
  }

  State LexChar() {
    while (true) {
      char32_t c = Next();
      if (c == '\\') {
        char32_t r = Next();
        if (r != kEof && r != '\n') continue;
        return Errorf("unterminated character constant");
      }
      if (c == kEof || c == '\n') return Errorf("unterminated character constant");
      if (c == '\'') break;
    }
    return Emit(Item::kCharConstant);
  }

  std::string Quoted(int from, int to) { return model::GoQuote(input_.substr(from, to - from)); }

  State LexNumber() {
    if (!ScanNumber()) return Errorf("bad number syntax: " + Quoted(start_, pos_));
    char32_t sign = Peek();
    if (sign == '+' || sign == '-') {
      if (!ScanNumber() || input_[pos_ - 1] != 'i') {
        return Errorf("bad number syntax: " + Quoted(start_, pos_));
      }
      return Emit(Item::kComplex);
    }
    return Emit(Item::kNumber);
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (IsAlphaNumeric(Peek())) {
      Next();
      return false;
    }
    return true;
  }

  State LexQuote() {
    while (true) {
      char32_t c = Next();
      if (c == '\\') {
        char32_t r = Next();
        if (r != kEof && r != '\n') continue;
        return Errorf("unterminated quoted string");
      }
      if (c == kEof || c == '\n') return Errorf("unterminated quoted string");
      if (c == '"') break;
    }
    return Emit(Item::kString);
  }

  State LexRawQuote() {
    while (true) {
      char32_t c = Next();
      if (c == kEof) return Errorf("unterminated raw quoted string");
      if (c == '`') break;
    }
    return Emit(Item::kRawString);
  }

 public:
  // A text item is followed by lexLeftDelim on the next call (Go returns that state).
  bool pending_left_delim_ = false;
  Token NextItemWithPending() {
    if (pending_left_delim_) {
      item_ = Token{Item::kEOF, pos_, "EOF", start_line_};
      State st = LexLeftDelim();
      while (st != State::kDone) {
        switch (st) {
          case State::kText: st = LexText(); break;
          case State::kComment: st = LexComment(); break;
          default: st = State::kDone; break;
        }
      }
      return item_;
    }
    return NextItem();
  }

 private:
  std::string_view input_;
  int pos_ = 0;
  int start_ = 0;
  bool at_eof_ = false;
  int paren_depth_ = 0;
  int line_ = 1;
  int start_line_ = 1;
  Token item_;
  bool inside_action_ = false;
};

// strconv.UnquoteChar: one (possibly escaped) character of a quoted literal.
bool UnquoteChar(std::string_view s, char quote, char32_t* value, bool* multibyte, std::string_view* tail) {
  if (s.empty()) return false;
  unsigned char c = static_cast<unsigned char>(s[0]);
  if (c == static_cast<unsigned char>(quote) && (quote == '\'' || quote == '"')) return false;
  if (c >= 0x80) {
    char32_t r;
    int w = model::DecodeRune(s, &r);
    *value = r;
    *multibyte = true;
    *tail = s.substr(w);
    return true;
  }
  if (c != '\\') {
    *value = c;
    *multibyte = false;
    *tail = s.substr(1);
    return true;
  }
  if (s.size() <= 1) return false;
  char e = s[1];
  s = s.substr(2);
  *multibyte = false;
  switch (e) {
    case 'a': *value = 7; break;
    case 'b': *value = 8; break;
    case 'f': *value = 12; break;
    case 'n': *value = 10; break;
    case 'r': *value = 13; break;
    case 't': *value = 9; break;
    case 'v': *value = 11; break;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s.size() < n) return false;
      uint32_t v = 0;
      for (size_t j = 0; j < n; j++) {
        char h = s[j];
        int d;
        if (h >= '0' && h <= '9') {
          d = h - '0';
        } else if (h >= 'a' && h <= 'f') {
          d = h - 'a' + 10;
        } else if (h >= 'A' && h <= 'F') {
          d = h - 'A' + 10;
        } else {
          return false;
        }
        v = v << 4 | static_cast<uint32_t>(d);
      }
      s = s.substr(n);
      if (e == 'x') {
        *value = v;
        break;
      }
      if (!model::IsValidRune(v)) return false;
      *value = v;
      *multibyte = true;
      break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      uint32_t v = static_cast<uint32_t>(e - '0');
      if (s.size() < 2) return false;
      for (int j = 0; j < 2; j++) {
        int d = s[j] - '0';
        if (d < 0 || d > 7) return false;
        v = (v << 3) | static_cast<uint32_t>(d);
      }
      s = s.substr(2);
      if (v > 255) return false;
      *value = v;
      break;
    }
    case '\\': *value = '\\'; break;
    case '\'':
    case '"':
      if (e != quote) return false;
      *value = static_cast<char32_t>(e);
      break;
    default: return false;
  }
  *tail = s;
  return true;
}

// strconv.Unquote for "..." and `...` literals.
bool Unquote(std::string_view in, std::string* out) {
  out->clear();
  if (in.size() < 2) return false;
  char quote = in[0];
  if (quote != in.back()) return false;
  std::string_view s = in.substr(1, in.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return false;
    for (char c : s) {
      if (c != '\r') out->push_back(c);
    }
    return true;
  }
  if (quote != '"' && quote != '\'') return false;
  if (s.find('\n') != std::string_view::npos) return false;
  while (!s.empty()) {
    char32_t v;
    bool mb;
    std::string_view tail;
    if (!UnquoteChar(s, quote, &v, &mb, &tail)) return false;
    if (v < 0x80 || !mb) {
      out->push_back(static_cast<char>(v));
    } else {
      model::AppendRune(out, v);
    }
    s = tail;
    if (quote == '\'') break;
  }
  if (quote == '\'' && !s.empty()) return false;
  return true;
}

class Parser {
 public:
  Parser(const std::string& name, const std::string& text, bool (*is_function)(std::string_view),
         ParsedTemplates* out)
      : parse_name_(name), text_(text), is_function_(is_function), out_(out), lex_(text) {}

  void ParseTop(const std::string& name) {
    name_ = name;
    lex_.break_ok = !is_function_("break");
    lex_.continue_ok = !is_function_("continue");
    vars_ = {"$"};
    Node* root = NewList(Peek().pos);
    while (Peek().typ != Item::kEOF) {
      if (Peek().typ == Item::kLeftDelim) {
        Token delim = Next();
        if (NextNonSpace().typ == Item::kDefine) {
          ParseDefinition();
          continue;
        }
        Backup2(delim);
      }
      Node* n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        Errorf("unexpected " + NodeString(n));
      }
      root->nodes.push_back(n);
    }
    Add(name_, root);
  }

 private:
  [[noreturn]] void Errorf(const std::string& msg) {
    throw ParseError{"template: " + parse_name_ + ":" + std::to_string(token_[0].line) + ": " + msg};
  }

  Token Next() {
    if (peek_count_ > 0) {
      peek_count_--;
    } else {
      token_[0] = lex_.NextItemWithPending();
    }
    return token_[peek_count_];
  }
  void Backup() { peek_count_++; }
  void Backup2(Token t1) {
    token_[1] = std::move(t1);
    peek_count_ = 2;
  }
  void Backup3(Token t2, Token t1) {
    token_[1] = std::move(t1);
    token_[2] = std::move(t2);
    peek_count_ = 3;
  }
  Token Peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = lex_.NextItemWithPending();
    return token_[0];
  }
  Token NextNonSpace() {
    Token t;
    do {
      t = Next();
    } while (t.typ == Item::kSpace);
    return t;
  }
  Token PeekNonSpace() {
    Token t = NextNonSpace();
    Backup();
    return t;
  }

  static std::string ItemString(const Token& t) {
    if (t.typ == Item::kEOF) return "EOF";
    if (t.typ == Item::kError) return t.val;
    if (t.typ > Item::kKeyword) return "<" + t.val + ">";
    if (t.val.size() > 10) return GoQuoteRunes(t.val, 10) + "...";  // %.10q counts runes
    return model::GoQuote(t.val);
  }

  Token Expect(Item expected, const std::string& context) {
    Token t = NextNonSpace();
    if (t.typ != expected) Unexpected(t, context);
    return t;
  }
  Token ExpectOneOf(Item e1, Item e2, const std::string& context) {
    Token t = NextNonSpace();
    if (t.typ != e1 && t.typ != e2) Unexpected(t, context);
    return t;
  }
  [[noreturn]] void Unexpected(const Token& t, const std::string& context) {
    if (t.typ == Item::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != t.line) {
        extra = " in action started at " + parse_name_ + ":" + std::to_string(action_line_);
        if (t.val.ends_with(" action")) extra = extra.substr(std::string_view(" in action").size());
      }
      Errorf(t.val + extra);
    }
    Errorf("unexpected " + ItemString(t) + " in " + context);
  }

  Node* NewNode(NodeType type, int pos) {
    out_->arena.push_back(std::make_unique<Node>());
    Node* n = out_->arena.back().get();
    n->type = type;
    n->pos = pos;
    return n;
  }
  Node* NewList(int pos) { return NewNode(NodeType::kList, pos); }

  void Add(const std::string& name, Node* root) {
    auto it = out_->trees.find(name);
    if (it == out_->trees.end() || IsEmptyTree(it->second)) {
      out_->trees[name] = root;
      return;
    }
    if (!IsEmptyTree(root)) Errorf("template: multiple definition of template " + model::GoQuote(name));
  }

  static bool IsEmptyTree(const Node* n) {
    if (n == nullptr) return true;
    switch (n->type) {
      case NodeType::kComment: return true;
      case NodeType::kList:
        for (const Node* c : n->nodes) {
          if (!IsEmptyTree(c)) return false;
        }
        return true;
      case NodeType::kText: return n->text.find_first_not_of(" \t\n\v\f\r") == std::string::npos;
      default: return false;
    }
  }

  void ParseDefinition() {
    const std::string context = "define clause";
    Token name = ExpectOneOf(Item::kString, Item::kRawString, context);
    std::string tname;
    if (!Unquote(name.val, &tname)) Errorf("invalid syntax");
    Expect(Item::kRightDelim, context);
    // A definition parses with a fresh variable scope, as a new Tree.
    std::vector<std::string> saved_vars = std::move(vars_);
    int saved_range = range_depth_;
    vars_ = {"$"};
    range_depth_ = 0;
    auto [list, end] = ItemList();
    if (end->type != NodeType::kEnd) Errorf("unexpected " + NodeString(end) + " in " + context);
    Add(tname, list);
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
  }

  void CheckStack() {
    const char* here = static_cast<const char*>(__builtin_frame_address(0));
    if (stack_base_ - here > kStackBudget) Errorf("max expression depth exceeded");
  }

  std::pair<Node*, Node*> ItemList() {
    CheckStack();
    if (++depth_ > kMaxDepth) Errorf("max expression depth exceeded");
    Node* list = NewList(PeekNonSpace().pos);
    while (PeekNonSpace().typ != Item::kEOF) {
      Node* n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        depth_--;
        return {list, n};
      }
      list->nodes.push_back(n);
    }
    Errorf("unexpected EOF");
  }

  Node* TextOrAction() {
    Token t = NextNonSpace();
    switch (t.typ) {
      case Item::kText: {
        Node* n = NewNode(NodeType::kText, t.pos);
        n->text = t.val;
        return n;
      }
      case Item::kLeftDelim: {
        action_line_ = t.line;
        Node* n = Action();
        action_line_ = 0;
        return n;
      }
      case Item::kComment: {
        Node* n = NewNode(NodeType::kComment, t.pos);
        n->text = t.val;
        return n;
      }
      default: Unexpected(t, "input");
    }
  }

  Node* Action() {
    Token t = NextNonSpace();
    switch (t.typ) {
      case Item::kBlock: return BlockControl();
      case Item::kBreak: return BreakControl(t.pos, NodeType::kBreak, "{{break}}");
      case Item::kContinue: return BreakControl(t.pos, NodeType::kContinue, "{{continue}}");
      case Item::kElse: return ElseControl();
      case Item::kEnd: return NewNode(NodeType::kEnd, Expect(Item::kRightDelim, "end").pos);
      case Item::kIf: return Control(NodeType::kIf, "if");
      case Item::kRange: return Control(NodeType::kRange, "range");
      case Item::kTemplate: return TemplateControl();
      case Item::kWith: return Control(NodeType::kWith, "with");
      default: break;
    }
    Backup();
    Token p = Peek();
    Node* n = NewNode(NodeType::kAction, p.pos);
    n->pipe = Pipeline("command", Item::kRightDelim);
    return n;
  }

  Node* BreakControl(int pos, NodeType type, const std::string& what) {
    Token t = NextNonSpace();
    if (t.typ != Item::kRightDelim) Unexpected(t, what);
    if (range_depth_ == 0) Errorf(what + " outside {{range}}");
    return NewNode(type, pos);
  }

  Node* Pipeline(const std::string& context, Item end) {
    Token t = PeekNonSpace();
    Node* pipe = NewNode(NodeType::kPipe, t.pos);
  decls:
    if (Token v = PeekNonSpace(); v.typ == Item::kVariable) {
      Next();
      Token after = Peek();
      Token next = PeekNonSpace();
      if (next.typ == Item::kAssign || next.typ == Item::kDeclare) {
        pipe->is_assign = next.typ == Item::kAssign;
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v.pos, v.val));
        vars_.push_back(v.val);
      } else if (next.typ == Item::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v.pos, v.val));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          switch (PeekNonSpace().typ) {
            case Item::kVariable:
            case Item::kRightDelim:
            case Item::kRightParen: goto decls;
            default: Errorf("range can only initialize variables");
          }
        }
        Errorf("too many declarations in " + context);
      } else if (after.typ == Item::kSpace) {
        Backup3(v, after);
      } else {
        Backup2(v);
      }
    }
    while (true) {
      Token tok = NextNonSpace();
      if (tok.typ == end) {
        CheckPipeline(pipe, context);
        return pipe;
      }
      switch (tok.typ) {
        case Item::kBool:
        case Item::kCharConstant:
        case Item::kComplex:
        case Item::kDot:
        case Item::kField:
        case Item::kIdentifier:
        case Item::kNumber:
        case Item::kNil:
        case Item::kRawString:
        case Item::kString:
        case Item::kVariable:
        case Item::kLeftParen:
          Backup();
          pipe->nodes.push_back(Command());
          break;
        default: Unexpected(tok, context);
      }
    }
  }

  void CheckPipeline(Node* pipe, const std::string& context) {
    if (pipe->nodes.empty()) Errorf("missing value for " + context);
    for (size_t i = 1; i < pipe->nodes.size(); i++) {
      switch (pipe->nodes[i]->nodes[0]->type) {
        case NodeType::kBool:
        case NodeType::kDot:
        case NodeType::kNil:
        case NodeType::kNumber:
        case NodeType::kString: Errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default: break;
      }
    }
  }

  Node* Control(NodeType type, const std::string& context) {
    size_t nvars = vars_.size();
    Node* pipe = Pipeline(context, Item::kRightDelim);
    if (context == "range") range_depth_++;
    auto [list, next] = ItemList();
    if (context == "range") range_depth_--;
    Node* else_list = nullptr;
    if (next->type == NodeType::kElse) {
      if (context == "if" && Peek().typ == Item::kIf) {
        Next();
        else_list = NewList(next->pos);
        else_list->nodes.push_back(Control(NodeType::kIf, "if"));
      } else if (context == "with" && Peek().typ == Item::kWith) {
        Next();
        else_list = NewList(next->pos);
        else_list->nodes.push_back(Control(NodeType::kWith, "with"));
      } else {
        Node* end;
        std::tie(else_list, end) = ItemList();
        if (end->type != NodeType::kEnd) Errorf("expected end; found " + NodeString(end));
      }
    }
    vars_.resize(nvars);
    Node* n = NewNode(type, pipe->pos);
    n->pipe = pipe;
    n->list = list;
    n->else_list = else_list;
    return n;
  }

  Node* ElseControl() {
    Token peek = PeekNonSpace();
    if (peek.typ == Item::kIf || peek.typ == Item::kWith) return NewNode(NodeType::kElse, peek.pos);
    Token t = Expect(Item::kRightDelim, "else");
    return NewNode(NodeType::kElse, t.pos);
  }

  Node* BlockControl() {
    const std::string context = "block clause";
    Token t = NextNonSpace();
    std::string name = ParseTemplateName(t, context);
    Node* pipe = Pipeline(context, Item::kRightDelim);
    std::vector<std::string> saved_vars = std::move(vars_);
    int saved_range = range_depth_;
    vars_ = {"$"};
    range_depth_ = 0;
    // The body is parsed by a tree of its own (Go's `block` Tree), with its own token buffer
    // and action line: an error about the end of the block is the outer tree's, reported at
    // the line of the outer tree's last token.
    const Token outer_token = token_[0];
    const int outer_action_line = action_line_;
    action_line_ = 0;
    auto [list, end] = ItemList();
    if (end->type != NodeType::kEnd) {
      token_[0] = outer_token;
      Errorf("unexpected " + NodeString(end) + " in " + context);
    }
    Add(name, list);
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
    action_line_ = outer_action_line;
    Node* n = NewNode(NodeType::kTemplate, t.pos);
    n->text = name;
    n->pipe = pipe;
    return n;
  }

  Node* TemplateControl() {
    const std::string context = "template clause";
    Token t = NextNonSpace();
    std::string name = ParseTemplateName(t, context);
    Node* pipe = nullptr;
    if (NextNonSpace().typ != Item::kRightDelim) {
      Backup();
      pipe = Pipeline(context, Item::kRightDelim);
    }
    Node* n = NewNode(NodeType::kTemplate, t.pos);
    n->text = name;
    n->pipe = pipe;
    return n;
  }

  std::string ParseTemplateName(const Token& t, const std::string& context) {
    if (t.typ == Item::kString || t.typ == Item::kRawString) {
      std::string s;
      if (!Unquote(t.val, &s)) Errorf("invalid syntax");
      return s;
    }
    Unexpected(t, context);
  }

  Node* Command() {
    Node* cmd = NewNode(NodeType::kCommand, PeekNonSpace().pos);
    while (true) {
      PeekNonSpace();
      Node* operand = Operand();
      if (operand != nullptr) cmd->nodes.push_back(operand);
      Token t = Next();
      if (t.typ == Item::kSpace) continue;
      if (t.typ == Item::kRightDelim || t.typ == Item::kRightParen) {
        Backup();
      } else if (t.typ != Item::kPipe) {
        Unexpected(t, "operand");
      }
      break;
    }
    if (cmd->nodes.empty()) Errorf("empty command");
    return cmd;
  }

  Node* Operand() {
    Node* node = Term();
    if (node == nullptr) return nullptr;
    if (Peek().typ == Item::kField) {
      Node* chain = NewNode(NodeType::kChain, Peek().pos);
      chain->chain = node;
      while (Peek().typ == Item::kField) {
        std::string field = Next().val;
        // ChainNode.Add: strip the leading '.', split on '.'.
        std::string_view f = field;
        if (f.empty() || f[0] != '.') throw ParseError{"no dot in field"};
        f.remove_prefix(1);
        size_t start = 0;
        while (true) {
          size_t dot = f.find('.', start);
          chain->ident.emplace_back(f.substr(start, dot == std::string_view::npos ? f.npos : dot - start));
          if (dot == std::string_view::npos) break;
          start = dot + 1;
        }
      }
      switch (node->type) {
        case NodeType::kField: {
          Node* n = NewNode(NodeType::kField, chain->pos);
          n->ident = Split(NodeString(chain).substr(1));
          return n;
        }
        case NodeType::kVariable: {
          Node* n = NewNode(NodeType::kVariable, chain->pos);
          n->ident = Split(NodeString(chain));
          return n;
        }
        case NodeType::kBool:
        case NodeType::kString:
        case NodeType::kNumber:
        case NodeType::kNil:
        case NodeType::kDot: Errorf("unexpected . after term " + model::GoQuote(NodeString(node)));
        default: return chain;
      }
    }
    return node;
  }

  static std::vector<std::string> Split(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
      size_t dot = s.find('.', start);
      out.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return out;
  }

  Node* NewVariable(int pos, const std::string& ident) {
    Node* n = NewNode(NodeType::kVariable, pos);
    n->ident = Split(ident);
    return n;
  }

  Node* Term() {
    Token t = NextNonSpace();
    switch (t.typ) {
      case Item::kIdentifier: {
        if (!is_function_(t.val)) Errorf("function " + model::GoQuote(t.val) + " not defined");
        Node* n = NewNode(NodeType::kIdentifier, t.pos);
        n->text = t.val;
        return n;
      }
      case Item::kDot: return NewNode(NodeType::kDot, t.pos);
      case Item::kNil: return NewNode(NodeType::kNil, t.pos);
      case Item::kVariable: {
        Node* v = NewVariable(t.pos, t.val);
        if (std::find(vars_.begin(), vars_.end(), v->ident[0]) == vars_.end()) {
          Errorf("undefined variable " + model::GoQuote(v->ident[0]));
        }
        return v;
      }
      case Item::kField: {
        Node* n = NewNode(NodeType::kField, t.pos);
        n->ident = Split(t.val.substr(1));
        return n;
      }
      case Item::kBool: {
        Node* n = NewNode(NodeType::kBool, t.pos);
        n->bool_value = t.val == "true";
        return n;
      }
      case Item::kCharConstant:
      case Item::kComplex:
      case Item::kNumber: return NewNumber(t);
      case Item::kLeftParen: {
        CheckStack();
        if (depth_ >= kMaxDepth) Errorf("max expression depth exceeded");
        depth_++;
        Node* p = Pipeline("parenthesized pipeline", Item::kRightParen);
        depth_--;
        return p;
      }
      case Item::kString:
      case Item::kRawString: {
        std::string s;
        if (!Unquote(t.val, &s)) Errorf("invalid syntax");
        Node* n = NewNode(NodeType::kString, t.pos);
        n->text = t.val;
        n->str = std::move(s);
        return n;
      }
      default: break;
    }
    Backup();
    return nullptr;
  }

  static bool ParseUint0(std::string_view s, uint64_t* out) {
    if (s.empty() || s[0] == '+' || s[0] == '-') return false;
    auto r = model::ParseIntBase0(s);
    if (r.ok()) {
      if (r.value < 0) return false;
      *out = static_cast<uint64_t>(r.value);
      return true;
    }
    if (*r.error != model::ParseNumError::kRange) return false;
    // Out of int64 range: parse the magnitude again as unsigned.
    int base = 10;
    std::string_view d = s;
    if (d.size() > 1 && d[0] == '0') {
      char p = static_cast<char>(d[1] | 0x20);
      if (p == 'x') {
        base = 16;
        d.remove_prefix(2);
      } else if (p == 'o') {
        base = 8;
        d.remove_prefix(2);
      } else if (p == 'b') {
        base = 2;
        d.remove_prefix(2);
      } else {
        base = 8;
        d.remove_prefix(1);
      }
    }
    uint64_t v = 0;
    for (char c : d) {
      if (c == '_') continue;
      uint64_t x = static_cast<uint64_t>(c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
      if (v > (UINT64_MAX - x) / static_cast<uint64_t>(base)) return false;
      v = v * static_cast<uint64_t>(base) + x;
    }
    *out = v;
    return true;
  }

  static void SimplifyComplex(Node* n) {
    n->is_float = n->imag == 0;
    if (n->is_float) {
      n->float64 = n->real;
      double f = n->float64;
      n->is_int = f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
                  static_cast<double>(static_cast<int64_t>(f)) == f;
      if (n->is_int) n->int64 = static_cast<int64_t>(f);
      n->is_uint = f >= 0 && f < 18446744073709551616.0 && static_cast<double>(static_cast<uint64_t>(f)) == f;
      if (n->is_uint) n->uint64 = static_cast<uint64_t>(f);
    }
  }

  Node* NewNumber(const Token& t) {
    Node* n = NewNode(NodeType::kNumber, t.pos);
    const std::string& text = t.val;
    n->text = text;
    if (t.typ == Item::kCharConstant) {
      char32_t r;
      bool mb;
      std::string_view tail;
      if (!UnquoteChar(std::string_view(text).substr(1), text[0], &r, &mb, &tail)) Errorf("invalid syntax");
      if (tail != "'") Errorf("malformed character constant: " + text);
      n->int64 = r;
      n->is_int = true;
      n->uint64 = r;
      n->is_uint = true;
      n->float64 = r;
      n->is_float = true;
      return n;
    }
    if (t.typ == Item::kComplex) {
      // "re+imi" / "re-imi": the sign that starts the imaginary part is the last one not
      // after an exponent marker.
      size_t split = std::string::npos;
      for (size_t i = text.size() - 1; i > 0; i--) {
        if ((text[i] == '+' || text[i] == '-') && text[i - 1] != 'e' && text[i - 1] != 'E' &&
            text[i - 1] != 'p' && text[i - 1] != 'P') {
          split = i;
          break;
        }
      }
      if (split == std::string::npos) Errorf("expected integer");
      // fmt.Sscan reads the two parts with strconv.ParseFloat.
      const std::string_view re_text = std::string_view(text).substr(0, split);
      const std::string_view im_text = std::string_view(text).substr(split, text.size() - split - 1);
      auto re = model::ParseFloat(re_text);
      auto im = model::ParseFloat(im_text);
      for (auto [part, parsed] : {std::pair{re_text, re}, std::pair{im_text, im}}) {
        if (!parsed.ok()) {
          Errorf("strconv.ParseFloat: parsing " + model::GoQuote(part) + ": " +
                 (*parsed.error == model::ParseNumError::kSyntax ? "invalid syntax" : "value out of range"));
        }
      }
      n->is_complex = true;
      n->real = re.value;
      n->imag = im.value;
      SimplifyComplex(n);
      return n;
    }
    if (!text.empty() && text.back() == 'i') {
      auto f = model::ParseFloat(std::string_view(text).substr(0, text.size() - 1));
      if (f.ok()) {
        n->is_complex = true;
        n->real = 0;
        n->imag = f.value;
        SimplifyComplex(n);
        return n;
      }
    }
    uint64_t u = 0;
    if (ParseUint0(text, &u)) {
      n->is_uint = true;
      n->uint64 = u;
    }
    auto i = model::ParseIntBase0(text);
    if (i.ok()) {
      n->is_int = true;
      n->int64 = i.value;
      if (i.value == 0) {
        n->is_uint = true;
        n->uint64 = u;
      }
    }
    if (n->is_int) {
      n->is_float = true;
      n->float64 = static_cast<double>(n->int64);
    } else if (n->is_uint) {
      n->is_float = true;
      n->float64 = static_cast<double>(n->uint64);
    } else {
      auto f = model::ParseFloat(text);
      if (f.ok()) {
        if (text.find_first_of(".eEpP") == std::string::npos) {
          Errorf("integer overflow: " + model::GoQuote(text));
        }
        n->is_float = true;
        n->float64 = f.value;
        double v = f.value;
        if (v >= -9223372036854775808.0 && v < 9223372036854775808.0 &&
            static_cast<double>(static_cast<int64_t>(v)) == v) {
          n->is_int = true;
          n->int64 = static_cast<int64_t>(v);
        }
        if (v >= 0 && v < 18446744073709551616.0 && static_cast<double>(static_cast<uint64_t>(v)) == v) {
          n->is_uint = true;
          n->uint64 = static_cast<uint64_t>(v);
        }
      }
    }
    if (!n->is_int && !n->is_uint && !n->is_float) Errorf("illegal number syntax: " + model::GoQuote(text));
    return n;
  }

  std::string parse_name_;
  std::string name_;
  const std::string& text_;
  bool (*is_function_)(std::string_view);
  ParsedTemplates* out_;
  Lexer lex_;
  Token token_[3];
  int peek_count_ = 0;
  std::vector<std::string> vars_;
  int action_line_ = 0;
  int range_depth_ = 0;
  int depth_ = 0;

 public:
  const char* stack_base_ = nullptr;
};

void WriteNode(const Node* n, std::string* sb);

void WritePipe(const Node* p, std::string* sb) {
  if (!p->decl.empty()) {
    for (size_t i = 0; i < p->decl.size(); i++) {
      if (i > 0) *sb += ", ";
      WriteNode(p->decl[i], sb);
    }
    *sb += p->is_assign ? " = " : " := ";
  }
  for (size_t i = 0; i < p->nodes.size(); i++) {
    if (i > 0) *sb += " | ";
    WriteNode(p->nodes[i], sb);
  }
}

void WriteNode(const Node* n, std::string* sb) {
  switch (n->type) {
    case NodeType::kText: *sb += n->text; return;
    case NodeType::kComment: *sb += "{{" + n->text + "}}"; return;
    case NodeType::kList:
      for (const Node* c : n->nodes) WriteNode(c, sb);
      return;
    case NodeType::kPipe: WritePipe(n, sb); return;
    case NodeType::kAction:
      *sb += "{{";
      WritePipe(n->pipe, sb);
      *sb += "}}";
      return;
    case NodeType::kCommand:
      for (size_t i = 0; i < n->nodes.size(); i++) {
        if (i > 0) *sb += ' ';
        if (n->nodes[i]->type == NodeType::kPipe) {
          *sb += '(';
          WritePipe(n->nodes[i], sb);
          *sb += ')';
          continue;
        }
        WriteNode(n->nodes[i], sb);
      }
      return;
    case NodeType::kIdentifier:
    case NodeType::kNumber:
    case NodeType::kString: *sb += n->text; return;
    case NodeType::kVariable:
      for (size_t i = 0; i < n->ident.size(); i++) {
        if (i > 0) *sb += '.';
        *sb += n->ident[i];
      }
      return;
    case NodeType::kField:
      for (const auto& id : n->ident) *sb += "." + id;
      return;
    case NodeType::kChain:
      if (n->chain->type == NodeType::kPipe) {
        *sb += '(';
        WritePipe(n->chain, sb);
        *sb += ')';
      } else {
        WriteNode(n->chain, sb);
      }
      for (const auto& f : n->ident) *sb += "." + f;
      return;
    case NodeType::kDot: *sb += '.'; return;
    case NodeType::kNil: *sb += "nil"; return;
    case NodeType::kBool: *sb += n->bool_value ? "true" : "false"; return;
    case NodeType::kEnd: *sb += "{{end}}"; return;
    case NodeType::kElse: *sb += "{{else}}"; return;
    case NodeType::kBreak: *sb += "{{break}}"; return;
    case NodeType::kContinue: *sb += "{{continue}}"; return;
    case NodeType::kIf:
    case NodeType::kRange:
    case NodeType::kWith:
      *sb += n->type == NodeType::kIf ? "{{if " : n->type == NodeType::kRange ? "{{range " : "{{with ";
      WritePipe(n->pipe, sb);
      *sb += "}}";
      WriteNode(n->list, sb);
      if (n->else_list != nullptr) {
        *sb += "{{else}}";
        WriteNode(n->else_list, sb);
      }
      *sb += "{{end}}";
      return;
    case NodeType::kTemplate:
      *sb += "{{template " + model::GoQuote(n->text);
      if (n->pipe != nullptr) {
        *sb += ' ';
        WritePipe(n->pipe, sb);
      }
      *sb += "}}";
      return;
  }
}

}  // namespace

std::string NodeString(const Node* n) {
  std::string sb;
  WriteNode(n, &sb);
  return sb;
}

void Parse(const std::string& name, const std::string& text, bool (*is_function)(std::string_view),
           ParsedTemplates* out) {
  out->text = text;
  Parser p(name, out->text, is_function, out);
  p.stack_base_ = static_cast<const char*>(__builtin_frame_address(0));
  p.ParseTop(name);
}

}  // namespace promref::tmpl::internal
