// text/template's executor (exec.go), its builtins (funcs.go) and Prometheus' function map
// (template/template.go), over the values of internal.h.
#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/go_strconv.h"
#include "model/matcher.h"
#include "model/time.h"
#include "model/utf8.h"
#include "relabel/go_unicode.h"
#include "template/internal.h"
#include "template/template.h"

namespace promref::tmpl {
namespace {

using namespace internal;

constexpr int kMaxExecDepth = 100;  // nested {{template}} calls (Go: 100000)
// The stack an expansion may use below Expand's frame: deep nesting is refused before it can
// overflow a thread's stack, whatever the build's frame sizes (sanitizers make them large).
constexpr std::ptrdiff_t kStackBudget = 2 << 20;
constexpr int64_t kMaxSteps = 1000000;
constexpr size_t kMaxOutput = 4 << 20;
// The longest string a function may return: doubling a string in a loop must not exhaust
// memory before the step limit stops it.
constexpr size_t kMaxValueSize = 16 << 20;

struct ExecError {
  std::string message;
};
struct BreakSignal {};
struct ContinueSignal {};
// A function's error: "error calling NAME: " + message.
struct CallError {
  std::string message;
};

const char* const kNilDeref = "runtime error: invalid memory address or nil pointer dereference";

enum class PType { kAny, kReflect, kString, kQueryResult, kSample, kDuration };

std::string PTypeName(PType t) {
  switch (t) {
    case PType::kAny: return "interface {}";
    case PType::kReflect: return "reflect.Value";
    case PType::kString: return "string";
    case PType::kQueryResult: return "template.queryResult";
    case PType::kSample: return "*template.sample";
    case PType::kDuration: return "time.Duration";
  }
  return "?";
}

class State;
using FuncImpl = Value (*)(State&, std::vector<Value>&);

struct FuncDef {
  std::vector<PType> in;
  bool variadic = false;
  bool builtin = false;
  FuncImpl impl = nullptr;
};

const std::map<std::string, FuncDef, std::less<>>& Funcs();
const FuncDef* FindMethod(Kind kind, std::string_view name);

bool IsFunction(std::string_view name) {
  const auto& f = Funcs();
  return f.find(name) != f.end();
}

Value Unbox(Value v) {
  v.boxed = false;
  return v;
}

Value Boxed(Value v) {
  v.boxed = true;
  return v;
}

Value NilOf(Kind k) {
  Value v;
  v.kind = k;
  return v;
}

// isTrue.
bool Truth(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid: return false;
    case Kind::kBool: return v.b;
    case Kind::kInt:
    case Kind::kInt64:
    case Kind::kUint8: return v.i != 0;
    case Kind::kFloat: return v.f != 0;
    case Kind::kComplex: return v.f != 0 || v.imag != 0;
    case Kind::kString:
    case Kind::kHtml: return !v.s.empty();
    case Kind::kStringMap: return v.smap && !v.smap->empty();
    case Kind::kAnyMap: return v.amap && !v.amap->empty();
    case Kind::kData: return true;
    case Kind::kQueryResult: return v.qr && !v.qr->empty();
    case Kind::kSample: return v.sample != nullptr;
    case Kind::kTime:
    case Kind::kDuration: return true;
  }
  return false;
}

struct Env {
  const ParsedTemplates* parsed = nullptr;
  const ExpandOptions* options = nullptr;
  std::string out;
  int64_t steps = 0;
  std::string url_path;
  const char* stack_base = nullptr;
};

class State {
 public:
  State(Env* env, std::string tmpl_name) : env_(env), tmpl_name_(std::move(tmpl_name)) {}

  Env* env_;
  std::string tmpl_name_;
  const Node* node_ = nullptr;
  std::vector<std::pair<std::string, Value>> vars_;
  int depth_ = 0;

  [[noreturn]] void Errorf(const std::string& msg) {
    if (node_ == nullptr) throw ExecError{"template: " + tmpl_name_ + ": " + msg};
    const std::string& text = env_->parsed->text;
    size_t pos = std::min(static_cast<size_t>(node_->pos), text.size());
    std::string_view before(text.data(), pos);
    size_t nl = before.rfind('\n');
    size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
    size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    throw ExecError{"template: " + parse_name_ + ":" + std::to_string(line) + ":" + std::to_string(col) +
                    ": executing " + model::GoQuote(tmpl_name_) + " at <" + NodeString(node_) + ">: " + msg};
  }

  std::string parse_name_;

  void At(const Node* n) { node_ = n; }

  void Step() {
    if (++env_->steps > kMaxSteps)
      Errorf("exceeded maximum evaluation steps (" + std::to_string(kMaxSteps) + ")");
  }

  void Write(std::string_view s) {
    if (env_->out.size() + s.size() > kMaxOutput) {
      Errorf("exceeded maximum output size (" + std::to_string(kMaxOutput) + " bytes)");
    }
    env_->out += s;
  }

