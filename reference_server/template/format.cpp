// Go's fmt package (Sprint, Sprintln, Sprintf) for the values templates compute with: the
// verbs, flags, width and precision of fmt, its error texts ("%!d(string=x)", "%!(EXTRA ...)"),
// and strconv's float formatting.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "model/go_strconv.h"
#include "model/time.h"
#include "model/utf8.h"
#include "template/internal.h"

namespace promref::tmpl::internal {
namespace {

// ---- strconv.AppendFloat(v, fmt, prec, 64) ----

struct Decimal {
  bool neg = false;
  std::string d;  // digits without trailing zeros; empty for zero
  int dp = 0;     // decimal point position
};

// The digits of v rounded to `digits` significant digits (digits > 0).
Decimal DigitsOf(double v, int digits) {
  Decimal out;
  out.neg = std::signbit(v);
  // A float64's exact decimal expansion has fewer than 800 significant digits: more are zeros
  // (and model::FormatFloatPrec's buffer is bounded).
  std::string e = model::FormatFloatPrec(std::fabs(v), 'e', std::min(digits - 1, 1000));
  size_t epos = e.find('e');
  std::string mant = e.substr(0, epos);
  mant.erase(std::remove(mant.begin(), mant.end(), '.'), mant.end());
  int exp = std::stoi(e.substr(epos + 1));
  while (!mant.empty() && mant.back() == '0') mant.pop_back();
  if (mant.empty()) return out;
  out.d = mant;
  out.dp = exp + 1;
  return out;
}

// The shortest digits that round-trip.
Decimal ShortestDigitsOf(double v) {
  Decimal out;
  out.neg = std::signbit(v);
  std::string e = model::FormatFloat(std::fabs(v), 'e');
  size_t epos = e.find('e');
  std::string mant = e.substr(0, epos);
  mant.erase(std::remove(mant.begin(), mant.end(), '.'), mant.end());
  int exp = std::stoi(e.substr(epos + 1));
  while (!mant.empty() && mant.back() == '0') mant.pop_back();
  if (mant.empty()) return out;
  out.d = mant;
  out.dp = exp + 1;
  return out;
}

std::string FmtE(const Decimal& d, int prec, char fmt) {
  std::string out = d.neg ? "-" : "";
  int nd = static_cast<int>(d.d.size());
  out += nd == 0 ? '0' : d.d[0];
  if (prec > 0) {
    out += '.';
    int i = 1;
    int m = std::min(nd, prec + 1);
    if (i < m) {
      out += d.d.substr(1, m - 1);
      i = m;
    }
    for (; i <= prec; i++) out += '0';
  }
  out += fmt;
  int exp = nd == 0 ? 0 : d.dp - 1;
  out += exp < 0 ? '-' : '+';
  exp = std::abs(exp);
  if (exp < 10) {
    out += '0';
    out += static_cast<char>('0' + exp);
  } else {
    out += std::to_string(exp);
  }
  return out;
}

std::string FmtF(const Decimal& d, int prec) {
  std::string out = d.neg ? "-" : "";
  int nd = static_cast<int>(d.d.size());
  if (d.dp > 0) {
    int m = std::min(nd, d.dp);
    out += d.d.substr(0, m);
    for (; m < d.dp; m++) out += '0';
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; i++) {
      int j = d.dp + i - 1;
      out += (j >= 0 && j < nd) ? d.d[j] : '0';
    }
  }
  return out;
}

// strconv's %b and %x/%X of a float64 (fmtB, fmtX).
std::string StrconvBinaryFloat(double v, char fmt, int prec) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const bool neg = bits >> 63;
  int exp = static_cast<int>((bits >> 52) & 0x7FF);
  uint64_t mant = bits & ((uint64_t{1} << 52) - 1);
  if (exp == 0) {
    exp++;
  } else {
    mant |= uint64_t{1} << 52;
  }
  exp -= 1023;
  std::string dst = neg ? "-" : "";
  if (fmt == 'b') {
    dst += std::to_string(mant);
    dst += 'p';
    exp -= 52;
    if (exp >= 0) dst += '+';
    dst += std::to_string(exp);
    return dst;
  }
  if (mant == 0) exp = 0;
  mant <<= 60 - 52;
  while (mant != 0 && (mant & (uint64_t{1} << 60)) == 0) {
    mant <<= 1;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    unsigned shift = static_cast<unsigned>(prec * 4);
    uint64_t extra = (mant << shift) & ((uint64_t{1} << 60) - 1);
    mant >>= 60 - shift;
    if ((extra | (mant & 1)) > (uint64_t{1} << 59)) mant++;
    mant <<= 60 - shift;
    if (mant & (uint64_t{1} << 61)) {
      mant >>= 1;
      exp++;
    }
  }
  const char* hex = fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  dst += '0';
  dst += fmt;
  dst += static_cast<char>('0' + ((mant >> 60) & 1));
  mant <<= 4;
  if (prec < 0 && mant != 0) {
    dst += '.';
    while (mant != 0) {
      dst += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  } else if (prec > 0) {
    dst += '.';
    for (int i = 0; i < prec; i++) {
      dst += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  }
  dst += fmt == 'X' ? 'P' : 'p';
  if (exp < 0) {
    dst += '-';
    exp = -exp;
  } else {
    dst += '+';
  }
  if (exp < 10) dst += '0';
  dst += std::to_string(exp);
  return dst;
}

// %.Nf for any N: a float64 has at most 1074 fractional digits, and fewer than 60 once it is
// at least 1, so digits beyond what model::FormatFloatPrec's buffer holds are zeros.
std::string FixedF(double v, int prec) {
  const int cap = std::fabs(v) < 1 ? 1090 : 780;
  if (prec <= cap) return model::FormatFloatPrec(v, 'f', prec);
  std::string out = model::FormatFloatPrec(v, 'f', cap);
  out.append(static_cast<size_t>(prec - cap), '0');
  return out;
}

std::string StrconvFloat(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (fmt == 'x' || fmt == 'X' || fmt == 'b') return StrconvBinaryFloat(v, fmt, prec);
  const bool upper = fmt == 'E' || fmt == 'G';
  const char lower = static_cast<char>(upper ? fmt + ('a' - 'A') : fmt);
  const char efmt = upper ? 'E' : 'e';
  bool shortest = prec < 0;
  Decimal d;
  switch (lower) {
    case 'e':
      if (shortest) {
        d = ShortestDigitsOf(v);
        prec = std::max(static_cast<int>(d.d.size()) - 1, 0);
      } else {
        d = DigitsOf(v, prec + 1);
      }
      return FmtE(d, prec, efmt);
    case 'f':
      if (shortest) {
        d = ShortestDigitsOf(v);
        prec = std::max(static_cast<int>(d.d.size()) - d.dp, 0);
        return FmtF(d, prec);
      }
      return FixedF(v, prec);
    case 'g': {
      if (shortest) {
        d = ShortestDigitsOf(v);
      } else {
        if (prec == 0) prec = 1;
        d = DigitsOf(v, prec);
      }
      int nd = static_cast<int>(d.d.size());
      int eprec = prec;
      if (shortest) {
        prec = nd;
      }
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      int exp = d.dp - 1;
      if (nd == 0) exp = -1 + 0;  // zero: dp 0
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return FmtE(d, prec - 1, efmt);
      }
      if (prec > d.dp) prec = nd;
      return FmtF(d, std::max(prec - d.dp, 0));
    }
    default: return model::FormatFloat(v, 'g');
  }
}

// ---- fmt ----

struct Flags {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  bool plus_v = false, sharp_v = false;
  bool wid_present = false, prec_present = false;
  int wid = 0, prec = 0;
};

int RuneCount(std::string_view s) {
  int n = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t r;
    i += static_cast<size_t>(model::DecodeRune(s.substr(i), &r));
    n++;
  }
  return n;
}

