// The pieces of the template engine shared by its source files: the parse tree, the values a
// template computes with, and Go's fmt for them. Not part of the library's interface.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace promref::tmpl::internal {

// ---- Parse tree (text/template/parse) ----

enum class NodeType {
  kText,
  kAction,
  kBool,
  kChain,
  kCommand,
  kDot,
  kField,
  kIdentifier,
  kIf,
  kList,
  kNil,
  kNumber,
  kPipe,
  kRange,
  kString,
  kTemplate,
  kVariable,
  kWith,
  kComment,
  kBreak,
  kContinue,
  kEnd,
  kElse,
};

struct Node {
  NodeType type = NodeType::kText;
  int pos = 0;
  std::string text;                // text, identifier, quoted string, number text, template name
  std::string str;                 // string node: the unquoted value
  std::vector<std::string> ident;  // field/variable names; chain fields
  std::vector<Node*> nodes;        // list items, command args, pipe commands
  std::vector<Node*> decl;         // pipe: declared variables
  bool is_assign = false;          // pipe: `=` rather than `:=`
  Node* pipe = nullptr;            // action, if/range/with, template
  Node* list = nullptr;            // if/range/with
  Node* else_list = nullptr;       // if/range/with
  Node* chain = nullptr;           // chain: the term
  bool bool_value = false;
  // Number node.
  bool is_int = false, is_uint = false, is_float = false, is_complex = false;
  int64_t int64 = 0;
  uint64_t uint64 = 0;
  double float64 = 0, real = 0, imag = 0;
};

std::string NodeString(const Node* n);

struct ParseError {
  std::string message;  // "template: NAME:LINE: ..."
};

// All trees of one Parse: name -> root list.
struct ParsedTemplates {
  std::vector<std::unique_ptr<Node>> arena;
  std::map<std::string, Node*> trees;
  std::string text;
};

// Parses `text` as template `name`. `is_function` tells which identifiers are functions.
// Throws ParseError.
void Parse(const std::string& name, const std::string& text, bool (*is_function)(std::string_view),
           ParsedTemplates* out);

// ---- Values ----

enum class Kind {
  kInvalid,  // no value, untyped nil
  kBool,
  kInt,
  kInt64,
  kUint8,
  kFloat,
  kComplex,
  kString,
  kHtml,  // html/template.HTML
  kStringMap,
  kAnyMap,
  kData,
  kQueryResult,
  kSample,  // *template.sample (null = nil pointer)
  kTime,    // *time.Time (ns since the epoch, UTC)
  kDuration,
};

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Value;
using AnyMap = std::map<std::string, Value>;
using StringMap = std::map<std::string, std::string>;
struct DataStruct;

struct Value {
  Kind kind = Kind::kInvalid;
  bool boxed = false;  // came out of an interface{} (a struct field or map element of type any)
  bool b = false;
  int64_t i = 0;  // int, int64, uint8, time and duration nanoseconds
  double f = 0, imag = 0;
  std::string s;
  std::shared_ptr<const StringMap> smap;
  std::shared_ptr<const AnyMap> amap;
  std::shared_ptr<std::vector<std::shared_ptr<const Sample>>> qr;  // null: nil slice
  std::shared_ptr<const Sample> sample;
  std::shared_ptr<const DataStruct> data;

  static Value Bool(bool v) {
    Value x;
    x.kind = Kind::kBool;
    x.b = v;
    return x;
  }
  static Value Int(int64_t v, Kind k = Kind::kInt) {
    Value x;
    x.kind = k;
    x.i = v;
    return x;
  }
  static Value Float(double v) {
    Value x;
    x.kind = Kind::kFloat;
    x.f = v;
    return x;
  }
  static Value String(std::string v, Kind k = Kind::kString) {
    Value x;
    x.kind = k;
    x.s = std::move(v);
    return x;
  }
};

struct DataStruct {
  StringMap labels, external_labels;
  std::string external_url;
  double value = 0;
};

// Go's name of the value's type ("float64", "map[string]string", "*template.sample").
std::string TypeName(const Value& v);

// ---- Go's fmt ----

// fmt.Sprint / Sprintln / Sprintf of the values (nil values print as "<nil>").
std::string GoSprint(const std::vector<Value>& args);
std::string GoSprintln(const std::vector<Value>& args);
std::string GoSprintf(std::string_view format, const std::vector<Value>& args);
// %v of one value.
std::string GoFormatV(const Value& v);
// fmt's %.4g of a float64 (what the humanize functions print).
std::string GoFormatG4(double v);
// Go's time.Time.String() of a UTC time: "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string GoTimeString(int64_t unix_ns);
// %q of a string (strconv.Quote) and %.Nq (the first N runes quoted).
std::string GoQuoteRunes(std::string_view s, int max_runes);

}  // namespace promref::tmpl::internal