  void SetVar(const std::string& name, const Value& v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) {
        vars_[i].second = v;
        return;
      }
    }
    Errorf("undefined variable: " + name);
  }
  Value VarValue(const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) return vars_[i].second;
    }
    Errorf("undefined variable: " + name);
  }

  void CheckStack() {
    const char* here = static_cast<const char*>(__builtin_frame_address(0));
    if (env_->stack_base - here > kStackBudget) Errorf("exceeded maximum template depth (100000)");
  }

  void Walk(const Value& dot, const Node* node) {
    Step();
    At(node);
    CheckStack();
    switch (node->type) {
      case NodeType::kAction: {
        Value val = EvalPipeline(dot, node->pipe);
        if (node->pipe->decl.empty()) PrintValue(node, val);
        return;
      }
      case NodeType::kBreak: throw BreakSignal{};
      case NodeType::kContinue: throw ContinueSignal{};
      case NodeType::kComment: return;
      case NodeType::kIf:
      case NodeType::kWith: WalkIfOrWith(node->type, dot, node->pipe, node->list, node->else_list); return;
      case NodeType::kList:
        for (const Node* n : node->nodes) Walk(dot, n);
        return;
      case NodeType::kRange: WalkRange(dot, node); return;
      case NodeType::kTemplate: WalkTemplate(dot, node); return;
      case NodeType::kText: Write(node->text); return;
      default: Errorf("unknown node: " + NodeString(node));
    }
  }

  [[gnu::noinline]] void WalkIfOrWith(NodeType type, const Value& dot, const Node* pipe, const Node* list,
                                      const Node* else_list) {
    size_t mark = vars_.size();
    Value val = EvalPipeline(dot, pipe);
    bool truth = Truth(val);
    if (truth) {
      if (type == NodeType::kWith) {
        Walk(Unbox(val), list);
      } else {
        Walk(dot, list);
      }
    } else if (else_list != nullptr) {
      Walk(dot, else_list);
    }
    vars_.resize(mark);
  }

  [[gnu::noinline]] void WalkRange(const Value& dot, const Node* r) {
    At(r);
    size_t outer_mark = vars_.size();
    Value val = Unbox(EvalPipeline(dot, r->pipe));
    size_t mark = vars_.size();
    const auto& decl = r->pipe->decl;
    bool broke = false;
    auto one = [&](const Value& index, const Value& elem) {
      if (!decl.empty()) {
        if (r->pipe->is_assign) {
          SetVar(decl[0]->ident[0], decl.size() > 1 ? index : elem);
        } else {
          vars_[vars_.size() - 1].second = elem;
        }
      }
      if (decl.size() > 1) {
        if (r->pipe->is_assign) {
          SetVar(decl[1]->ident[0], elem);
        } else {
          vars_[vars_.size() - 2].second = index;
        }
      }
      try {
        Walk(elem, r->list);
      } catch (const ContinueSignal&) {
      } catch (const BreakSignal&) {
        broke = true;
      }
      vars_.resize(mark);
    };
    bool ran = false;
    switch (val.kind) {
      case Kind::kInt:
      case Kind::kInt64:
      case Kind::kUint8:
        if (decl.size() > 1)
          Errorf("can't use " + GoFormatV(val) + " to iterate over more than one variable");
        for (int64_t i = 0; i < val.i && !broke; i++) {
          Step();
          ran = true;
          one(Value{}, Value::Int(i, val.kind));
        }
        break;
      case Kind::kQueryResult:
        if (val.qr) {
          auto items = *val.qr;
          for (size_t i = 0; i < items.size() && !broke; i++) {
            ran = true;
            Value s;
            s.kind = Kind::kSample;
            s.sample = items[i];
            one(Value::Int(static_cast<int64_t>(i)), s);
          }
        }
        break;
      case Kind::kStringMap:
        if (val.smap) {
          auto keep = val.smap;
          for (const auto& [k, v] : *keep) {
            if (broke) break;
            ran = true;
            one(Value::String(k), Value::String(v));
          }
        }
        break;
      case Kind::kAnyMap:
        if (val.amap) {
          auto keep = val.amap;
          for (const auto& [k, v] : *keep) {
            if (broke) break;
            ran = true;
            one(Value::String(k), Boxed(v));
          }
        }
        break;
      case Kind::kString:
      case Kind::kHtml:
        // Go 1.22+ ranges over strings? No: a string is not rangeable in text/template.
        Errorf("range can't iterate over " + val.s);
      case Kind::kInvalid: break;
      case Kind::kSample:
        if (!val.sample) break;  // indirect of a nil pointer: invalid, like a nil map
        Errorf("range can't iterate over " + RangeText(val));
      default: Errorf("range can't iterate over " + RangeText(val));
    }
    if (!ran && r->else_list != nullptr) Walk(dot, r->else_list);
    vars_.resize(outer_mark);
  }

  // What printing a ranged-over value shows: a pointer to a struct as the struct.
  static std::string RangeText(const Value& v) {
    std::string s = GoFormatV(v);
    if (v.kind == Kind::kSample && v.sample) s.erase(0, 1);
    return s;
  }

  [[gnu::noinline]] void WalkTemplate(const Value& dot, const Node* t) {
    At(t);
    auto it = env_->parsed->trees.find(t->text);
    if (it == env_->parsed->trees.end()) Errorf("template " + model::GoQuote(t->text) + " not defined");
    if (depth_ >= kMaxExecDepth) Errorf("exceeded maximum template depth (100000)");
    Value newdot = EvalPipeline(dot, t->pipe);
    State ns(env_, t->text);
    ns.parse_name_ = parse_name_;
    ns.depth_ = depth_ + 1;
    ns.vars_ = {{"$", newdot}};
    ns.Walk(newdot, it->second);
  }

  // evalPipeline; `missing` marks "no value yet" (missingVal).
  Value EvalPipeline(const Value& dot, const Node* pipe) {
    if (pipe == nullptr) return Value{};
    At(pipe);
    CheckStack();
    Value value;
    bool missing = true;
    for (const Node* cmd : pipe->nodes) {
      value = EvalCommand(dot, cmd, missing ? nullptr : &value);
      missing = false;
      value = Unbox(value);
    }
    for (const Node* var : pipe->decl) {
      if (pipe->is_assign) {
        SetVar(var->ident[0], value);
      } else {
        vars_.emplace_back(var->ident[0], value);
      }
    }
    return value;
  }

  void NotAFunction(const std::vector<Node*>& args, const Value* final) {
    if (args.size() > 1 || final != nullptr)
      Errorf("can't give argument to non-function " + NodeString(args[0]));
  }

  Value EvalCommand(const Value& dot, const Node* cmd, const Value* final) {
    Step();
    const Node* first = cmd->nodes[0];
    switch (first->type) {
      case NodeType::kField: return EvalFieldNode(dot, first, &cmd->nodes, final);
      case NodeType::kChain: return EvalChainNode(dot, first, &cmd->nodes, final);
      case NodeType::kIdentifier: return EvalFunction(dot, first, cmd, &cmd->nodes, final);
      case NodeType::kPipe: NotAFunction(cmd->nodes, final); return EvalPipeline(dot, first);
      case NodeType::kVariable: return EvalVariableNode(dot, first, &cmd->nodes, final);
      default: break;
    }
    At(first);
    NotAFunction(cmd->nodes, final);
    switch (first->type) {
      case NodeType::kBool: return Value::Bool(first->bool_value);
      case NodeType::kDot: return dot;
      case NodeType::kNil: Errorf("nil is not a command");
      case NodeType::kNumber: return IdealConstant(first);
      case NodeType::kString: return Value::String(first->str);
      default: break;
    }
    Errorf("can't evaluate command " + model::GoQuote(NodeString(first)));
  }

  Value IdealConstant(const Node* c) {
    At(c);
    const std::string& t = c->text;
    bool hex_int = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') &&
                   t.find_first_of("pP") == std::string::npos;
    bool rune_int = !t.empty() && t[0] == '\'';
    if (c->is_complex) {
      Value v;
      v.kind = Kind::kComplex;
      v.f = c->real;
      v.imag = c->imag;
      return v;
    }
    if (c->is_float && !hex_int && !rune_int && t.find_first_of(".eEpP") != std::string::npos) {
      return Value::Float(c->float64);
    }
    if (c->is_int) return Value::Int(c->int64);
    if (c->is_uint) Errorf(t + " overflows int");
    return Value{};
  }

  Value EvalFieldNode(const Value& dot, const Node* field, const std::vector<Node*>* args,
                      const Value* final) {
    At(field);
    return EvalFieldChain(dot, dot, field, field->ident, args, final);
  }

  Value EvalChainNode(const Value& dot, const Node* chain, const std::vector<Node*>* args,
                      const Value* final) {
    At(chain);
    if (chain->ident.empty()) Errorf("internal error: no fields in evalChainNode");
    if (chain->chain->type == NodeType::kNil)
      Errorf("indirection through explicit nil in " + NodeString(chain));
    Value pipe = EvalArg(dot, PType::kReflect, chain->chain, /*raw=*/true);
    return EvalFieldChain(dot, pipe, chain, chain->ident, args, final);
  }

  Value EvalVariableNode(const Value& dot, const Node* var, const std::vector<Node*>* args,
                         const Value* final) {
    At(var);
    Value value = VarValue(var->ident[0]);
    if (var->ident.size() == 1) {
      if (args != nullptr) NotAFunction(*args, final);
      return value;
    }
    std::vector<std::string> rest(var->ident.begin() + 1, var->ident.end());
    return EvalFieldChain(dot, value, var, rest, args, final);
  }

  Value EvalFieldChain(const Value& dot, Value receiver, const Node* node,
                       const std::vector<std::string>& ident, const std::vector<Node*>* args,
                       const Value* final) {
    size_t n = ident.size();
    for (size_t i = 0; i + 1 < n; i++) {
      receiver = EvalField(dot, ident[i], node, nullptr, nullptr, receiver, true);
    }
    return EvalField(dot, ident[n - 1], node, args, final, receiver, false);
  }

  Value EvalFunction(const Value& dot, const Node* node, const Node* cmd, const std::vector<Node*>* args,
                     const Value* final) {
    At(node);
    const auto& funcs = Funcs();
    auto it = funcs.find(node->text);
    if (it == funcs.end()) Errorf(model::GoQuote(node->text) + " is not a defined function");
    return EvalCall(dot, it->second, cmd, node->text, args, final);
  }

  Value method_recv_;  // the receiver while a method runs

  Value EvalField(const Value& dot, const std::string& field_name, const Node* node,
                  const std::vector<Node*>* args, const Value* final, Value receiver, bool intermediate) {
    (void)dot;
    (void)intermediate;
    if (receiver.kind == Kind::kInvalid && !receiver.boxed) return Value{};
    std::string typ = receiver.boxed ? "interface {}" : TypeName(receiver);
    if (receiver.kind == Kind::kInvalid) Errorf("nil pointer evaluating " + typ + "." + field_name);
    bool is_nil = receiver.kind == Kind::kSample && !receiver.sample;
    receiver = Unbox(receiver);
    if (const FuncDef* method = FindMethod(receiver.kind, field_name)) {
      Value saved = std::move(method_recv_);
      method_recv_ = receiver;
      Value result = EvalCall(dot, *method, node, field_name, args, final);
      method_recv_ = std::move(saved);
      return result;
    }
    bool has_args = (args != nullptr && args->size() > 1) || final != nullptr;
    switch (receiver.kind) {
      case Kind::kData: {
        const DataStruct& d = *receiver.data;
        Value out;
        bool found = true;
        if (field_name == "Labels") {
          out.kind = Kind::kStringMap;
          out.smap = std::shared_ptr<const StringMap>(receiver.data, &d.labels);
        } else if (field_name == "ExternalLabels") {
          out.kind = Kind::kStringMap;
          out.smap = std::shared_ptr<const StringMap>(receiver.data, &d.external_labels);
        } else if (field_name == "ExternalURL") {
          out = Value::String(d.external_url);
        } else if (field_name == "Value") {
          out = Boxed(Value::Float(d.value));
        } else {
          found = false;
        }
        if (found) {
          if (has_args) Errorf(field_name + " has arguments but cannot be invoked as function");
          return out;
        }
        break;
      }
      case Kind::kSample: {
        if (field_name != "Labels" && field_name != "Value") break;
        if (field_name == "labels" || field_name == "value") break;
        if (is_nil) Errorf("nil pointer evaluating " + typ + "." + field_name);
        if (has_args) Errorf(field_name + " has arguments but cannot be invoked as function");
        if (field_name == "Labels") {
          Value out;
          out.kind = Kind::kStringMap;
          out.smap = std::shared_ptr<const StringMap>(receiver.sample, &receiver.sample->labels);
          return out;
        }
        return Boxed(Value::Float(receiver.sample->value));
      }
      case Kind::kStringMap: {
        if (has_args) Errorf(field_name + " is not a method but has arguments");
        if (receiver.smap) {
          auto it = receiver.smap->find(field_name);
          if (it != receiver.smap->end()) return Value::String(it->second);
        }
        return Value::String("");
      }
      case Kind::kAnyMap: {
        if (has_args) Errorf(field_name + " is not a method but has arguments");
        if (receiver.amap) {
          auto it = receiver.amap->find(field_name);
          if (it != receiver.amap->end()) return Boxed(it->second);
        }
        return Boxed(Value{});
      }
      default: break;
    }
    Errorf("can't evaluate field " + field_name + " in type " + typ);
  }

  Value EvalCall(const Value& dot, const FuncDef& fn, const Node* node, const std::string& name,
                 const std::vector<Node*>* all_args, const Value* final) {
    std::vector<Node*> args;
    if (all_args != nullptr && !all_args->empty()) args.assign(all_args->begin() + 1, all_args->end());
    const int num_in_decl = static_cast<int>(fn.in.size());
    int num_in = static_cast<int>(args.size()) + (final != nullptr ? 1 : 0);
    int num_fixed = static_cast<int>(args.size());
    if (fn.variadic) {
      num_fixed = num_in_decl - 1;
      if (num_in < num_fixed) {
        Errorf("wrong number of args for " + name + ": want at least " + std::to_string(num_in_decl - 1) +
               " got " + std::to_string(args.size()));
      }
    } else if (num_in != num_in_decl) {
      Errorf("wrong number of args for " + name + ": want " + std::to_string(num_in_decl) + " got " +
             std::to_string(num_in));
    }
    if (fn.builtin && (name == "and" || name == "or")) {
      Value v;
      for (const Node* arg : args) {
        v = Unbox(EvalArg(dot, PType::kReflect, arg));
        if (Truth(v) == (name == "or")) return v;
      }
      if (final != nullptr) v = Unbox(*final);
      return v;
    }
    std::vector<Value> argv;
    argv.reserve(static_cast<size_t>(num_in));
    int i = 0;
    for (; i < num_fixed && i < static_cast<int>(args.size()); i++) {
      argv.push_back(EvalArg(dot, fn.in[static_cast<size_t>(i)], args[static_cast<size_t>(i)]));
    }
    if (fn.variadic) {
      PType elem = fn.in.back();
      for (; i < static_cast<int>(args.size()); i++)
        argv.push_back(EvalArg(dot, elem, args[static_cast<size_t>(i)]));
    }
    if (final != nullptr) {
      PType t = fn.in.back();
      if (fn.variadic && num_in - 1 < num_fixed) t = fn.in[static_cast<size_t>(num_in - 1)];
      argv.push_back(ValidateType(*final, t));
    }
    if (fn.builtin && name == "call") {
      // reflect.Value.String() of the final value: the string itself, else "<T Value>".
      std::string callee;
      if (!args.empty()) {
        callee = NodeString(args[0]);
      } else if (final != nullptr) {
        Value f = Unbox(*final);
        callee = f.kind == Kind::kString    ? f.s
                 : f.kind == Kind::kInvalid ? "<invalid Value>"
                                            : "<" + TypeName(f) + " Value>";
      }
      argv.insert(argv.begin(), Value::String(callee));
    }
    Value result;
    try {
      result = fn.impl(*this, argv);
    } catch (const CallError& e) {
      At(node);
      Errorf("error calling " + name + ": " + e.message);
    }
    if (result.s.size() > kMaxValueSize) {
      At(node);
      Errorf("exceeded maximum value size (" + std::to_string(kMaxValueSize) + " bytes)");
    }
    return result;
  }

  Value ZeroOf(PType t) {
    switch (t) {
      case PType::kQueryResult: return NilOf(Kind::kQueryResult);
      case PType::kSample: return NilOf(Kind::kSample);
      default: return Value{};
    }
  }

  Value ValidateType(const Value& value, PType t) {
    if (value.kind == Kind::kInvalid) {
      if (value.boxed) {
        // A nil interface{} (a missing map[string]any entry): only an interface takes it.
        if (t == PType::kAny || t == PType::kReflect) return Value{};
        Errorf("wrong type for value; expected " + PTypeName(t) + "; got interface {}");
      }
      if (t == PType::kString || t == PType::kDuration) Errorf("invalid value; expected " + PTypeName(t));
      return ZeroOf(t);
    }
    if (t == PType::kReflect) return value;  // a reflect.Value keeps an interface as it is
    Value v = Unbox(value);
    switch (t) {
      case PType::kAny:
      case PType::kReflect: return v;
      case PType::kString:
        if (v.kind == Kind::kString) return v;
        break;
      case PType::kQueryResult:
        if (v.kind == Kind::kQueryResult) return v;
        break;
      case PType::kSample:
        if (v.kind == Kind::kSample) return v;
        break;
      case PType::kDuration:
        if (v.kind == Kind::kDuration) return v;  // *time.Duration, dereferenced
        break;
    }
    Errorf("wrong type for value; expected " + PTypeName(t) + "; got " + TypeName(v));
  }

  Value EvalArg(const Value& dot, PType t, const Node* n, bool raw = false) {
    At(n);
    auto check = [&](const Value& v) { return raw ? v : ValidateType(v, t); };
    switch (n->type) {
      case NodeType::kDot: return check(dot);
      case NodeType::kNil:
        if (t == PType::kString || t == PType::kDuration) Errorf("cannot assign nil to " + PTypeName(t));
        return ZeroOf(t);
      case NodeType::kField: {
        std::vector<Node*> self{const_cast<Node*>(n)};
        return check(EvalFieldNode(dot, n, &self, nullptr));
      }
      case NodeType::kVariable: return check(EvalVariableNode(dot, n, nullptr, nullptr));
      case NodeType::kPipe: return check(EvalPipeline(dot, n));
      case NodeType::kIdentifier: return check(EvalFunction(dot, n, n, nullptr, nullptr));
      case NodeType::kChain: return check(EvalChainNode(dot, n, nullptr, nullptr));
      default: break;
    }
    switch (t) {
      case PType::kString:
        if (n->type == NodeType::kString) return Value::String(n->str);
        Errorf("expected string; found " + NodeString(n));
      case PType::kDuration:
        if (n->type == NodeType::kNumber && n->is_int) return Value::Int(n->int64, Kind::kDuration);
        Errorf("expected integer; found " + NodeString(n));
      case PType::kAny:
      case PType::kReflect:
        switch (n->type) {
          case NodeType::kBool: return Value::Bool(n->bool_value);
          case NodeType::kNumber: return IdealConstant(n);
          case NodeType::kString: return Value::String(n->str);
          default: break;
        }
        Errorf("can't handle assignment of " + NodeString(n) + " to empty interface argument");
      default: Errorf("can't handle " + NodeString(n) + " for arg of type " + PTypeName(t));
    }
  }

  [[gnu::noinline]] void PrintValue(const Node* n, const Value& v) {
    At(n);
    Value p = Unbox(v);
    if (p.kind == Kind::kInvalid) {
      Write("<no value>");
      return;
    }
    if (p.kind == Kind::kSample) {
      if (!p.sample) {
        Write("<nil>");
        return;
      }
      // printableValue dereferences the pointer: the struct prints without '&'.
      std::string s = GoSprint({p});
      Write(std::string_view(s).substr(1));
      return;
    }
    Write(GoSprint({p}));
  }
};