bool IsPrintRune(char32_t r) {
  std::string enc;
  model::AppendRune(&enc, r);
  return r != '"' && r != '\\' ? model::GoQuote(enc) == "\"" + enc + "\"" : true;
}

std::string GoTimeGoString(int64_t ns);

class Printer {
 public:
  std::string buf;
  Flags f;
  bool erroring = false;

  void WritePadding(int n) {
    if (n <= 0) return;
    buf.append(static_cast<size_t>(n), f.zero ? '0' : ' ');
  }
  void Pad(std::string_view s) {
    if (!f.wid_present || f.wid == 0) {
      buf += s;
      return;
    }
    int width = f.wid - RuneCount(s);
    if (!f.minus) {
      WritePadding(width);
      buf += s;
    } else {
      buf += s;
      bool z = f.zero;
      f.zero = false;
      WritePadding(width);
      f.zero = z;
    }
  }

  std::string Truncate(std::string_view s) {
    if (f.prec_present) {
      int n = f.prec;
      for (size_t i = 0; i < s.size();) {
        n--;
        if (n < 0) return std::string(s.substr(0, i));
        char32_t r;
        i += static_cast<size_t>(model::DecodeRune(s.substr(i), &r));
      }
    }
    return std::string(s);
  }

  void FmtS(std::string_view s) { Pad(Truncate(s)); }

  void FmtSbx(std::string_view s, const char* digits) {
    int length = static_cast<int>(s.size());
    if (f.prec_present && f.prec < length) length = f.prec;
    int width = 2 * length;
    if (width > 0) {
      if (f.space) {
        if (f.sharp) width *= 2;
        width += length - 1;
      } else if (f.sharp) {
        width += 2;
      }
    } else {
      if (f.wid_present) WritePadding(f.wid);
      return;
    }
    if (f.wid_present && f.wid > width && !f.minus) WritePadding(f.wid - width);
    std::string out;
    if (f.sharp) {
      out += '0';
      out += digits[16];
    }
    for (int i = 0; i < length; i++) {
      if (f.space && i > 0) {
        out += ' ';
        if (f.sharp) {
          out += '0';
          out += digits[16];
        }
      }
      unsigned char c = static_cast<unsigned char>(s[i]);
      out += digits[c >> 4];
      out += digits[c & 0xF];
    }
    buf += out;
    if (f.wid_present && f.wid > width && f.minus) WritePadding(f.wid - width);
  }