// ---- builtins ----

[[noreturn]] void Fail(std::string msg) {
  throw CallError{std::move(msg)};
}

Value Indirect(const Value& v) {
  return Unbox(v);
}

enum class BasicKind { kInvalid, kBool, kComplex, kInt, kFloat, kString, kUint };

BasicKind BasicKindOf(const Value& v) {
  switch (v.kind) {
    case Kind::kBool: return BasicKind::kBool;
    case Kind::kInt:
    case Kind::kInt64: return BasicKind::kInt;
    case Kind::kUint8: return BasicKind::kUint;
    case Kind::kFloat: return BasicKind::kFloat;
    case Kind::kComplex: return BasicKind::kComplex;
    case Kind::kString:
    case Kind::kHtml: return BasicKind::kString;
    default: return BasicKind::kInvalid;
  }
}

bool IsNilValue(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid: return true;
    case Kind::kStringMap: return !v.smap;
    case Kind::kAnyMap: return !v.amap;
    case Kind::kQueryResult: return !v.qr;
    case Kind::kSample: return !v.sample;
    default: return false;
  }
}

bool Comparable(const Value& v) {
  switch (v.kind) {
    case Kind::kStringMap:
    case Kind::kAnyMap:
    case Kind::kQueryResult:
    case Kind::kData: return false;
    default: return true;
  }
}

// Reflect kinds, for canCompare: maps of both sorts are Map, and so on.
int ReflectKind(const Value& v) {
  switch (v.kind) {
    case Kind::kStringMap:
    case Kind::kAnyMap: return 100;
    case Kind::kSample:
    case Kind::kTime:
    case Kind::kDuration: return 101;
    default: return static_cast<int>(v.kind);
  }
}

std::string FormatS(const Value& v) {
  return GoSprintf("%s", {v});
}

bool Eq(const Value& a1, const std::vector<Value>& rest) {
  Value arg1 = Indirect(a1);
  if (rest.empty()) Fail("missing argument for comparison");
  BasicKind k1 = BasicKindOf(arg1);
  for (const Value& a : rest) {
    Value arg = Indirect(a);
    BasicKind k2 = BasicKindOf(arg);
    bool truth = false;
    if (k1 != k2) {
      if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) {
        truth = arg1.i >= 0 && arg1.i == arg.i;
      } else if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) {
        truth = arg.i >= 0 && arg1.i == arg.i;
      } else if (arg1.kind != Kind::kInvalid && arg.kind != Kind::kInvalid) {
        Fail("incompatible types for comparison: " + TypeName(arg1) + " and " + TypeName(arg));
      }
    } else {
      switch (k1) {
        case BasicKind::kBool: truth = arg1.b == arg.b; break;
        case BasicKind::kComplex: truth = arg1.f == arg.f && arg1.imag == arg.imag; break;
        case BasicKind::kFloat: truth = arg1.f == arg.f; break;
        case BasicKind::kInt:
        case BasicKind::kUint: truth = arg1.i == arg.i; break;
        case BasicKind::kString: truth = arg1.s == arg.s; break;
        case BasicKind::kInvalid: {
          int r1 = ReflectKind(arg1), r2 = ReflectKind(arg);
          bool can = r1 == r2 || arg1.kind == Kind::kInvalid || arg.kind == Kind::kInvalid;
          if (!can) {
            Fail("non-comparable types " + FormatS(arg1) + ": " + TypeName(arg1) + ", " + TypeName(arg) +
                 ": " + GoFormatV(arg));
          }
          if (IsNilValue(arg1) || IsNilValue(arg)) {
            truth = IsNilValue(arg) == IsNilValue(arg1);
          } else {
            if (!Comparable(arg)) Fail("non-comparable type " + FormatS(arg) + ": " + TypeName(arg));
            if (arg1.kind != arg.kind) {
              truth = false;
            } else if (arg1.kind == Kind::kSample) {
              truth = arg1.sample == arg.sample;
            } else {
              truth = arg1.i == arg.i && arg1.kind == arg.kind && false;
            }
          }
          break;
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

bool Lt(const Value& a1, const Value& a2) {
  Value arg1 = Indirect(a1);
  BasicKind k1 = BasicKindOf(arg1);
  if (k1 == BasicKind::kInvalid) Fail("invalid type for comparison");
  Value arg2 = Indirect(a2);
  BasicKind k2 = BasicKindOf(arg2);
  if (k2 == BasicKind::kInvalid) Fail("invalid type for comparison");
  if (k1 != k2) {
    if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) return arg1.i < 0 || arg1.i < arg2.i;
    if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) return arg2.i >= 0 && arg1.i < arg2.i;
    Fail("incompatible types for comparison: " + TypeName(arg1) + " and " + TypeName(arg2));
  }
  switch (k1) {
    case BasicKind::kBool:
    case BasicKind::kComplex: Fail("invalid type for comparison");
    case BasicKind::kFloat: return arg1.f < arg2.f;
    case BasicKind::kInt:
    case BasicKind::kUint: return arg1.i < arg2.i;
    case BasicKind::kString: return arg1.s < arg2.s;
    default: Fail("invalid type for comparison");
  }
}

Value FnEq(State&, std::vector<Value>& a) {
  std::vector<Value> rest(a.begin() + 1, a.end());
  return Value::Bool(Eq(a[0], rest));
}
Value FnNe(State&, std::vector<Value>& a) {
  return Value::Bool(!Eq(a[0], {a[1]}));
}
Value FnLt(State&, std::vector<Value>& a) {
  return Value::Bool(Lt(a[0], a[1]));
}
Value FnLe(State&, std::vector<Value>& a) {
  if (Lt(a[0], a[1])) return Value::Bool(true);
  return Value::Bool(Eq(a[0], {a[1]}));
}
Value FnGt(State&, std::vector<Value>& a) {
  bool le = Lt(a[0], a[1]) || Eq(a[0], {a[1]});
  return Value::Bool(!le);
}
Value FnGe(State&, std::vector<Value>& a) {
  return Value::Bool(!Lt(a[0], a[1]));
}
Value FnNot(State&, std::vector<Value>& a) {
  return Value::Bool(!Truth(Unbox(a[0])));
}
Value FnUnreachable(State&, std::vector<Value>&) {
  Fail("unreachable");
}

Value FnLen(State&, std::vector<Value>& a) {
  Value item = Unbox(a[0]);
  switch (item.kind) {
    case Kind::kInvalid: Fail("reflect: call of reflect.Value.Type on zero Value");
    case Kind::kSample:
      if (!item.sample) Fail("len of nil pointer");
      Fail("len of type template.sample");
    case Kind::kString:
    case Kind::kHtml: return Value::Int(static_cast<int64_t>(item.s.size()));
    case Kind::kStringMap: return Value::Int(item.smap ? static_cast<int64_t>(item.smap->size()) : 0);
    case Kind::kAnyMap: return Value::Int(item.amap ? static_cast<int64_t>(item.amap->size()) : 0);
    case Kind::kQueryResult: return Value::Int(item.qr ? static_cast<int64_t>(item.qr->size()) : 0);
    case Kind::kTime: Fail("len of type time.Time");
    case Kind::kDuration: Fail("len of type time.Duration");
    default: Fail("len of type " + TypeName(item));
  }
}

int64_t IndexArg(const Value& index, int64_t cap) {
  if (index.boxed) Fail("cannot index slice/array with type interface {}");
  int64_t x;
  switch (index.kind) {
    case Kind::kInt:
    case Kind::kInt64:
    case Kind::kUint8: x = index.i; break;
    case Kind::kInvalid: Fail("cannot index slice/array with nil");
    default: Fail("cannot index slice/array with type " + TypeName(index));
  }
  if (x < 0 || x > cap) Fail("index out of range: " + std::to_string(x));
  return x;
}

Value FnIndex(State&, std::vector<Value>& a) {
  Value item = Unbox(a[0]);
  if (item.kind == Kind::kInvalid) Fail("index of untyped nil");
  for (size_t j = 1; j < a.size(); j++) {
    Value index = Unbox(a[j]);
    if (item.kind == Kind::kSample && !item.sample) Fail("index of nil pointer");
    if (item.kind == Kind::kInvalid) Fail("index of nil pointer");
    switch (item.kind) {
      case Kind::kString:
      case Kind::kHtml: {
        int64_t n = static_cast<int64_t>(item.s.size());
        int64_t x = IndexArg(index, n);
        if (x == n) Fail("reflect: string index out of range");
        item = Value::Int(static_cast<unsigned char>(item.s[static_cast<size_t>(x)]), Kind::kUint8);
        break;
      }
      case Kind::kQueryResult: {
        int64_t n = item.qr ? static_cast<int64_t>(item.qr->size()) : 0;
        int64_t x = IndexArg(index, n);
        if (x == n) Fail("reflect: slice index out of range");
        Value s;
        s.kind = Kind::kSample;
        s.sample = (*item.qr)[static_cast<size_t>(x)];
        item = s;
        break;
      }
      case Kind::kStringMap:
      case Kind::kAnyMap: {
        if (index.kind == Kind::kInvalid) Fail("value is nil; should be of type string");
        if (index.kind != Kind::kString) Fail("value has type " + TypeName(index) + "; should be string");
        if (item.kind == Kind::kStringMap) {
          std::string v;
          if (item.smap) {
            auto it = item.smap->find(index.s);
            if (it != item.smap->end()) v = it->second;
          }
          item = Value::String(v);
        } else {
          Value v;
          if (item.amap) {
            auto it = item.amap->find(index.s);
            if (it != item.amap->end()) v = it->second;
          }
          item = Boxed(v);
        }
        break;
      }
      case Kind::kSample: Fail("can't index item of type template.sample");
      case Kind::kTime: Fail("can't index item of type time.Time");
      case Kind::kDuration: Fail("can't index item of type time.Duration");
      default: Fail("can't index item of type " + TypeName(item));
    }
  }
  return item;
}

Value FnSlice(State&, std::vector<Value>& a) {
  Value item = Unbox(a[0]);
  if (item.kind == Kind::kInvalid) Fail("slice of untyped nil");
  if (item.kind == Kind::kSample && !item.sample) Fail("slice of nil pointer");
  size_t nidx = a.size() - 1;
  if (nidx > 3) Fail("too many slice indexes: " + std::to_string(nidx));
  int64_t cap;
  int64_t len;
  switch (item.kind) {
    case Kind::kString:
    case Kind::kHtml:
      if (nidx == 3) Fail("cannot 3-index slice a string");
      cap = len = static_cast<int64_t>(item.s.size());
      break;
    case Kind::kQueryResult: cap = len = item.qr ? static_cast<int64_t>(item.qr->size()) : 0; break;
    case Kind::kSample: Fail("can't slice item of type template.sample");
    case Kind::kTime: Fail("can't slice item of type time.Time");
    case Kind::kDuration: Fail("can't slice item of type time.Duration");
    default: Fail("can't slice item of type " + TypeName(item));
  }
  int64_t idx[3] = {0, len, 0};
  for (size_t j = 0; j < nidx; j++) idx[j] = IndexArg(a[j + 1], cap);  // not indirected, as in Go
  if (idx[0] > idx[1])
    Fail("invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  if (nidx == 3 && idx[1] > idx[2]) {
    Fail("invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  }
  if (item.kind == Kind::kQueryResult) {
    Value out;
    out.kind = Kind::kQueryResult;
    if (item.qr) {
      out.qr = std::make_shared<std::vector<std::shared_ptr<const Sample>>>(item.qr->begin() + idx[0],
                                                                            item.qr->begin() + idx[1]);
    }
    return out;
  }
  return Value::String(item.s.substr(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1] - idx[0])),
                       item.kind);
}

std::vector<Value> Unboxed(const std::vector<Value>& a, size_t from = 0) {
  std::vector<Value> out;
  for (size_t i = from; i < a.size(); i++) out.push_back(Unbox(a[i]));
  return out;
}

Value FnPrint(State&, std::vector<Value>& a) {
  return Value::String(GoSprint(Unboxed(a)));
}
Value FnPrintln(State&, std::vector<Value>& a) {
  return Value::String(GoSprintln(Unboxed(a)));
}
Value FnPrintf(State&, std::vector<Value>& a) {
  return Value::String(GoSprintf(a[0].s, Unboxed(a, 1)));
}

// evalArgs of html, js and urlquery.
std::string EvalArgsString(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].kind == Kind::kString) return args[0].s;
  std::vector<Value> vals;
  for (const Value& v0 : args) {
    Value v = Unbox(v0);
    if (v.kind == Kind::kInvalid) {
      vals.push_back(Value::String("<no value>"));
    } else if (v.kind == Kind::kSample && v.sample) {
      // printableValue dereferences: the struct prints as {map[...] value}.
      std::string s = GoSprint({v}).substr(1);
      Value marker = Value::String(s);
      marker.kind = Kind::kHtml;  // printed as is
      marker.boxed = true;        // but not a string for Sprint's spacing
      vals.push_back(marker);
    } else {
      vals.push_back(v);
    }
  }
  // Sprint's spacing: a space between operands when neither is a string.
  std::string out;
  bool prev_string = false;
  for (size_t i = 0; i < vals.size(); i++) {
    bool is_string = (vals[i].kind == Kind::kString || vals[i].kind == Kind::kHtml) && !vals[i].boxed;
    if (i > 0 && !is_string && !prev_string) out += ' ';
    if (vals[i].boxed) {
      out += vals[i].s;
    } else {
      out += GoSprint({vals[i]});
    }
    prev_string = is_string;
  }
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\0': out += "\xEF\xBF\xBD"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