  static bool CanBackquote(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      char32_t r;
      int w = model::DecodeRune(s.substr(i), &r);
      if (w == 1 && r == model::kRuneError) return false;
      if (r == '`' || r == 0xFEFF) return false;
      if ((r < ' ' && r != '\t') || r == 0x7F) return false;
      i += static_cast<size_t>(w);
    }
    return true;
  }

  // strconv.QuoteToASCII: non-ASCII runes escaped too.
  static std::string QuoteToAscii(std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
      char32_t r;
      int w = model::DecodeRune(s.substr(i), &r);
      char buf[16];
      if (w == 1 && r == model::kRuneError) {
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
        out += buf;
      } else if (r < 0x80) {
        std::string q = model::GoQuote(s.substr(i, 1));
        out += q.substr(1, q.size() - 2);
      } else if (r < 0x10000) {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(r));
        out += buf;
      } else {
        std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(r));
        out += buf;
      }
      i += static_cast<size_t>(w);
    }
    return out + "\"";
  }

  void FmtQ(std::string_view s) {
    std::string t = Truncate(s);
    if (f.sharp && CanBackquote(t)) {
      Pad("`" + t + "`");
      return;
    }
    Pad(f.plus ? QuoteToAscii(t) : model::GoQuote(t));
  }

  void FmtInteger(uint64_t u, int base, bool is_signed, char verb, bool upper) {
    const char* digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
    bool negative = is_signed && static_cast<int64_t>(u) < 0;
    if (negative) u = -u;
    int prec = 0;
    if (f.prec_present) {
      prec = f.prec;
      if (prec == 0 && u == 0) {
        bool z = f.zero;
        f.zero = false;
        WritePadding(f.wid);
        f.zero = z;
        return;
      }
    } else if (f.zero && !f.minus && f.wid_present) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--;
    }
    std::string rev;
    if (u == 0) rev = "0";
    while (u > 0) {
      rev += digits[u % static_cast<uint64_t>(base)];
      u /= static_cast<uint64_t>(base);
    }
    while (static_cast<int>(rev.size()) < prec) rev += '0';
    if (f.sharp) {
      switch (base) {
        case 2: rev += "b0"; break;
        case 8:
          if (rev.back() != '0') rev += '0';
          break;
        case 16:
          rev += digits[16];
          rev += '0';
          break;
        default: break;
      }
    }
    if (verb == 'O') rev += "o0";
    if (negative) {
      rev += '-';
    } else if (f.plus) {
      rev += '+';
    } else if (f.space) {
      rev += ' ';
    }
    std::reverse(rev.begin(), rev.end());
    bool z = f.zero;
    f.zero = false;
    Pad(rev);
    f.zero = z;
  }

  void FmtFloatRaw(double v, char verb, int prec) {
    if (f.prec_present) prec = f.prec;
    std::string num = StrconvFloat(v, verb, prec);
    if (num[0] != '-' && num[0] != '+') num = "+" + num;
    if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {
      bool z = f.zero;
      f.zero = false;
      if (num[1] == 'N' && !f.space && !f.plus) num = num.substr(1);
      Pad(num);
      f.zero = z;
      return;
    }
    if (f.sharp && verb != 'b') {
      int digits = 0;
      if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x') {
        digits = prec;
        if (digits == -1) digits = 6;
      }
      std::string tail;
      bool has_point = false, nonzero = false;
      for (size_t i = 1; i < num.size(); i++) {
        char c = num[i];
        if (c == '.') {
          has_point = true;
        } else if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
          tail = num.substr(i);
          num.resize(i);
          break;
        } else {
          if (c != '0') nonzero = true;
          if (nonzero) digits--;
        }
      }
      if (!has_point) {
        if (num.size() == 2 && num[1] == '0') digits--;
        num += '.';
      }
      while (digits > 0) {
        num += '0';
        digits--;
      }
      num += tail;
    }
    if (f.plus || num[0] != '+') {
      if (f.zero && !f.minus && f.wid_present && f.wid > static_cast<int>(num.size())) {
        buf += num[0];
        WritePadding(f.wid - static_cast<int>(num.size()));
        buf += num.substr(1);
        return;
      }
      Pad(num);
      return;
    }
    Pad(num.substr(1));
  }

  void FmtFloat(double v, char verb) {
    switch (verb) {
      case 'v': FmtFloatRaw(v, 'g', -1); break;
      case 'g':
      case 'G':
      case 'x':
      case 'X':
      case 'b': FmtFloatRaw(v, verb, -1); break;
      case 'f':
      case 'e':
      case 'E': FmtFloatRaw(v, verb, 6); break;
      case 'F': FmtFloatRaw(v, 'f', 6); break;
      default: BadVerb(verb, nullptr);
    }
  }

  void FmtComplex(double re, double im, char verb) {
    switch (verb) {
      case 'b':
      case 'x':
      case 'X':
      case 'v':
      case 'g':
      case 'G':
      case 'f':
      case 'F':
      case 'e':
      case 'E': {
        bool old_plus = f.plus;
        buf += '(';
        FmtFloat(re, verb);
        f.plus = true;
        FmtFloat(im, verb);
        buf += "i)";
        f.plus = old_plus;
        break;
      }
      default: BadVerb(verb, nullptr);
    }
  }

  void FmtIntegerVerb(uint64_t v, bool is_signed, char verb, const Value* arg) {
    switch (verb) {
      case 'v':
        if (f.sharp_v && !is_signed) {  // fmt0x64(v, true)
          bool sharp = f.sharp;
          f.sharp = true;
          FmtInteger(v, 16, is_signed, verb, false);
          f.sharp = sharp;
          break;
        }
        FmtInteger(v, 10, is_signed, verb, false);
        break;
      case 'd': FmtInteger(v, 10, is_signed, verb, false); break;
      case 'b': FmtInteger(v, 2, is_signed, verb, false); break;
      case 'o':
      case 'O': FmtInteger(v, 8, is_signed, verb, false); break;
      case 'x': FmtInteger(v, 16, is_signed, verb, false); break;
      case 'X': FmtInteger(v, 16, is_signed, verb, true); break;
      case 'c': {
        char32_t r = v > 0x10FFFF ? model::kRuneError : static_cast<char32_t>(v);
        std::string s;
        model::AppendRune(&s, r);
        Pad(s);
        break;
      }
      case 'q': {
        char32_t r = v > 0x10FFFF ? model::kRuneError : static_cast<char32_t>(v);
        std::string s;
        model::AppendRune(&s, r);
        std::string q = f.plus ? QuoteToAscii(s) : model::GoQuote(s);
        // A rune literal: single quotes; a double quote needs no escape, a single one does.
        std::string inner = q.substr(1, q.size() - 2);
        if (inner == "\\\"") inner = "\"";
        if (inner == "'") inner = "\\'";
        Pad("'" + inner + "'");
        break;
      }
      case 'U': {
        char hex[96];
        const size_t digits = f.prec_present && f.prec > 4 ? static_cast<size_t>(f.prec) : 4;
        std::snprintf(hex, sizeof hex, "%llX", static_cast<unsigned long long>(v));
        std::string s = hex;
        if (s.size() < digits) s.insert(0, digits - s.size(), '0');
        s.insert(0, "U+");
        if (f.sharp && v <= 0x10FFFF && IsPrintRune(static_cast<char32_t>(v))) {
          std::string r;
          model::AppendRune(&r, static_cast<char32_t>(v));
          s += " '" + r + "'";
        }
        bool z = f.zero;
        f.zero = false;
        Pad(s);
        f.zero = z;
        break;
      }
      default: BadVerb(verb, arg);
    }
  }

  void FmtString(std::string_view s, char verb, const Value* arg) {
    switch (verb) {
      case 'v':
        if (f.sharp_v) {
          FmtQ(s);
        } else {
          FmtS(s);
        }
        break;
      case 's': FmtS(s); break;
      case 'x': FmtSbx(s, "0123456789abcdefx"); break;
      case 'X': FmtSbx(s, "0123456789ABCDEFX"); break;
      case 'q': FmtQ(s); break;
      default: BadVerb(verb, arg);
    }
  }

  void BadVerb(char32_t verb, const Value* arg) {
    erroring = true;
    buf += "%!";
    model::AppendRune(&buf, verb);
    buf += '(';
    if (arg != nullptr && arg->kind != Kind::kInvalid) {
      buf += TypeName(*arg);
      buf += '=';
      PrintArg(*arg, 'v');
    } else {
      buf += "<nil>";
    }
    buf += ')';
    erroring = false;
  }

  void FmtPointer(uint64_t addr, char32_t verb, const Value& arg) {
    switch (verb) {
      case 'v':
        if (addr == 0) {
          Pad("<nil>");
        } else {
          char hex[32];
          std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(addr));
          Pad(hex);
        }
        break;
      case 'p': {
        char hex[32];
        std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(addr));
        Pad(hex);
        break;
      }
      default: BadVerb(verb, &arg);
    }
  }

  // printArg: one operand at the top level.
  void PrintArg(const Value& v, char32_t verb) {
    if (v.kind == Kind::kInvalid) {
      if (verb == 'T' || verb == 'v') {
        Pad("<nil>");
      } else {
        BadVerb(verb, nullptr);
      }
      return;
    }
    if (verb == 'T') {
      FmtS(TypeName(v));
      return;
    }
    if (verb == 'p') {
      // Maps, slices and pointers print their address (ours are made up); the rest is a bad verb.
      switch (v.kind) {
        case Kind::kStringMap:
        case Kind::kAnyMap:
        case Kind::kQueryResult:
        case Kind::kSample:
        case Kind::kTime:
        case Kind::kDuration: FmtPointer(0xc000014000ULL, verb, v); return;
        default: BadVerb(verb, &v); return;
      }
    }
    PrintValue(v, verb, 0);
  }

  static uint64_t FakeAddress(const void* p) {
    // Go prints the address of the pointee; ours are not Go's, so show a stable made-up one.
    return 0xc000010000ULL + (reinterpret_cast<uintptr_t>(p) & 0xffff0ULL);
  }

  // %#v: Go syntax for the composite values.
  bool PrintGoSyntax(const Value& v, char32_t verb, int depth) {
    // A map as Go prints it: `type(nil)` or `type{"k":v, ...}`, values as `value_of` makes them.
    auto print_map = [&](const auto* m, std::string_view type, auto value_of) {
      buf += type;
      if (m == nullptr) {
        buf += "(nil)";
        return;
      }
      buf += '{';
      for (auto it = m->begin(); it != m->end(); ++it) {
        if (it != m->begin()) buf += ", ";
        PrintValue(Value::String(it->first), verb, depth + 1);
        buf += ':';
        PrintValue(value_of(it->second), verb, depth + 1);
      }
      buf += '}';
    };
    auto sample_struct = [&](const Sample& smp) {
      buf += "template.sample{Labels:";
      Value labels;
      labels.kind = Kind::kStringMap;
      labels.smap = std::make_shared<const StringMap>(smp.labels);
      PrintValue(labels, verb, depth + 1);
      buf += ", Value:";
      PrintValue(Value::Float(smp.value), verb, depth + 1);
      buf += '}';
    };
    switch (v.kind) {
      case Kind::kInvalid:
        if (depth == 0) return false;
        buf += "interface {}(nil)";
        return true;
      case Kind::kStringMap:
        print_map(v.smap.get(), "map[string]string", [](const std::string& x) { return Value::String(x); });
        return true;
      case Kind::kAnyMap:
        print_map(v.amap.get(), "map[string]interface {}", [](const Value& x) { return x; });
        return true;
      case Kind::kData: {
        const DataStruct& d = *v.data;
        buf += TypeName(v);
        buf += "{Labels:";
        Value labels;
        labels.kind = Kind::kStringMap;
        labels.smap = std::shared_ptr<const StringMap>(v.data, &d.labels);
        PrintValue(labels, verb, depth + 1);
        buf += ", ExternalLabels:";
        labels.smap = std::shared_ptr<const StringMap>(v.data, &d.external_labels);
        PrintValue(labels, verb, depth + 1);
        buf += ", ExternalURL:";
        PrintValue(Value::String(d.external_url), verb, depth + 1);
        buf += ", Value:";
        PrintValue(Value::Float(d.value), verb, depth + 1);
        buf += '}';
        return true;
      }
      case Kind::kSample:
        if (!v.sample) {
          buf += "(*template.sample)(nil)";
        } else if (depth == 0) {
          buf += '&';
          sample_struct(*v.sample);
        } else {
          char hex[48];
          std::snprintf(hex, sizeof hex, "(*template.sample)(0x%llx)",
                        static_cast<unsigned long long>(FakeAddress(v.sample.get())));
          buf += hex;
        }
        return true;
      case Kind::kQueryResult:
        if (!v.qr) {
          buf += "template.queryResult(nil)";
          return true;
        }
        buf += "template.queryResult{";
        for (size_t i = 0; i < v.qr->size(); i++) {
          if (i > 0) buf += ", ";
          Value smp;
          smp.kind = Kind::kSample;
          smp.sample = (*v.qr)[i];
          PrintValue(smp, verb, depth + 1);
        }
        buf += '}';
        return true;
      case Kind::kDuration: buf += "(*time.Duration)(0xc000012000)"; return true;
      default: return false;
    }
  }

  void PrintValue(const Value& v, char32_t verb, int depth) {
    const char cverb = verb < 0x80 ? static_cast<char>(verb) : '?';
    if (f.sharp_v && verb == 'v' && PrintGoSyntax(v, verb, depth)) return;
    switch (v.kind) {
      case Kind::kInvalid:
        if (depth == 0) {
          buf += "<invalid reflect.Value>";
        } else if (verb == 'v') {
          buf += "<nil>";
        } else {
          BadVerb(verb, nullptr);
        }
        return;
      case Kind::kBool:
        if (verb == 't' || verb == 'v') {
          Pad(v.b ? "true" : "false");
        } else {
          BadVerb(verb, &v);
        }
        return;
      case Kind::kInt:
      case Kind::kInt64: FmtIntegerVerb(static_cast<uint64_t>(v.i), true, cverb, &v); return;
      case Kind::kUint8: FmtIntegerVerb(static_cast<uint64_t>(v.i), false, cverb, &v); return;
      case Kind::kFloat:
        if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'f' || verb == 'F' || verb == 'e' ||
            verb == 'E' || verb == 'x' || verb == 'X' || verb == 'b') {
          FmtFloat(v.f, cverb);
        } else {
          BadVerb(verb, &v);
        }
        return;
      case Kind::kComplex:
        if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'f' || verb == 'F' || verb == 'e' ||
            verb == 'E' || verb == 'x' || verb == 'X' || verb == 'b') {
          FmtComplex(v.f, v.imag, cverb);
        } else {
          BadVerb(verb, &v);
        }
        return;
      case Kind::kString:
      case Kind::kHtml: FmtString(v.s, cverb, &v); return;
      case Kind::kStringMap: {
        buf += "map[";
        bool first = true;
        if (v.smap) {
          for (const auto& [k, val] : *v.smap) {
            if (!first) buf += ' ';
            first = false;
            Value kv = Value::String(k);
            FmtString(k, cverb, &kv);
            buf += ':';
            Value vv = Value::String(val);
            FmtString(val, cverb, &vv);
          }
        }
        buf += ']';
        return;
      }
      case Kind::kAnyMap: {
        buf += "map[";
        bool first = true;
        if (v.amap) {
          for (const auto& [k, val] : *v.amap) {
            if (!first) buf += ' ';
            first = false;
            Value key = Value::String(k);
            PrintValue(key, verb, depth + 1);
            buf += ':';
            PrintValue(val, verb, depth + 1);
          }
        }
        buf += ']';
        return;
      }
      case Kind::kData: {
        buf += '{';
        const DataStruct& d = *v.data;
        Value labels;
        labels.kind = Kind::kStringMap;
        labels.smap = std::shared_ptr<const StringMap>(v.data, &d.labels);
        Value ext = labels;
        ext.smap = std::shared_ptr<const StringMap>(v.data, &d.external_labels);
        if (f.plus_v) buf += "Labels:";
        PrintValue(labels, verb, depth + 1);
        buf += ' ';
        if (f.plus_v) buf += "ExternalLabels:";
        PrintValue(ext, verb, depth + 1);
        buf += ' ';
        if (f.plus_v) buf += "ExternalURL:";
        PrintValue(Value::String(d.external_url), verb, depth + 1);
        buf += ' ';
        if (f.plus_v) buf += "Value:";
        PrintValue(Value::Float(d.value), verb, depth + 1);
        buf += '}';
        return;
      }
      case Kind::kQueryResult: {
        buf += '[';
        if (v.qr) {
          for (size_t i = 0; i < v.qr->size(); i++) {
            if (i > 0) buf += ' ';
            Value s;
            s.kind = Kind::kSample;
            s.sample = (*v.qr)[i];
            PrintValue(s, verb, depth + 1);
          }
        }
        buf += ']';
        return;
      }
      case Kind::kSample: {
        if (depth == 0 && v.sample) {
          buf += '&';
          PrintSampleStruct(*v.sample, verb, depth + 1);
          return;
        }
        FmtPointer(v.sample ? FakeAddress(v.sample.get()) : 0, verb, v);
        return;
      }
      case Kind::kTime:
      case Kind::kDuration: {
        if (!erroring && f.sharp_v && v.kind == Kind::kTime) {
          // time.Time's GoString.
          FmtS(GoTimeGoString(v.i));
          return;
        }
        if (!erroring && !f.sharp_v &&
            (verb == 'v' || verb == 's' || verb == 'x' || verb == 'X' || verb == 'q')) {
          std::string s = v.kind == Kind::kTime ? GoTimeString(v.i) : model::FormatGoDuration(v.i);
          FmtString(s, cverb, nullptr);
          return;
        }
        FmtPointer(0xc000012000ULL, verb, v);
        return;
      }
    }
  }

  void PrintSampleStruct(const Sample& s, char32_t verb, int depth) {
    buf += '{';
    if (f.plus_v) buf += "Labels:";
    Value labels;
    labels.kind = Kind::kStringMap;
    labels.smap = std::make_shared<const StringMap>(s.labels);
    PrintValue(labels, verb, depth + 1);
    buf += ' ';
    if (f.plus_v) buf += "Value:";
    PrintValue(Value::Float(s.value), verb, depth + 1);
    buf += '}';
  }
};