bool IsPrintRune(char32_t r) {
  std::string enc;
  model::AppendRune(&enc, r);
  return model::GoQuote(enc) == "\"" + enc + "\"";
}

std::string JsEscape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool special = c == '\\' || c == '\'' || c == '"' || c == '<' || c == '>' || c == '&' || c == '=' ||
                   c < ' ' || c >= 0x80;
    if (!special) {
      out += static_cast<char>(c);
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '\'': out += "\\'"; break;
        case '"': out += "\\\""; break;
        case '<': out += "\\u003C"; break;
        case '>': out += "\\u003E"; break;
        case '&': out += "\\u0026"; break;
        case '=': out += "\\u003D"; break;
        default:
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
      }
    } else {
      char32_t r;
      int size = model::DecodeRune(s.substr(i), &r);
      if (IsPrintRune(r) && !(size == 1 && r == model::kRuneError)) {
        out += s.substr(i, static_cast<size_t>(size));
      } else {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
        out += buf;
      }
      i += static_cast<size_t>(size) - 1;
    }
  }
  return out;
}

std::string QueryEscape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

Value FnHtml(State&, std::vector<Value>& a) {
  return Value::String(HtmlEscape(EvalArgsString(a)));
}
Value FnJs(State&, std::vector<Value>& a) {
  return Value::String(JsEscape(EvalArgsString(a)));
}
Value FnUrlquery(State&, std::vector<Value>& a) {
  return Value::String(QueryEscape(EvalArgsString(a)));
}
Value FnCall(State&, std::vector<Value>& a) {
  const std::string& name = a[0].s;
  Value fn = Unbox(a[1]);
  if (fn.kind == Kind::kInvalid) Fail("call of nil");
  Fail("non-function " + name + " of type " + TypeName(fn));
}

// ---- Prometheus' functions ----

Value SampleValue(std::shared_ptr<const Sample> s) {
  Value v;
  v.kind = Kind::kSample;
  v.sample = std::move(s);
  return v;
}

Value FnQuery(State& st, std::vector<Value>& a) {
  const ExpandOptions& o = *st.env_->options;
  if (!o.query) Fail(kNilDeref);
  auto r = o.query(a[0].s);
  if (!r.ok()) Fail(r.error().message());
  Value out;
  out.kind = Kind::kQueryResult;
  out.qr = std::make_shared<std::vector<std::shared_ptr<const Sample>>>();
  for (const QuerySample& q : *r) {
    auto s = std::make_shared<Sample>();
    for (const auto& l : q.labels) s->labels.emplace(std::string(l.name), std::string(l.value));
    s->value = q.value;
    out.qr->push_back(std::move(s));
  }
  return out;
}

Value FnFirst(State&, std::vector<Value>& a) {
  if (a[0].qr && !a[0].qr->empty()) return SampleValue((*a[0].qr)[0]);
  Fail("first() called on vector with no elements");
}

Value FnLabel(State&, std::vector<Value>& a) {
  if (!a[1].sample) Fail(kNilDeref);
  auto it = a[1].sample->labels.find(a[0].s);
  return Value::String(it == a[1].sample->labels.end() ? "" : it->second);
}

Value FnValue(State&, std::vector<Value>& a) {
  if (!a[0].sample) Fail(kNilDeref);
  return Boxed(Value::Float(a[0].sample->value));
}

Value FnStrvalue(State&, std::vector<Value>& a) {
  if (!a[0].sample) Fail(kNilDeref);
  auto it = a[0].sample->labels.find("__value__");
  return Value::String(it == a[0].sample->labels.end() ? "" : it->second);
}

Value FnArgs(State&, std::vector<Value>& a) {
  auto m = std::make_shared<AnyMap>();
  for (size_t i = 0; i < a.size(); i++) (*m)["arg" + std::to_string(i)] = Unbox(a[i]);
  Value v;
  v.kind = Kind::kAnyMap;
  v.amap = std::move(m);
  return v;
}

// regexp.quote: backquoted when possible.
std::string RegexpQuote(const std::string& s) {
  bool can = true;
  for (size_t i = 0; i < s.size();) {
    char32_t r;
    int w = model::DecodeRune(std::string_view(s).substr(i), &r);
    if ((w == 1 && r == model::kRuneError) || r == '`' || r == 0xFEFF || (r < ' ' && r != '\t') ||
        r == 0x7F) {
      can = false;
      break;
    }
    i += static_cast<size_t>(w);
  }
  return can ? "`" + s + "`" : model::GoQuote(s);
}

std::unique_ptr<re2::RE2> CompileRegexp(const std::string& pattern, std::string* err) {
  if (Status valid = model::ValidateRegex(pattern); !valid.ok()) {
    *err = valid.error().message();
    return nullptr;
  }
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(model::Re2Pattern(pattern), opts);
  if (!re->ok()) {
    *err = "error parsing regexp: " + re->error();
    return nullptr;
  }
  return re;
}

bool IsWordRune(char32_t r) {
  return r == '_' || model::IsUnicodeLetter(r) || relabel::IsUnicodeDigit(r);
}

// regexp.expand of `tmpl` for one match.
void ExpandTemplate(const re2::RE2& re, std::string_view tmpl, const std::vector<re2::StringPiece>& groups,
                    std::string* out) {
  const auto& names = re.NamedCapturingGroups();
  while (!tmpl.empty()) {
    size_t i = tmpl.find('$');
    if (i == std::string_view::npos) break;
    *out += tmpl.substr(0, i);
    tmpl.remove_prefix(i);
    if (tmpl.size() > 1 && tmpl[1] == '$') {
      *out += '$';
      tmpl.remove_prefix(2);
      continue;
    }
    // extract
    std::string_view rest = tmpl.substr(1);
    bool brace = false;
    if (!rest.empty() && rest[0] == '{') {
      brace = true;
      rest.remove_prefix(1);
    }
    size_t e = 0;
    while (e < rest.size()) {
      char32_t r;
      int w = model::DecodeRune(rest.substr(e), &r);
      if (!IsWordRune(r)) break;
      e += static_cast<size_t>(w);
    }
    bool ok = e > 0;
    std::string_view name = rest.substr(0, e);
    std::string_view after = rest.substr(e);
    if (ok && brace) {
      if (after.empty() || after[0] != '}') {
        ok = false;
      } else {
        after.remove_prefix(1);
      }
    }
    if (!ok) {
      *out += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    tmpl = after;
    // A number?
    int num = 0;
    bool is_num = true;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        is_num = false;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (is_num) {
      if (static_cast<size_t>(num) < groups.size() && groups[static_cast<size_t>(num)].data() != nullptr) {
        *out += std::string_view(groups[static_cast<size_t>(num)].data(),
                                 groups[static_cast<size_t>(num)].size());
      }
    } else {
      auto it = names.find(std::string(name));
      if (it != names.end() && static_cast<size_t>(it->second) < groups.size() &&
          groups[static_cast<size_t>(it->second)].data() != nullptr) {
        const auto& g = groups[static_cast<size_t>(it->second)];
        *out += std::string_view(g.data(), g.size());
      }
    }
  }
  *out += tmpl;
}

Value FnReReplaceAll(State&, std::vector<Value>& a) {
  const std::string& pattern = a[0].s;
  std::string err;
  auto re = CompileRegexp(pattern, &err);
  if (!re) Fail("regexp: Compile(" + RegexpQuote(pattern) + "): " + err);
  const std::string& src = a[2].s;
  const std::string& repl = a[1].s;
  int ngroups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups));
  std::string out;
  size_t last_end = 0, search = 0;
  re2::StringPiece text(src);
  while (search <= src.size()) {
    if (!re->Match(text, search, src.size(), re2::RE2::UNANCHORED, groups.data(), ngroups)) break;
    size_t m0 = static_cast<size_t>(groups[0].data() - src.data());
    size_t m1 = m0 + groups[0].size();
    out.append(src, last_end, m0 - last_end);
    if (m1 > last_end || m0 == 0) ExpandTemplate(*re, repl, groups, &out);
    last_end = m1;
    size_t width = 0;
    if (search < src.size()) {
      char32_t r;
      width = static_cast<size_t>(model::DecodeRune(std::string_view(src).substr(search), &r));
    }
    if (search + width > m1) {
      search += width;
    } else if (search + 1 > m1) {
      search++;
    } else {
      search = m1;
    }
    if (out.size() > kMaxValueSize)
      Fail("exceeded maximum value size (" + std::to_string(kMaxValueSize) + " bytes)");
  }
  out.append(src, last_end, std::string::npos);
  return Value::String(out);
}

Value FnSafeHtml(State&, std::vector<Value>& a) {
  return Value::String(a[0].s, Kind::kHtml);
}

Value FnMatch(State&, std::vector<Value>& a) {
  std::string err;
  auto re = CompileRegexp(a[0].s, &err);
  if (!re) Fail(err);
  return Value::Bool(re2::RE2::PartialMatch(a[1].s, *re));
}

// The title case of a rune: Unicode's title case mappings where they differ from upper case
// (digraphs, ligatures, ß), else unicode.ToUpper.
std::string TitleCase(char32_t r, std::string_view ch) {
  switch (r) {
    case 0x01C4:
    case 0x01C5:
    case 0x01C6: return "\u01C5";
    case 0x01C7:
    case 0x01C8:
    case 0x01C9: return "\u01C8";
    case 0x01CA:
    case 0x01CB:
    case 0x01CC: return "\u01CB";
    case 0x01F1:
    case 0x01F2:
    case 0x01F3: return "\u01F2";
    case 0x00DF: return "Ss";
    case 0xFB00: return "Ff";
    case 0xFB01: return "Fi";
    case 0xFB02: return "Fl";
    case 0xFB03: return "Ffi";
    case 0xFB04: return "Ffl";
    case 0xFB05:
    case 0xFB06: return "St";
    default: return relabel::GoToUpper(ch);
  }
}

// cases.Title(language.AmericanEnglish, cases.NoLower): in each word the first letter is made
// title (upper) case, the rest left as they are. Letters, digits and '_' make up words, and an
// apostrophe, '.' or ':' between letters does not end one.
Value FnTitle(State&, std::vector<Value>& a) {
  const std::string& s = a[0].s;
  std::string out;
  bool in_word = false;
  bool need_upper = true;
  for (size_t i = 0; i < s.size();) {
    char32_t r;
    int w = model::DecodeRune(std::string_view(s).substr(i), &r);
    std::string_view ch = std::string_view(s).substr(i, static_cast<size_t>(w));
    bool letter = model::IsUnicodeLetter(r);
    bool word_char = letter || relabel::IsUnicodeDigit(r) || r == '_';
    if (!in_word) need_upper = true;
    if (letter && need_upper) {
      out += TitleCase(r, ch);
      need_upper = false;
    } else {
      out += ch;
    }
    if (word_char) {
      in_word = true;
    } else if ((r == '\'' || r == 0x2019 || r == '.' || r == ':') && in_word &&
               i + static_cast<size_t>(w) < s.size()) {
      char32_t next;
      model::DecodeRune(std::string_view(s).substr(i + static_cast<size_t>(w)), &next);
      in_word = model::IsUnicodeLetter(next) || (r == '.' && relabel::IsUnicodeDigit(next));
    } else {
      in_word = false;
    }
    i += static_cast<size_t>(w);
  }
  return Value::String(out);
}

Value FnToUpper(State&, std::vector<Value>& a) {
  return Value::String(relabel::GoToUpper(a[0].s));
}
Value FnToLower(State&, std::vector<Value>& a) {
  return Value::String(relabel::GoToLower(a[0].s));
}
Value FnGraphLink(State&, std::vector<Value>& a) {
  return Value::String(GraphLinkForExpression(a[0].s));
}
Value FnTableLink(State&, std::vector<Value>& a) {
  return Value::String(TableLinkForExpression(a[0].s));
}

Value FnSortByLabel(State&, std::vector<Value>& a) {
  Value v = a[1];
  const std::string& label = a[0].s;
  if (v.qr) {
    auto get = [&](const std::shared_ptr<const Sample>& s) -> std::string_view {
      if (!s) throw CallError{kNilDeref};
      auto it = s->labels.find(label);
      return it == s->labels.end() ? std::string_view() : std::string_view(it->second);
    };
    std::stable_sort(v.qr->begin(), v.qr->end(),
                     [&](const auto& x, const auto& y) { return get(x) < get(y); });
  }
  return v;
}

struct HostPort {
  std::string host, port;
  bool ok = false;
};

HostPort SplitHostPort(const std::string& hp) {
  HostPort r;
  size_t i = hp.rfind(':');
  if (i == std::string::npos) return r;
  size_t j = 0, k = 0;
  if (hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == std::string::npos) return r;
    if (end + 1 == hp.size()) return r;
    if (end + 1 != i) return r;
    r.host = hp.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    r.host = hp.substr(0, i);
    if (r.host.find(':') != std::string::npos) return r;
  }
  if (hp.find('[', j) != std::string::npos) return r;
  if (hp.find(']', k) != std::string::npos) return r;
  r.port = hp.substr(i + 1);
  r.ok = true;
  return r;
}

// netip.ParseAddr.
bool ParseIpAddr(const std::string& s) {
  if (s.find(':') == std::string::npos) {
    // IPv4, strict: four decimal fields, no leading zeros.
    int fields = 0;
    size_t i = 0;
    while (true) {
      size_t start = i;
      int v = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        v = v * 10 + (s[i] - '0');
        if (v > 255) return false;
        i++;
      }
      if (i == start || (i - start > 1 && s[start] == '0')) return false;
      fields++;
      if (i == s.size()) break;
      if (s[i] != '.' || fields == 4) return false;
      i++;
    }
    return fields == 4;
  }
  std::string addr = s;
  size_t pct = addr.find('%');
  if (pct != std::string::npos) {
    if (pct + 1 == addr.size()) return false;
    addr = addr.substr(0, pct);
  }
  unsigned char buf[16];
  return inet_pton(AF_INET6, addr.c_str(), buf) == 1;
}

Value FnStripPort(State&, std::vector<Value>& a) {
  HostPort hp = SplitHostPort(a[0].s);
  return Value::String(hp.ok ? hp.host : a[0].s);
}

Value FnStripDomain(State&, std::vector<Value>& a) {
  const std::string& s = a[0].s;
  HostPort hp = SplitHostPort(s);
  std::string host = hp.ok ? hp.host : s;
  std::string port = hp.ok ? hp.port : "";
  if (ParseIpAddr(host)) return Value::String(s);
  host = host.substr(0, host.find('.'));
  if (!port.empty()) {
    if (host.find(':') != std::string::npos) return Value::String("[" + host + "]:" + port);
    return Value::String(host + ":" + port);
  }
  return Value::String(host);
}

// common_templates.ConvertToFloat.
double ConvertToFloat(const Value& v0) {
  Value v = Unbox(v0);
  switch (v.kind) {
    case Kind::kFloat: return v.f;
    case Kind::kString: {
      auto r = model::ParseFloat(v.s);
      if (!r.ok()) {
        Fail("strconv.ParseFloat: parsing " + model::GoQuote(v.s) + ": " +
             (*r.error == model::ParseNumError::kSyntax ? "invalid syntax" : "value out of range"));
      }
      return r.value;
    }
    case Kind::kInt:
    case Kind::kInt64: return static_cast<double>(v.i);
    default: Fail("can't convert " + TypeName(v) + " to float");
  }
}

std::string G4(double v) {
  return GoFormatG4(v);
}