bool IsStringKind(const Value& v) {
  return v.kind == Kind::kString || v.kind == Kind::kHtml;
}

bool TooLarge(int64_t x) {
  return x > 1000000 || x < -1000000;
}

// parsenum: digits at s[start:end]; (num, isnum, newi).
void ParseNum(std::string_view s, size_t start, size_t end, int* num, bool* isnum, size_t* newi) {
  *num = 0;
  *isnum = false;
  if (start >= end) {
    *newi = end;
    return;
  }
  size_t i = start;
  int64_t n = 0;
  for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
    if (TooLarge(n)) {
      *num = 0;
      *isnum = false;
      *newi = end;
      return;
    }
    n = n * 10 + (s[i] - '0');
    *isnum = true;
  }
  *num = static_cast<int>(n);
  *newi = i;
}

}  // namespace

std::string TypeName(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid: return "<nil>";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kInt64: return "int64";
    case Kind::kUint8: return "uint8";
    case Kind::kFloat: return "float64";
    case Kind::kComplex: return "complex128";
    case Kind::kString: return "string";
    case Kind::kHtml: return "template.HTML";
    case Kind::kStringMap: return "map[string]string";
    case Kind::kAnyMap: return "map[string]interface {}";
    case Kind::kData:
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; "
             "Value interface {} }";
    case Kind::kQueryResult: return "template.queryResult";
    case Kind::kSample: return "*template.sample";
    case Kind::kTime: return "*time.Time";
    case Kind::kDuration: return "*time.Duration";
  }
  return "?";
}

std::string GoSprint(const std::vector<Value>& args) {
  Printer p;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); i++) {
    bool is_string = IsStringKind(args[i]);
    if (i > 0 && !is_string && !prev_string) p.buf += ' ';
    p.f = Flags{};
    p.PrintArg(args[i], 'v');
    prev_string = is_string;
  }
  return p.buf;
}

std::string GoSprintln(const std::vector<Value>& args) {
  Printer p;
  for (size_t i = 0; i < args.size(); i++) {
    if (i > 0) p.buf += ' ';
    p.f = Flags{};
    p.PrintArg(args[i], 'v');
  }
  p.buf += '\n';
  return p.buf;
}

std::string GoFormatV(const Value& v) {
  return GoSprint({v});
}

std::string GoSprintf(std::string_view format, const std::vector<Value>& a) {
  Printer p;
  const size_t end = format.size();
  const int nargs = static_cast<int>(a.size());
  int arg_num = 0;
  bool after_index = false;
  bool reordered = false;
  bool good_arg_num = true;

  auto arg_number = [&](int an, size_t i, bool* ai) -> std::pair<int, size_t> {
    if (format.size() <= i || format[i] != '[') {
      *ai = false;
      return {an, i};
    }
    reordered = true;
    // parseArgNumber
    std::string_view s = format.substr(i);
    int index = 0;
    size_t wid = 1;
    bool ok = false;
    if (s.size() >= 3) {
      for (size_t j = 1; j < s.size(); j++) {
        if (s[j] == ']') {
          int w;
          bool isnum;
          size_t newi;
          ParseNum(s, 1, j, &w, &isnum, &newi);
          if (!isnum || newi != j) {
            wid = j + 1;
            ok = false;
          } else {
            index = w - 1;
            wid = j + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && 0 <= index && index < nargs) {
      *ai = true;
      return {index, i + wid};
    }
    good_arg_num = false;
    *ai = ok;
    return {an, i + wid};
  };
  auto int_from_arg = [&](int an, int* num, bool* is_int) -> int {
    *num = 0;
    *is_int = false;
    if (an < nargs) {
      const Value& v = a[static_cast<size_t>(an)];
      if (v.kind == Kind::kInt || v.kind == Kind::kInt64 || v.kind == Kind::kUint8) {
        *num = static_cast<int>(v.i);
        *is_int = true;
        if (TooLarge(v.i)) {
          *num = 0;
          *is_int = false;
        }
      }
      return an + 1;
    }
    return an;
  };

  size_t i = 0;
  while (i < end) {
    good_arg_num = true;
    size_t lasti = i;
    while (i < end && format[i] != '%') i++;
    if (i > lasti) p.buf += format.substr(lasti, i - lasti);
    if (i >= end) break;
    i++;
    p.f = Flags{};
    bool simple_done = false;
    for (; i < end; i++) {
      char c = format[i];
      if (c == '#') {
        p.f.sharp = true;
      } else if (c == '0') {
        p.f.zero = true;
      } else if (c == '+') {
        p.f.plus = true;
      } else if (c == '-') {
        p.f.minus = true;
      } else if (c == ' ') {
        p.f.space = true;
      } else {
        if ('a' <= c && c <= 'z' && arg_num < nargs) {
          if (c == 'v') {
            p.f.sharp_v = p.f.sharp;
            p.f.sharp = false;
            p.f.plus_v = p.f.plus;
            p.f.plus = false;
          }
          if (p.f.minus) p.f.zero = false;
          p.PrintArg(a[static_cast<size_t>(arg_num)], static_cast<char32_t>(c));
          arg_num++;
          i++;
          simple_done = true;
        }
        break;
      }
    }
    if (simple_done) continue;
    if (p.f.minus) p.f.zero = false;

    std::tie(arg_num, i) = arg_number(arg_num, i, &after_index);

    if (i < end && format[i] == '*') {
      i++;
      arg_num = int_from_arg(arg_num, &p.f.wid, &p.f.wid_present);
      if (!p.f.wid_present) p.buf += "%!(BADWIDTH)";
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid;
        p.f.minus = true;
        p.f.zero = false;
      }
      after_index = false;
    } else {
      size_t ni;
      ParseNum(format, i, end, &p.f.wid, &p.f.wid_present, &ni);
      i = ni;
      if (after_index && p.f.wid_present) good_arg_num = false;
    }

    if (i + 1 < end && format[i] == '.') {
      i++;
      if (after_index) good_arg_num = false;
      std::tie(arg_num, i) = arg_number(arg_num, i, &after_index);
      if (i < end && format[i] == '*') {
        i++;
        arg_num = int_from_arg(arg_num, &p.f.prec, &p.f.prec_present);
        if (p.f.prec < 0) {
          p.f.prec = 0;
          p.f.prec_present = false;
        }
        if (!p.f.prec_present) p.buf += "%!(BADPREC)";
        after_index = false;
      } else {
        size_t ni;
        ParseNum(format, i, end, &p.f.prec, &p.f.prec_present, &ni);
        i = ni;
        if (!p.f.prec_present) {
          p.f.prec = 0;
          p.f.prec_present = true;
        }
      }
    }

    if (!after_index) std::tie(arg_num, i) = arg_number(arg_num, i, &after_index);

    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }

    char32_t verb = static_cast<unsigned char>(format[i]);
    size_t size = 1;
    if (verb >= 0x80) size = static_cast<size_t>(model::DecodeRune(format.substr(i), &verb));
    i += size;

    if (verb == '%') {
      p.buf += '%';
    } else if (!good_arg_num) {
      p.buf += "%!";
      model::AppendRune(&p.buf, verb);
      p.buf += "(BADINDEX)";
    } else if (arg_num >= nargs) {
      p.buf += "%!";
      model::AppendRune(&p.buf, verb);
      p.buf += "(MISSING)";
    } else {
      if (verb == 'v') {
        p.f.sharp_v = p.f.sharp;
        p.f.sharp = false;
        p.f.plus_v = p.f.plus;
        p.f.plus = false;
      }
      p.PrintArg(a[static_cast<size_t>(arg_num)], verb);
      arg_num++;
    }
  }
  if (!reordered && arg_num < nargs) {
    p.f = Flags{};
    p.buf += "%!(EXTRA ";
    for (int j = arg_num; j < nargs; j++) {
      if (j > arg_num) p.buf += ", ";
      const Value& v = a[static_cast<size_t>(j)];
      if (v.kind == Kind::kInvalid) {
        p.buf += "<nil>";
      } else {
        p.buf += TypeName(v);
        p.buf += '=';
        p.PrintArg(v, 'v');
      }
    }
    p.buf += ')';
  }
  return p.buf;
}

std::string GoFormatG4(double v) {
  Printer p;
  p.f.prec = 4;
  p.f.prec_present = true;
  p.FmtFloat(v, 'g');
  return p.buf;
}

std::string GoTimeString(int64_t unix_ns) {
  int64_t sec = unix_ns / 1000000000;
  int64_t nsec = unix_ns % 1000000000;
  if (nsec < 0) {
    nsec += 1000000000;
    sec--;
  }
  model::CivilTime t = model::CivilFromUnixSeconds(sec);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d %02d:%02d:%02d", static_cast<long long>(t.date.year),
                t.date.month, t.date.day, t.hour, t.minute, t.second);
  std::string out = buf;
  if (nsec != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nsec));
    std::string fs = frac;
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  out += " +0000 UTC";
  return out;
}

namespace {

// time.Time.GoString of a UTC time: "time.Date(2023, time.November, 14, 22, 13, 20, 0, time.UTC)".
std::string GoTimeGoString(int64_t ns) {
  static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  int64_t sec = ns / 1000000000, nsec = ns % 1000000000;
  if (nsec < 0) {
    nsec += 1000000000;
    sec--;
  }
  model::CivilTime t = model::CivilFromUnixSeconds(sec);
  return "time.Date(" + std::to_string(t.date.year) + ", time." + kMonths[t.date.month - 1] + ", " +
         std::to_string(t.date.day) + ", " + std::to_string(t.hour) + ", " + std::to_string(t.minute) + ", " +
         std::to_string(t.second) + ", " + std::to_string(nsec) + ", time.UTC)";
}

}  // namespace

std::string GoQuoteRunes(std::string_view s, int max_runes) {
  size_t i = 0;
  int n = 0;
  while (i < s.size() && n < max_runes) {
    char32_t r;
    i += static_cast<size_t>(model::DecodeRune(s.substr(i), &r));
    n++;
  }
  return model::GoQuote(s.substr(0, i));
}

}  // namespace promref::tmpl::internal