Value FnHumanize(State&, std::vector<Value>& a) {
  double v = ConvertToFloat(a[0]);
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  if (std::fabs(v) >= 1) {
    std::string prefix;
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return Value::String(G4(v) + prefix);
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::String(G4(v) + prefix);
}

Value FnHumanize1024(State&, std::vector<Value>& a) {
  double v = ConvertToFloat(a[0]);
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  std::string prefix;
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return Value::String(G4(v) + prefix);
}

Value FnHumanizeDuration(State&, std::vector<Value>& a) {
  double v = ConvertToFloat(a[0]);
  if (std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  if (v == 0) return Value::String(G4(v) + "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    int64_t duration = model::GoFloatToInt64(v);
    int64_t seconds = duration % 60;
    int64_t minutes = (duration / 60) % 60;
    int64_t hours = (duration / 60 / 60) % 24;
    int64_t days = duration / 60 / 60 / 24;
    auto s = [](int64_t x) { return std::to_string(x); };
    if (days != 0)
      return Value::String(sign + s(days) + "d " + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s");
    if (hours != 0) return Value::String(sign + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s");
    if (minutes != 0) return Value::String(sign + s(minutes) + "m " + s(seconds) + "s");
    return Value::String(sign + G4(v) + "s");
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::String(G4(v) + prefix + "s");
}

Value FnHumanizePercentage(State&, std::vector<Value>& a) {
  double v = ConvertToFloat(a[0]);
  return Value::String(G4(v * 100) + "%");
}

// floatToTime: nanoseconds since the epoch, truncated to milliseconds as model.Time does.
int64_t FloatToTimeNs(double v, bool* nan_or_inf) {
  *nan_or_inf = false;
  if (std::isnan(v) || std::isinf(v)) {
    *nan_or_inf = true;
    return 0;
  }
  double ts = v * 1e9;
  if (ts > 9223372036854775807.0 || ts < -9223372036854775808.0) {
    Fail(GoFormatV(Value::Float(v)) +
         " cannot be represented as a nanoseconds timestamp since it overflows int64");
  }
  int64_t ns = model::GoFloatToInt64(ts);
  int64_t ms = ns / 1000000;
  return ms * 1000000;
}

Value FnHumanizeTimestamp(State&, std::vector<Value>& a) {
  double v = ConvertToFloat(a[0]);
  bool bad;
  int64_t ns = FloatToTimeNs(v, &bad);
  if (bad) return Value::String(G4(v));
  return Value::String(GoTimeString(ns));
}

Value FnToTime(State&, std::vector<Value>& a) {
  double v = ConvertToFloat(a[0]);
  bool bad;
  int64_t ns = FloatToTimeNs(v, &bad);
  if (bad) Fail("value is NaN or Inf");
  return Value::Int(ns, Kind::kTime);
}

Value FnToDuration(State&, std::vector<Value>& a) {
  double v = ConvertToFloat(a[0]);
  return Value::Int(model::GoFloatToInt64(v * 1e9), Kind::kDuration);
}

Value FnNow(State& st, std::vector<Value>&) {
  return Value::Float(static_cast<double>(st.env_->options->timestamp_ms) / 1000.0);
}

Value FnPathPrefix(State& st, std::vector<Value>&) {
  return Value::String(st.env_->url_path);
}

Value FnExternalURL(State& st, std::vector<Value>&) {
  return Value::String(st.env_->options->external_url);
}

Value FnParseDuration(State&, std::vector<Value>& a) {
  std::string_view s = a[0].s;
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  auto r = model::ParseDuration(s);
  if (!r.ok()) Fail(r.error().message());
  int64_t ns = *r * 1000000;
  if (neg) ns = -ns;
  return Value::Float(static_cast<double>(ns) / 1e9);
}

Value FnUrlQueryEscape(State&, std::vector<Value>& a) {
  return Value::String(QueryEscape(a[0].s));
}

// ---- methods of *time.Time and *time.Duration ----

struct TimeParts {
  int64_t sec, nsec;
  model::CivilTime civil;
};

TimeParts PartsOf(int64_t ns) {
  int64_t sec = ns / 1000000000, rem = ns % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    sec--;
  }
  return {sec, rem, model::CivilFromUnixSeconds(sec)};
}

#define PROMREF_TIME_METHOD(fn, expr)               \
  Value fn(State& st, std::vector<Value>&) {        \
    const TimeParts p = PartsOf(st.method_recv_.i); \
    (void)p;                                        \
    return expr;                                    \
  }
PROMREF_TIME_METHOD(TimeUnix, Value::Int(p.sec, Kind::kInt64))
PROMREF_TIME_METHOD(TimeUnixMilli,
                    Value::Int(st.method_recv_.i / 1000000 - (st.method_recv_.i % 1000000 < 0 ? 1 : 0),
                               Kind::kInt64))
PROMREF_TIME_METHOD(TimeUnixMicro,
                    Value::Int(st.method_recv_.i / 1000 - (st.method_recv_.i % 1000 < 0 ? 1 : 0),
                               Kind::kInt64))
PROMREF_TIME_METHOD(TimeUnixNano, Value::Int(st.method_recv_.i, Kind::kInt64))
PROMREF_TIME_METHOD(TimeString, Value::String(GoTimeString(st.method_recv_.i)))
PROMREF_TIME_METHOD(TimeYear, Value::Int(p.civil.date.year))
PROMREF_TIME_METHOD(TimeDay, Value::Int(p.civil.date.day))
PROMREF_TIME_METHOD(TimeHour, Value::Int(p.civil.hour))
PROMREF_TIME_METHOD(TimeMinute, Value::Int(p.civil.minute))
PROMREF_TIME_METHOD(TimeSecond, Value::Int(p.civil.second))
PROMREF_TIME_METHOD(TimeNanosecond, Value::Int(p.nsec))
PROMREF_TIME_METHOD(TimeYearDay, Value::Int(p.civil.days - model::DaysFromCivil(p.civil.date.year, 1, 1) + 1))
PROMREF_TIME_METHOD(TimeIsZero, Value::Bool(false))
#undef PROMREF_TIME_METHOD

// time.Time.Format of a UTC time: Go's layout elements (reference time Mon Jan 2 15:04:05 MST
// 2006); zones print as UTC.
std::string GoTimeFormat(int64_t ns, std::string_view layout) {
  static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  static const char* const kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};
  const TimeParts p = PartsOf(ns);
  const auto& c = p.civil;
  const int month = c.date.month;
  const int64_t year = c.date.year;
  const int weekday = static_cast<int>(((c.days % 7) + 7 + 4) % 7);
  const int64_t yday = c.days - model::DaysFromCivil(year, 1, 1) + 1;
  auto pad = [](int64_t v, int width, char fill = '0') {
    std::string s = std::to_string(v < 0 ? -v : v);
    while (static_cast<int>(s.size()) < width) s.insert(s.begin(), fill);
    return v < 0 ? "-" + s : s;
  };
  auto is_digit = [&](size_t i) { return i < layout.size() && layout[i] >= '0' && layout[i] <= '9'; };
  std::string out;
  size_t i = 0;
  while (i < layout.size()) {
    std::string_view rest = layout.substr(i);
    auto starts = [&](std::string_view prefix) { return rest.starts_with(prefix); };
    char ch = layout[i];
    if (ch == 'J' && starts("Jan")) {
      if (starts("January")) {
        out += kMonths[month - 1];
        i += 7;
      } else {
        out += std::string_view(kMonths[month - 1]).substr(0, 3);
        i += 3;
      }
      continue;
    }
    if (ch == 'M' && starts("Mon")) {
      if (starts("Monday")) {
        out += kDays[weekday];
        i += 6;
        continue;
      }
      if (!starts("Month")) {
        out += std::string_view(kDays[weekday]).substr(0, 3);
        i += 3;
        continue;
      }
    }
    if (ch == 'M' && starts("MST")) {
      out += "UTC";
      i += 3;
      continue;
    }
    if (ch == '0' && i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
      switch (layout[i + 1]) {
        case '1': out += pad(month, 2); break;
        case '2': out += pad(c.date.day, 2); break;
        case '3': out += pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2); break;
        case '4': out += pad(c.minute, 2); break;
        case '5': out += pad(c.second, 2); break;
        case '6': out += pad(year % 100, 2); break;
        default: break;
      }
      i += 2;
      continue;
    }
    if (ch == '0' && starts("002")) {
      out += pad(yday, 3);
      i += 3;
      continue;
    }
    if (ch == '1') {
      if (starts("15")) {
        out += pad(c.hour, 2);
        i += 2;
      } else {
        out += std::to_string(month);
        i += 1;
      }
      continue;
    }
    if (ch == '2') {
      if (starts("2006")) {
        out += pad(year, 4);
        i += 4;
      } else {
        out += std::to_string(c.date.day);
        i += 1;
      }
      continue;
    }
    if (ch == '_') {
      if (starts("_2")) {
        if (starts("_2006")) {
          out += "_" + pad(year, 4);
          i += 5;
          continue;
        }
        out += pad(c.date.day, 2, ' ');
        i += 2;
        continue;
      }
      if (starts("__2")) {
        out += pad(yday, 3, ' ');
        i += 3;
        continue;
      }
    }
    if (ch == '3' || ch == '4' || ch == '5') {
      int v = ch == '3' ? (c.hour % 12 == 0 ? 12 : c.hour % 12) : ch == '4' ? c.minute : c.second;
      out += std::to_string(v);
      i += 1;
      continue;
    }
    if (ch == 'P' && starts("PM")) {
      out += c.hour >= 12 ? "PM" : "AM";
      i += 2;
      continue;
    }
    if (ch == 'p' && starts("pm")) {
      out += c.hour >= 12 ? "pm" : "am";
      i += 2;
      continue;
    }
    if (ch == '-' || ch == 'Z') {
      static const std::string_view kZones[] = {"070000", "07:00:00", "0700", "07:00", "07"};
      static const char* const kOffsets[] = {"+000000", "+00:00:00", "+0000", "+00:00", "+00"};
      bool done = false;
      for (size_t z = 0; z < 5; z++) {
        if (rest.substr(1).starts_with(kZones[z])) {
          out += ch == 'Z' ? "Z" : kOffsets[z];
          i += 1 + kZones[z].size();
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    if ((ch == '.' || ch == ',') && i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
      char d = layout[i + 1];
      size_t j = i + 1;
      while (j < layout.size() && layout[j] == d) j++;
      if (!is_digit(j)) {
        size_t n = j - (i + 1);
        std::string frac = pad(p.nsec, 9).substr(0, std::min<size_t>(n, 9));
        if (d == '9') {
          while (!frac.empty() && frac.back() == '0') frac.pop_back();
          if (!frac.empty()) out += ch + frac;
        } else {
          out += ch + frac;
        }
        i = j;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out;
}

Value TimeFormat(State& st, std::vector<Value>& a) {
  return Value::String(GoTimeFormat(st.method_recv_.i, a[0].s));
}

Value DurationString(State& st, std::vector<Value>&) {
  return Value::String(model::FormatGoDuration(st.method_recv_.i));
}
Value DurationNanoseconds(State& st, std::vector<Value>&) {
  return Value::Int(st.method_recv_.i, Kind::kInt64);
}
Value DurationMicroseconds(State& st, std::vector<Value>&) {
  return Value::Int(st.method_recv_.i / 1000, Kind::kInt64);
}
Value DurationMilliseconds(State& st, std::vector<Value>&) {
  return Value::Int(st.method_recv_.i / 1000000, Kind::kInt64);
}
Value DurationUnits(int64_t ns, int64_t unit) {
  int64_t whole = ns / unit, rest = ns % unit;
  return Value::Float(static_cast<double>(whole) + static_cast<double>(rest) / static_cast<double>(unit));
}
Value DurationSeconds(State& st, std::vector<Value>&) {
  return DurationUnits(st.method_recv_.i, 1000000000LL);
}
Value DurationMinutes(State& st, std::vector<Value>&) {
  return DurationUnits(st.method_recv_.i, 60000000000LL);
}
Value DurationHours(State& st, std::vector<Value>&) {
  return DurationUnits(st.method_recv_.i, 3600000000000LL);
}
Value DurationAbs(State& st, std::vector<Value>&) {
  int64_t d = st.method_recv_.i;
  return Value::Int(d >= 0 ? d : d == INT64_MIN ? INT64_MAX : -d, Kind::kDuration);
}
Value DurationTruncate(State& st, std::vector<Value>& a) {
  int64_t d = st.method_recv_.i, m = a[0].i;
  return Value::Int(m <= 0 ? d : d - d % m, Kind::kDuration);
}
Value DurationRound(State& st, std::vector<Value>& a) {
  int64_t d = st.method_recv_.i, m = a[0].i;
  if (m <= 0) return Value::Int(d, Kind::kDuration);
  auto less_than_half = [](int64_t x, int64_t y) {
    return static_cast<uint64_t>(x) + static_cast<uint64_t>(x) < static_cast<uint64_t>(y);
  };
  int64_t r = d % m;
  if (d < 0) {
    r = -r;
    if (less_than_half(r, m)) return Value::Int(d + r, Kind::kDuration);
    int64_t d1 =
        static_cast<int64_t>(static_cast<uint64_t>(d) - static_cast<uint64_t>(m) + static_cast<uint64_t>(r));
    return Value::Int(d1 < d ? d1 : INT64_MIN, Kind::kDuration);
  }
  if (less_than_half(r, m)) return Value::Int(d - r, Kind::kDuration);
  int64_t d1 =
      static_cast<int64_t>(static_cast<uint64_t>(d) + static_cast<uint64_t>(m) - static_cast<uint64_t>(r));
  return Value::Int(d1 > d ? d1 : INT64_MAX, Kind::kDuration);
}

const FuncDef* FindMethod(Kind kind, std::string_view name) {
  using P = PType;
  static const auto* const kTimeMethods = new std::map<std::string, FuncDef, std::less<>>{
      {"Unix", {{}, false, false, TimeUnix}},
      {"UnixMilli", {{}, false, false, TimeUnixMilli}},
      {"UnixMicro", {{}, false, false, TimeUnixMicro}},
      {"UnixNano", {{}, false, false, TimeUnixNano}},
      {"String", {{}, false, false, TimeString}},
      {"Year", {{}, false, false, TimeYear}},
      {"Day", {{}, false, false, TimeDay}},
      {"Hour", {{}, false, false, TimeHour}},
      {"Minute", {{}, false, false, TimeMinute}},
      {"Second", {{}, false, false, TimeSecond}},
      {"Nanosecond", {{}, false, false, TimeNanosecond}},
      {"YearDay", {{}, false, false, TimeYearDay}},
      {"IsZero", {{}, false, false, TimeIsZero}},
      {"Format", {{P::kString}, false, false, TimeFormat}},
  };
  static const auto* const kDurationMethods = new std::map<std::string, FuncDef, std::less<>>{
      {"String", {{}, false, false, DurationString}},
      {"Nanoseconds", {{}, false, false, DurationNanoseconds}},
      {"Microseconds", {{}, false, false, DurationMicroseconds}},
      {"Milliseconds", {{}, false, false, DurationMilliseconds}},
      {"Seconds", {{}, false, false, DurationSeconds}},
      {"Minutes", {{}, false, false, DurationMinutes}},
      {"Hours", {{}, false, false, DurationHours}},
      {"Abs", {{}, false, false, DurationAbs}},
      {"Round", {{P::kDuration}, false, false, DurationRound}},
      {"Truncate", {{P::kDuration}, false, false, DurationTruncate}},
  };
  const std::map<std::string, FuncDef, std::less<>>* table = kind == Kind::kTime       ? kTimeMethods
                                                             : kind == Kind::kDuration ? kDurationMethods
                                                                                       : nullptr;
  if (table == nullptr) return nullptr;
  auto it = table->find(name);
  return it == table->end() ? nullptr : &it->second;
}

const std::map<std::string, FuncDef, std::less<>>& Funcs() {
  using P = PType;
  static const auto* const kFuncs = new std::map<std::string, FuncDef, std::less<>>{
      // text/template builtins.
      {"and", {{P::kReflect, P::kReflect}, true, true, FnUnreachable}},
      {"or", {{P::kReflect, P::kReflect}, true, true, FnUnreachable}},
      {"call", {{P::kReflect, P::kReflect}, true, true, FnCall}},
      {"html", {{P::kAny}, true, true, FnHtml}},
      {"index", {{P::kReflect, P::kReflect}, true, true, FnIndex}},
      {"slice", {{P::kReflect, P::kReflect}, true, true, FnSlice}},
      {"js", {{P::kAny}, true, true, FnJs}},
      {"len", {{P::kReflect}, false, true, FnLen}},
      {"not", {{P::kReflect}, false, true, FnNot}},
      {"print", {{P::kAny}, true, true, FnPrint}},
      {"printf", {{P::kString, P::kAny}, true, true, FnPrintf}},
      {"println", {{P::kAny}, true, true, FnPrintln}},
      {"urlquery", {{P::kAny}, true, true, FnUrlquery}},
      {"eq", {{P::kReflect, P::kReflect}, true, true, FnEq}},
      {"ge", {{P::kReflect, P::kReflect}, false, true, FnGe}},
      {"gt", {{P::kReflect, P::kReflect}, false, true, FnGt}},
      {"le", {{P::kReflect, P::kReflect}, false, true, FnLe}},
      {"lt", {{P::kReflect, P::kReflect}, false, true, FnLt}},
      {"ne", {{P::kReflect, P::kReflect}, false, true, FnNe}},
      // Prometheus 3.16's function map.
      {"query", {{P::kString}, false, false, FnQuery}},
      {"first", {{P::kQueryResult}, false, false, FnFirst}},
      {"label", {{P::kString, P::kSample}, false, false, FnLabel}},
      {"value", {{P::kSample}, false, false, FnValue}},
      {"strvalue", {{P::kSample}, false, false, FnStrvalue}},
      {"args", {{P::kAny}, true, false, FnArgs}},
      {"reReplaceAll", {{P::kString, P::kString, P::kString}, false, false, FnReReplaceAll}},
      {"safeHtml", {{P::kString}, false, false, FnSafeHtml}},
      {"match", {{P::kString, P::kString}, false, false, FnMatch}},
      {"title", {{P::kString}, false, false, FnTitle}},
      {"toUpper", {{P::kString}, false, false, FnToUpper}},
      {"toLower", {{P::kString}, false, false, FnToLower}},
      {"graphLink", {{P::kString}, false, false, FnGraphLink}},
      {"tableLink", {{P::kString}, false, false, FnTableLink}},
      {"sortByLabel", {{P::kString, P::kQueryResult}, false, false, FnSortByLabel}},
      {"stripPort", {{P::kString}, false, false, FnStripPort}},
      {"stripDomain", {{P::kString}, false, false, FnStripDomain}},
      {"humanize", {{P::kAny}, false, false, FnHumanize}},
      {"humanize1024", {{P::kAny}, false, false, FnHumanize1024}},
      {"humanizeDuration", {{P::kAny}, false, false, FnHumanizeDuration}},
      {"humanizePercentage", {{P::kAny}, false, false, FnHumanizePercentage}},
      {"humanizeTimestamp", {{P::kAny}, false, false, FnHumanizeTimestamp}},
      {"toTime", {{P::kAny}, false, false, FnToTime}},
      {"toDuration", {{P::kAny}, false, false, FnToDuration}},
      {"now", {{}, false, false, FnNow}},
      {"pathPrefix", {{}, false, false, FnPathPrefix}},
      {"externalURL", {{}, false, false, FnExternalURL}},
      {"parseDuration", {{P::kString}, false, false, FnParseDuration}},
      {"urlQueryEscape", {{P::kString}, false, false, FnUrlQueryEscape}},
  };
  return *kFuncs;
}

// url.URL's Path of an external URL: what follows scheme://host, before any query.
std::string UrlPath(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = 0;
  if (scheme != std::string::npos) {
    start = url.find('/', scheme + 3);
    if (start == std::string::npos) return "";
  }
  size_t end = url.find_first_of("?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

Result<std::string> Expand(const std::string& name, const std::string& text, const Data& data,
                           const ExpandOptions& options) {
  ParsedTemplates parsed;
  try {
    Parse(name, text, IsFunction, &parsed);
  } catch (const ParseError& e) {
    return BadData("error parsing template " + name + ": " + e.message);
  }
  Env env;
  env.parsed = &parsed;
  env.options = &options;
  env.url_path = UrlPath(options.external_url);
  auto d = std::make_shared<DataStruct>();
  d->labels = data.labels;
  d->external_labels = data.external_labels;
  d->external_url = data.external_url;
  d->value = data.value;
  Value dot;
  dot.kind = Kind::kData;
  dot.data = d;
  env.stack_base = static_cast<const char*>(__builtin_frame_address(0));
  State st(&env, name);
  st.parse_name_ = name;
  st.vars_ = {{"$", dot}};
  try {
    auto it = parsed.trees.find(name);
    if (it == parsed.trees.end() || it->second == nullptr) {
      st.Errorf(model::GoQuote(name) + " is an incomplete or empty template");
    }
    st.Walk(dot, it->second);
  } catch (const ExecError& e) {
    return BadData("error executing template " + name + ": " + e.message);
  } catch (const BreakSignal&) {
  } catch (const ContinueSignal&) {
  } catch (const CallError& e) {
    return BadData("error executing template " + name + ": " + e.message);
  } catch (const std::exception& e) {
    return BadData("panic expanding template " + name + ": " + e.what());
  }
  return std::move(env.out);
}

std::string TableLinkForExpression(std::string_view expr) {
  return "/graph?g0.expr=" + QueryEscape(expr) + "&g0.tab=1";
}

std::string GraphLinkForExpression(std::string_view expr) {
  return "/graph?g0.expr=" + QueryEscape(expr) + "&g0.tab=0";
}

Status ParseTest(const std::string& name, const std::string& text) {
  ParsedTemplates parsed;
  try {
    Parse(name, text, IsFunction, &parsed);
  } catch (const ParseError& e) {
    return BadData(e.message);
  }
  return {};
}

std::string ExpandAlertTemplate(const std::string& rule_name, const std::string& text, const Data& data,
                                const ExpandOptions& options) {
  auto r = Expand("__alert_" + rule_name, kAlertTemplateDefs + text, data, options);
  if (!r.ok()) return "<error expanding template: " + r.error().message() + ">";
  return std::move(*r);
}

}  // namespace promref::tmpl
