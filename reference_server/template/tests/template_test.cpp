// Template expansion against Prometheus 3.16: every expected output and error text in the
// oracle table below was produced by Prometheus' own template.NewTemplateExpander(...).Expand()
// on the same data (see Fixture()), not written by hand.
#include "template/template.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace promref::tmpl {
namespace {

struct OracleCase {
  const char* text;
  bool alert;  // the alerting rule's variable prefix is prepended, the template is "__alert_X"
  const char* want;
  const char* want_error;  // nullptr: no error
};

// The data the oracle ran with.
Data FixtureData() {
  Data d;
  d.labels = {{"instance", "host1:9100"}, {"job", "node"}, {"severity", "critical"}};
  d.external_labels = {{"cluster", "eu1"}};
  d.external_url = "http://prom.example.com:9090/prefix";
  d.value = 1234.5678;
  return d;
}

ExpandOptions FixtureOptions() {
  ExpandOptions o;
  o.timestamp_ms = 1700000000123;
  o.external_url = "http://prom.example.com:9090/prefix";
  o.query = [](const std::string& q) -> Result<std::vector<QuerySample>> {
    if (q == "up") {
      return std::vector<QuerySample>{
          {model::Labels{{"__name__", "up"}, {"job", "b"}, {"instance", "i2"}}, 1},
          {model::Labels{{"__name__", "up"}, {"job", "a"}, {"instance", "i1"}}, 0},
          {model::Labels{{"__name__", "up"}, {"job", "c"}, {"instance", "i3"}}, 0.5},
      };
    }
    if (q == "empty") return std::vector<QuerySample>{};
    if (q == "scalar") return std::vector<QuerySample>{{model::Labels{{"__value__", "42"}}, 42}};
    return Error(ErrorKind::kExecution, "query error: " + q);
  };
  return o;
}

const OracleCase kOracleCases[] = {
    // BEGIN ORACLE CASES (generated from Prometheus 3.16's template.Expander)
    {"hello world", false, "hello world", nullptr},
    {"", false, "", nullptr},
    {"{{.}}", false,
     "{map[instance:host1:9100 job:node severity:critical] map[cluster:eu1] "
     "http://prom.example.com:9090/prefix 1234.5678}",
     nullptr},
    {"{{.Labels}}", false, "map[instance:host1:9100 job:node severity:critical]", nullptr},
    {"{{.Labels.job}} {{.Labels.missing}}|", false, "node |", nullptr},
    {"{{.ExternalLabels.cluster}} {{.ExternalURL}} {{.Value}}", false,
     "eu1 http://prom.example.com:9090/prefix 1234.5678", nullptr},
    {"{{$labels.instance}} {{$externalLabels.cluster}} {{$externalURL}} {{$value}}", true,
     "host1:9100 eu1 http://prom.example.com:9090/prefix 1234.5678", nullptr},
    {"{{ .Value | printf \"%.2f\" }}", false, "1234.57", nullptr},
    {"{{ $value | humanize }}", true, "1.235k", nullptr},
    {"{{.NoSuch}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <.NoSuch>: can't evaluate field NoSuch "
     "in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value "
     "interface {} }"},
    {"{{.Labels.job.foo}}", false, "",
     "error executing template t: template: t:1:9: executing \"t\" at <.Labels.job.foo>: can't evaluate "
     "field foo in type string"},
    {"{{.Value.foo}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <.Value.foo>: can't evaluate field foo "
     "in type interface {}"},
    {"{{.ExternalURL.foo}}", false, "",
     "error executing template t: template: t:1:14: executing \"t\" at <.ExternalURL.foo>: can't evaluate "
     "field foo in type string"},
    {"{{.Labels.job 1}}", false, "",
     "error executing template t: template: t:1:9: executing \"t\" at <.Labels.job>: job is not a method but "
     "has arguments"},
    {"{{.Value 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <.Value>: Value has arguments but "
     "cannot be invoked as function"},
    {"{{$}}", false,
     "{map[instance:host1:9100 job:node severity:critical] map[cluster:eu1] "
     "http://prom.example.com:9090/prefix 1234.5678}",
     nullptr},
    {"{{$.Labels.job}}", false, "node", nullptr},
    {"{{1}} {{-1}} {{1.5}} {{1e3}} {{0x1F}} {{0o17}} {{0b101}} {{1_000}} {{'a'}} {{'\\n'}} {{true}} "
     "{{false}}",
     false, "1 -1 1.5 1000 31 15 5 1000 97 10 true false", nullptr},
    {"{{\"str\"}} {{`raw`}} {{\"esc\\t\\u00e9\\x41\"}}", false, "str raw esc\t\303\251A", nullptr},
    {"{{1i}} {{1+2i}} {{0x1p-2}} {{.5}} {{-.5}} {{+3}}", false, "(0+1i) (1+2i) 0.25 0.5 -0.5 3", nullptr},
    {"{{1e100}} {{123456789012345678}} {{1.0}} {{100000000000000000000.0}}", false,
     "1e+100 123456789012345678 1 1e+20", nullptr},
    {"{{99999999999999999999}}", false, "",
     "error parsing template t: template: t:1: integer overflow: \"99999999999999999999\""},
    {"{{18446744073709551615}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <18446744073709551615>: "
     "18446744073709551615 overflows int"},
    {"{{nil}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <nil>: nil is not a command"},
    {"{{'ab'}}", false, "", "error parsing template t: template: t:1: malformed character constant: 'ab'"},
    {"{{''}}", false, "", "error parsing template t: template: t:1: invalid syntax"},
    {"{{0x}}", false, "", "error parsing template t: template: t:1: illegal number syntax: \"0x\""},
    {"{{1a}}", false, "", "error parsing template t: template: t:1: bad number syntax: \"1a\""},
    {"{{\"\\q\"}}", false, "", "error parsing template t: template: t:1: invalid syntax"},
    {"{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}", false, "12", nullptr},
    {"{{$x := \"a\"}}{{if true}}{{$x = \"b\"}}{{end}}{{$x}}", false, "b", nullptr},
    {"{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", false, "21", nullptr},
    {"{{$y}}", false, "", "error parsing template t: template: t:1: undefined variable \"$y\""},
    {"{{$x = 1}}", false, "",
     "error executing template t: template: t:1:7: executing \"t\" at <1>: undefined variable: $x"},
    {"{{if true}}{{$z := 1}}{{end}}{{$z}}", false, "",
     "error parsing template t: template: t:1: undefined variable \"$z\""},
    {"{{$a, $b := 1}}", false, "",
     "error parsing template t: template: t:1: too many declarations in command"},
    {"{{if .Value}}yes{{else}}no{{end}}", false, "yes", nullptr},
    {"{{if 0}}a{{else if \"\"}}b{{else if .Labels}}c{{else}}d{{end}}", false, "c", nullptr},
    {"{{if and 1 0}}a{{else}}b{{end}} {{and 1 2}} {{and 0 2}} {{or 0 \"\"}} {{or 0 3}} {{not 0}} {{not 1}}",
     false, "b 2 0  3 true false", nullptr},
    {"{{if .Labels.missing}}a{{else}}empty{{end}}", false, "empty", nullptr},
    {"{{if gt $value 100.0}}big{{end}}", true, "big", nullptr},
    {"{{if gt $value 100}}big{{end}}", true, "",
     "error executing template __alert_X: template: __alert_X:1:117: executing \"__alert_X\" at <gt $value "
     "100>: error calling gt: incompatible types for comparison: float64 and int"},
    {"{{if eq .Labels.job \"node\"}}n{{end}}{{if ne .Labels.job \"x\"}}!x{{end}}", false, "n!x", nullptr},
    {"{{if}}x{{end}}", false, "", "error parsing template t: template: t:1: missing value for if"},
    {"{{if 1}}x", false, "", "error parsing template t: template: t:1: unexpected EOF"},
    {"{{else}}", false, "", "error parsing template t: template: t:1: unexpected {{else}}"},
    {"{{end}}", false, "", "error parsing template t: template: t:1: unexpected {{end}}"},
    {"{{if 1}}a{{else}}b{{else}}c{{end}}", false, "",
     "error parsing template t: template: t:1: expected end; found {{else}}"},
    {"{{with .Labels.job}}[{{.}}]{{end}}{{with .Labels.missing}}[{{.}}]{{else}}none{{end}}", false,
     "[node]none", nullptr},
    {"{{with $x := .Labels.job}}{{$x}}{{end}}", false, "node", nullptr},
    {"{{with 0}}a{{else with 1}}b{{.}}{{end}}", false, "b1", nullptr},
    {"{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", false,
     "instance=host1:9100;job=node;severity=critical;", nullptr},
    {"{{range .Labels}}{{.}},{{end}}", false, "host1:9100,node,critical,", nullptr},
    {"{{range $v := .Labels}}{{$v}},{{end}}", false, "host1:9100,node,critical,", nullptr},
    {"{{range 3}}{{.}}{{end}}", false, "012", nullptr},
    {"{{range $i := 3}}{{$i}}{{end}}", false, "012", nullptr},
    {"{{range $i, $v := 3}}{{end}}", false, "",
     "error executing template t: template: t:1:18: executing \"t\" at <3>: can't use 3 to iterate over more "
     "than one variable"},
    {"{{range 0}}x{{else}}none{{end}}", false, "none", nullptr},
    {"{{range .ExternalURL}}{{.}}{{end}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <.ExternalURL>: range can't iterate "
     "over http://prom.example.com:9090/prefix"},
    {"{{range 1.5}}{{.}}{{end}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <1.5>: range can't iterate over 1.5"},
    {"{{range query \"up\"}}{{.Labels.job}}={{.Value}} {{end}}", false, "b=1 a=0 c=0.5 ", nullptr},
    {"{{range $i, $s := query \"up\"}}{{$i}}:{{$s.Labels.instance}} {{end}}", false, "0:i2 1:i1 2:i3 ",
     nullptr},
    {"{{range query \"empty\"}}x{{else}}no results{{end}}", false, "no results", nullptr},
    {"{{range $i := 10}}{{if eq $i 2}}{{continue}}{{end}}{{if eq $i 5}}{{break}}{{end}}{{$i}}{{end}}", false,
     "0134", nullptr},
    {"{{break}}", false, "", "error parsing template t: template: t:1: {{break}} outside {{range}}"},
    {"{{continue}}", false, "", "error parsing template t: template: t:1: {{continue}} outside {{range}}"},
    {"{{range $k, $v, $w := .Labels}}{{end}}", false, "",
     "error parsing template t: template: t:1: too many declarations in range"},
    {"{{range $k, 1 := .Labels}}{{end}}", false, "",
     "error parsing template t: template: t:1: range can only initialize variables"},
    {"{{$i := 0}}{{range $i = 3}}{{$i}}{{end}}{{$i}}", false, "0122", nullptr},
    {"{{$k := \"\"}}{{$v := \"\"}}{{range $k, $v = .Labels}}{{end}}{{$k}}={{$v}}", false, "severity=critical",
     nullptr},
    {"{{define \"x\"}}X{{.}}X{{end}}{{template \"x\" 5}}", false, "X5X", nullptr},
    {"{{define \"x\"}}X{{end}}{{template \"x\"}}{{template \"x\" .}}", false, "XX", nullptr},
    {"{{template \"nope\"}}", false, "",
     "error executing template t: template: t:1:11: executing \"t\" at <{{template \"nope\"}}>: template "
     "\"nope\" not defined"},
    {"{{block \"b\" .Labels.job}}[{{.}}]{{end}}", false, "[node]", nullptr},
    {"{{define \"r\"}}{{if gt . 0}}{{.}}{{template \"r\" (len (slice \"xxxxxxxxxx\" 1 "
     ".))}}{{end}}{{end}}{{template \"r\" 5}}",
     false, "54321", nullptr},
    {"{{define \"loop\"}}{{template \"loop\"}}{{end}}{{template \"loop\"}}", false, "",
     "error executing template t: template: t:1:28: executing \"loop\" at <{{template \"loop\"}}>: exceeded "
     "maximum template depth (100000)"},
    {"{{define \"a\"}}1{{end}}{{define \"a\"}}2{{end}}", false, "",
     "error parsing template t: template: t:1: template: multiple definition of template \"a\""},
    {"{{define \"a\"}}{{end}}{{define \"a\"}}2{{end}}{{template \"a\"}}", false, "2", nullptr},
    {"{{define \"t\"}}body{{end}}", false, "body", nullptr},
    {"{{define \"t\"}}body{{end}}main", false, "",
     "error parsing template t: template: t:1: template: multiple definition of template \"t\""},
    {"{{define \"x\"}}{{$y}}{{end}}", false, "",
     "error parsing template t: template: t:1: undefined variable \"$y\""},
    {"{{define \"x\"}}{{.Foo}}{{end}}{{template \"x\" .}}", false, "",
     "error executing template t: template: t:1:16: executing \"x\" at <.Foo>: can't evaluate field Foo in "
     "type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value "
     "interface {} }"},
    {"{{define 1}}{{end}}", false, "",
     "error parsing template t: template: t:1: unexpected \"1\" in define clause"},
    {"{{template x}}", false, "",
     "error parsing template t: template: t:1: unexpected \"x\" in template clause"},
    {"{{define \"x\"}}", false, "", "error parsing template t: template: t:1: unexpected EOF"},
    {"a  {{- 1 -}}  b", false, "a1b", nullptr},
    {"a \n {{- /* comment */ -}} \n b", false, "ab", nullptr},
    {"a{{/* comment */}}b", false, "ab", nullptr},
    {"{{/* unclosed", false, "", "error parsing template t: template: t:1: unclosed comment"},
    {"{{/* x */ 1}}", false, "",
     "error parsing template t: template: t:1: comment ends before closing delimiter"},
    {"{{- 3}} {{3 -}} x", false, "3 3x", nullptr},
    {"{{-3}}", false, "-3", nullptr},
    {"{{ 3 -}}\n\n  x", false, "3x", nullptr},
    {"{{ \"abc\" | toUpper | printf \"%s!\" }}", false, "ABC!", nullptr},
    {"{{ 1 | 2 }}", false, "",
     "error parsing template t: template: t:1: non executable command in pipeline stage 2"},
    {"{{ . | .Labels }}", false, "",
     "error executing template t: template: t:1:7: executing \"t\" at <.Labels>: Labels has arguments but "
     "cannot be invoked as function"},
    {"{{ \"x\" | len }}", false, "1", nullptr},
    {"{{ (1) 2 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <(1) 2>: can't give argument to "
     "non-function 1"},
    {"{{ (printf \"%d\" 3).foo }}", false, "",
     "error executing template t: template: t:1:16: executing \"t\" at <3>: can't evaluate field foo in type "
     "string"},
    {"{{ (query \"up\" | first).Labels.job }}", false, "b", nullptr},
    {"{{ nil.foo }}", false, "", "error parsing template t: template: t:1: unexpected . after term \"nil\""},
    {"{{ 1.foo }}", false, "", "error parsing template t: template: t:1: bad number syntax: \"1.f\""},
    {"{{ printf \"%s-%s\" \"a\" (printf \"%d\" 2) }}", false, "a-2", nullptr},
    {"{{ $x := \"v\" }}{{ $x | printf \"%s\" }}", false, "v", nullptr},
    {"{{ print 1 2 \"a\" \"b\" 3 nil }}", false, "1 2ab3 <nil>", nullptr},
    {"{{ println 1 \"a\" }}", false, "1 a\n", nullptr},
    {"{{eq 1 1}} {{eq 1 2 1}} {{eq \"a\" \"a\"}} {{eq 1.5 1.5}} {{eq true true}} {{ne 1 2}} {{lt 1 2}} {{le "
     "2 2}} {{gt \"b\" \"a\"}} {{ge 1.0 2.0}}",
     false, "true true true true true true true true true false", nullptr},
    {"{{eq 1 \"a\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <eq 1 \"a\">: error calling eq: "
     "incompatible types for comparison: int and string"},
    {"{{eq $value 1234.5678}}", true, "true", nullptr},
    {"{{eq $value 1}}", true, "",
     "error executing template __alert_X: template: __alert_X:1:114: executing \"__alert_X\" at <eq $value "
     "1>: error calling eq: incompatible types for comparison: float64 and int"},
    {"{{lt 1 1.5}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <lt 1 1.5>: error calling lt: "
     "incompatible types for comparison: int and float64"},
    {"{{lt true false}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <lt true false>: error calling lt: "
     "invalid type for comparison"},
    {"{{eq .Labels .Labels}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <eq .Labels .Labels>: error calling "
     "eq: non-comparable type map[instance:host1:9100 job:node severity:critical]: map[string]string"},
    {"{{eq nil nil}}", false, "true", nullptr},
    {"{{eq 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <eq 1>: error calling eq: missing "
     "argument for comparison"},
    {"{{lt .Labels 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <lt .Labels 1>: error calling lt: "
     "invalid type for comparison"},
    {"{{eq .Labels 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <eq .Labels 1>: error calling eq: "
     "incompatible types for comparison: map[string]string and int"},
    {"{{eq nil 1}}", false, "false", nullptr},
    {"{{eq (query \"up\") nil}}", false, "false", nullptr},
    {"{{eq 1i 1i}} {{lt 1i 2i}}", false, "",
     "error executing template t: template: t:1:15: executing \"t\" at <lt 1i 2i>: error calling lt: invalid "
     "type for comparison"},
    {"{{len .Labels}} {{len \"abc\"}} {{len (query \"up\")}}", false, "3 3 3", nullptr},
    {"{{len 3}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <len 3>: error calling len: len of "
     "type int"},
    {"{{len nil}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <len nil>: error calling len: reflect: "
     "call of reflect.Value.Type on zero Value"},
    {"{{index .Labels \"job\"}} {{index .Labels \"nope\"}}| {{index \"abc\" 1}} {{(index (query \"up\") "
     "1).Labels.job}}",
     false, "node | 98 a", nullptr},
    {"{{index \"abc\" 5}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index \"abc\" 5>: error calling "
     "index: index out of range: 5"},
    {"{{index \"abc\" 3}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index \"abc\" 3>: error calling "
     "index: reflect: string index out of range"},
    {"{{index (query \"up\") 3}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index (query \"up\") 3>: error "
     "calling index: reflect: slice index out of range"},
    {"{{index .Labels 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index .Labels 1>: error calling "
     "index: value has type int; should be string"},
    {"{{index 1 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index 1 1>: error calling index: "
     "can't index item of type int"},
    {"{{index nil 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index nil 1>: error calling index: "
     "index of untyped nil"},
    {"{{index \"abc\" \"x\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index \"abc\" \"x\">: error calling "
     "index: cannot index slice/array with type string"},
    {"{{index \"abc\" nil}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index \"abc\" nil>: error calling "
     "index: cannot index slice/array with nil"},
    {"{{index .Labels}}", false, "map[instance:host1:9100 job:node severity:critical]", nullptr},
    {"{{slice \"abcdef\" 1 3}} {{slice \"abc\"}} {{slice \"abc\" 1}} {{len (slice (query \"up\") 1)}}", false,
     "bc abc bc 2", nullptr},
    {"{{slice \"abc\" 2 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <slice \"abc\" 2 1>: error calling "
     "slice: invalid slice index: 2 > 1"},
    {"{{slice \"abc\" 1 2 3}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <slice \"abc\" 1 2 3>: error calling "
     "slice: cannot 3-index slice a string"},
    {"{{slice \"abc\" 1 5}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <slice \"abc\" 1 5>: error calling "
     "slice: index out of range: 5"},
    {"{{slice 1 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <slice 1 1>: error calling slice: "
     "can't slice item of type int"},
    {"{{slice \"a\" 1 1 1 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <slice \"a\" 1 1 1 1>: error calling "
     "slice: too many slice indexes: 4"},
    {"{{printf \"%d %5d %-5d| %05d %x %X %o %b %c %q %U\" 42 42 42 42 255 255 8 5 65 65 65}}", false,
     "42    42 42   | 00042 ff FF 10 101 A 'A' U+0041", nullptr},
    {"{{printf \"%f %.2f %8.3f %-8.1f| %e %E %g %G %.3g %v\" 3.14159 3.14159 3.14159 3.14159 1234.5678 "
     "1234.5678 1234.5678 0.000012345 1234.5678 1e21}}",
     false, "3.141590 3.14    3.142 3.1     | 1.234568e+03 1.234568E+03 1234.5678 1.2345E-05 1.23e+03 1e+21",
     nullptr},
    {"{{printf \"%s %q %v %10s|%-10s| %.2s %x % x %X\" \"abc\" \"a\\\"b\" \"v\" \"r\" \"l\" \"abc\" \"hi\" "
     "\"hi\" \"hi\"}}",
     false, "abc \"a\\\"b\" v          r|l         | ab 6869 68 69 6869", nullptr},
    {"{{printf \"%t %v\" true false}}", false, "true false", nullptr},
    {"{{printf \"%d\" \"s\"}} {{printf \"%s\" 1}} {{printf \"%d\" 1.5}} {{printf \"%z\" 1}}", false,
     "%!d(string=s) %!s(int=1) %!d(float64=1.5) %!z(int=1)", nullptr},
    {"{{printf \"%d %d\" 1}} {{printf \"%d\" 1 2 \"x\"}} {{printf \"%\"}} {{printf \"%!\"}}", false,
     "1 %!d(MISSING) 1%!(EXTRA int=2, string=x) %!(NOVERB) %!!(MISSING)", nullptr},
    {"{{printf \"%[2]d %[1]d\" 1 2}} {{printf \"%[3]d\" 1}} {{printf \"%*d|%-*d\" 5 1 3 2}} {{printf "
     "\"%.*f\" 2 3.14159}}",
     false, "2 1 %!d(BADINDEX)     1|2   3.14", nullptr},
    {"{{printf \"%v %v %v\" .Labels $ nil}}", false,
     "map[instance:host1:9100 job:node severity:critical] {map[instance:host1:9100 job:node "
     "severity:critical] map[cluster:eu1] http://prom.example.com:9090/prefix 1234.5678} <nil>",
     nullptr},
    {"{{printf \"%T %T %T %T %T %T\" 1 1.5 \"s\" .Labels nil true}}", false,
     "int float64 string map[string]string <nil> bool", nullptr},
    {"{{printf \"%+d %+.1f % d %#x %#o %#v %+v\" 5 2.5 5 255 8 \"s\" 1}}", false,
     "+5 +2.5  5 0xff 010 \"s\" 1", nullptr},
    {"{{printf \"%6.2f|%-8.3e|%08.3f|%+08d|%x\" -3.14159 1234.5 -3.5 -42 -255}}", false,
     " -3.14|1.234e+03|-003.500|-0000042|-ff", nullptr},
    {"{{printf \"%v %.3v %g %g %g %g\" 1e-7 3.14159 100000.0 1000000.0 1e-4 1e-5}}", false,
     "1e-07 3.14 100000 1e+06 0.0001 1e-05", nullptr},
    {"{{printf \"%f %v %e\" 0.0 -0.0 0.0}}", false, "0.000000 -0 0.000000e+00", nullptr},
    {"{{printf \"%5.1f%%\" 99.5}}", false, " 99.5%", nullptr},
    {"{{printf \"%s\" (toTime 1700000000)}} {{printf \"%v\" (toDuration 90)}}", false,
     "2023-11-14 22:13:20 +0000 UTC 1m30s", nullptr},
    {"{{printf \"%99999999d\" 1}}", false, "%!(NOVERB)%!(EXTRA int=1)", nullptr},
    {"{{printf \"%.0f %.0f %.0f %.1f\" 0.5 1.5 2.5 0.05}}", false, "0 2 2 0.1", nullptr},
    {"{{printf \"%x %X %.2x\" 3.5 \"\" \"abcdef\"}}", false, "0x1.cp+01  6162", nullptr},
    {"{{printf \"%5t|%-7v|%q\" true nil 1.5}}", false, " true|<nil>  |%!q(float64=1.5)", nullptr},
    {"{{printf \"%d\" $value}}", true, "%!d(float64=1234.5678)", nullptr},
    {"{{printf 1}}", false, "",
     "error executing template t: template: t:1:9: executing \"t\" at <1>: expected string; found 1"},
    {"{{printf}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <printf>: wrong number of args for "
     "printf: want at least 1 got 0"},
    {"{{printf \"%v\" (query \"up\" | first)}}", false, "&{map[__name__:up instance:i2 job:b] 1}", nullptr},
    {"{{printf \"%v\" (args 1 \"a\" nil)}}", false, "map[arg0:1 arg1:a arg2:<nil>]", nullptr},
    {"{{printf \"%s %d\" .Labels .Labels}}", false,
     "map[instance:host1:9100 job:node severity:critical] map[%!d(string=instance):%!d(string=host1:9100) "
     "%!d(string=job):%!d(string=node) %!d(string=severity):%!d(string=critical)]",
     nullptr},
    {"{{html \"<a href='x'>&\\\"\"}} {{js \"a'b\\\"c<d>=&\\\\ \\u00e9\\x01\"}} {{urlquery \"a "
     "b&c=d/\303\251\"}}",
     false,
     "&lt;a href=&#39;x&#39;&gt;&amp;&#34; a\\'b\\\"c\\u003Cd\\u003E\\u003D\\u0026\\\\ \303\251\\u0001 "
     "a+b%26c%3Dd%2F%C3%A9",
     nullptr},
    {"{{html 1 2 \"x\" nil}} {{js 1.5}} {{urlquery .Labels}}", false,
     "1 2x&lt;no value&gt; 1.5 map%5Binstance%3Ahost1%3A9100+job%3Anode+severity%3Acritical%5D", nullptr},
    {"{{html (query \"up\" | first)}}", false, "{map[__name__:up instance:i2 job:b] 1}", nullptr},
    {"{{call 1}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <call 1>: error calling call: "
     "non-function 1 of type int"},
    {"{{call nil}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <call nil>: error calling call: call "
     "of nil"},
    {"{{call .Labels.job}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <call .Labels.job>: error calling "
     "call: non-function .Labels.job of type string"},
    {"{{humanize 1234567}} {{humanize 0.001234}} {{humanize 0}} {{humanize -1234.5}} {{humanize 1e30}} "
     "{{humanize 1e-30}} {{humanize \"12345\"}} {{humanize 999.99}} {{humanize 1000}}",
     false, "1.235M 1.234m 0 -1.234k 1e+06Y 1e-06y 12.35k 1000 1k", nullptr},
    {"{{humanize \"x\"}}", true, "",
     "error executing template __alert_X: template: __alert_X:1:114: executing \"__alert_X\" at <humanize "
     "\"x\">: error calling humanize: strconv.ParseFloat: parsing \"x\": invalid syntax"},
    {"{{humanize \"1e400\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <humanize \"1e400\">: error calling "
     "humanize: strconv.ParseFloat: parsing \"1e400\": value out of range"},
    {"{{humanize .Labels}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <humanize .Labels>: error calling "
     "humanize: can't convert map[string]string to float"},
    {"{{humanize nil}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <humanize nil>: error calling "
     "humanize: can't convert <nil> to float"},
    {"{{humanize 1.0e-100}} {{humanize 123456789012345678}} {{humanize \"NaN\"}} {{humanize \"-Inf\"}} "
     "{{humanize \"+Inf\"}}",
     false, "1e-76y 123.5P NaN -Inf +Inf", nullptr},
    {"{{humanize1024 1024}} {{humanize1024 1048576}} {{humanize1024 1}} {{humanize1024 0.5}} {{humanize1024 "
     "-2048}} {{humanize1024 1e30}} {{humanize1024 \"NaN\"}}",
     false, "1ki 1Mi 1 0.5 -2ki 8.272e+05Yi NaN", nullptr},
    {"{{humanizeDuration 0}} {{humanizeDuration 1}} {{humanizeDuration 60}} {{humanizeDuration 3600}} "
     "{{humanizeDuration 86400}} {{humanizeDuration 90061}} {{humanizeDuration -90061}} {{humanizeDuration "
     "1.2345}} {{humanizeDuration 0.1}} {{humanizeDuration 0.0001}} {{humanizeDuration 12.345}} "
     "{{humanizeDuration \"NaN\"}} {{humanizeDuration 1e-12}}",
     false, "0s 1s 1m 0s 1h 0m 0s 1d 0h 0m 0s 1d 1h 1m 1s -1d 1h 1m 1s 1.234s 100ms 100us 12.35s NaN 1ps",
     nullptr},
    {"{{humanizePercentage 0.1234}} {{humanizePercentage 1}} {{humanizePercentage 0}} {{humanizePercentage "
     "\"0.5\"}} {{humanizePercentage 1.23456}}",
     false, "12.34% 100% 0% 50% 123.5%", nullptr},
    {"{{humanizeTimestamp 0}} {{humanizeTimestamp 1435065584.128}} {{humanizeTimestamp \"1435065584.128\"}} "
     "{{humanizeTimestamp -1}} {{humanizeTimestamp \"NaN\"}} {{humanizeTimestamp \"+Inf\"}} "
     "{{humanizeTimestamp 1.5}}",
     false,
     "1970-01-01 00:00:00 +0000 UTC 2015-06-23 13:19:44.128 +0000 UTC 2015-06-23 13:19:44.128 +0000 UTC "
     "1969-12-31 23:59:59 +0000 UTC NaN +Inf 1970-01-01 00:00:01.5 +0000 UTC",
     nullptr},
    {"{{humanizeTimestamp 1e20}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <humanizeTimestamp 1e20>: error "
     "calling humanizeTimestamp: 1e+20 cannot be represented as a nanoseconds timestamp since it overflows "
     "int64"},
    {"{{humanizeTimestamp $value}}", true, "1970-01-01 00:20:34.567 +0000 UTC", nullptr},
    {"{{toTime 1700000000.5}} {{(toTime 1700000000).Unix}} {{toTime \"0\"}}", false,
     "2023-11-14 22:13:20.5 +0000 UTC 1700000000 1970-01-01 00:00:00 +0000 UTC", nullptr},
    {"{{toTime \"NaN\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <toTime \"NaN\">: error calling "
     "toTime: value is NaN or Inf"},
    {"{{toTime 1e300}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <toTime 1e300>: error calling toTime: "
     "1e+300 cannot be represented as a nanoseconds timestamp since it overflows int64"},
    {"{{toDuration 90}} {{toDuration 1.5}} {{toDuration 0.001}} {{toDuration -3600}} {{(toDuration "
     "90).Seconds}} {{(toDuration 5400).Hours}} {{(toDuration 90).Minutes}}",
     false, "1m30s 1.5s 1ms -1h0m0s 90 1.5 1.5", nullptr},
    {"{{(toDuration 90).Milliseconds}} {{(toDuration 90).String}} {{(toTime 1700000000.123).UnixMilli}} "
     "{{(toTime 1700000000).Year}}",
     false, "90000 1m30s 1700000000122 2023", nullptr},
    {"{{now}} {{now | humanizeTimestamp}}", false, "1.700000000123e+09 2023-11-14 22:13:20.122 +0000 UTC",
     nullptr},
    {"{{pathPrefix}} {{externalURL}}", false, "/prefix http://prom.example.com:9090/prefix", nullptr},
    {"{{parseDuration \"1h30m\"}} {{parseDuration \"-5m\"}} {{parseDuration \"1.5s\"}}", false, "",
     "error executing template t: template: t:1:52: executing \"t\" at <parseDuration \"1.5s\">: error "
     "calling parseDuration: unknown unit \".\" in duration \"1.5s\""},
    {"{{parseDuration \"1x\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <parseDuration \"1x\">: error calling "
     "parseDuration: unknown unit \"x\" in duration \"1x\""},
    {"{{parseDuration \"\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <parseDuration \"\">: error calling "
     "parseDuration: empty duration string"},
    {"{{parseDuration \"-\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <parseDuration \"-\">: error calling "
     "parseDuration: empty duration string"},
    {"{{urlQueryEscape \"a b/c?d=e&f\"}} {{graphLink \"rate(x[5m])\"}} {{tableLink \"up == 0\"}}", false,
     "a+b%2Fc%3Fd%3De%26f /graph?g0.expr=rate%28x%5B5m%5D%29&g0.tab=0 /graph?g0.expr=up+%3D%3D+0&g0.tab=1",
     nullptr},
    {"{{toUpper \"abc\303\251\"}} {{toLower \"ABC\303\211\"}} {{title \"hello world foo-bar don't x_y a.b "
     "1st\"}}",
     false, "ABC\303\211 abc\303\251 Hello World Foo-Bar Don't X_y A.b 1St", nullptr},
    {"{{title \"hELLO wORLD\"}} {{title \"\303\251lan vital\"}} {{title \"\"}} {{title \"a  b\\tc\\nd\"}}",
     false, "HELLO WORLD \303\211lan Vital  A  B\tC\nD", nullptr},
    {"{{toUpper 1}}", false, "",
     "error executing template t: template: t:1:10: executing \"t\" at <1>: expected string; found 1"},
    {"{{toUpper .Value}}", false, "",
     "error executing template t: template: t:1:10: executing \"t\" at <.Value>: wrong type for value; "
     "expected string; got float64"},
    {"{{toUpper nil}}", false, "",
     "error executing template t: template: t:1:10: executing \"t\" at <nil>: cannot assign nil to string"},
    {"{{toUpper}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <toUpper>: wrong number of args for "
     "toUpper: want 1 got 0"},
    {"{{toUpper \"a\" \"b\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <toUpper>: wrong number of args for "
     "toUpper: want 1 got 2"},
    {"{{toUpper .Labels.nope}}", false, "", nullptr},
    {"{{match \"^no\" .Labels.job}} {{match \"x\" \"abc\"}} {{match \"b\" \"abc\"}}", false,
     "true false true", nullptr},
    {"{{match \"(\" \"a\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <match \"(\" \"a\">: error calling "
     "match: error parsing regexp: missing closing ): `(`"},
    {"{{reReplaceAll \"(.*):.*\" \"$1\" .Labels.instance}} {{reReplaceAll \"a\" \"b\" \"banana\"}} "
     "{{reReplaceAll \"\" \"-\" \"abc\"}} {{reReplaceAll \"a*\" \"-\" \"baaac\"}} {{reReplaceAll "
     "\"(?P<x>\\\\w+)\" \"<${x}>\" \"hi there\"}} {{reReplaceAll \"(a)\" \"$1x$$\" \"aa\"}} {{reReplaceAll "
     "\"(a)\" \"${1}x\" \"aa\"}}",
     false, "host1 bbnbnb -a-b-c- -b-c- <hi> <there> $$ axax", nullptr},
    {"{{reReplaceAll \"(\" \"\" \"a\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <reReplaceAll \"(\" \"\" \"a\">: error "
     "calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`"},
    {"{{reReplaceAll \"a`b(\" \"\" \"a\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <reReplaceAll \"a`b(\" \"\" \"a\">: "
     "error calling reReplaceAll: regexp: Compile(\"a`b(\"): error parsing regexp: missing closing ): "
     "`a`b(`"},
    {"{{safeHtml \"<b>\"}} {{printf \"%T\" (safeHtml \"x\")}} {{len (safeHtml \"abc\")}}", false,
     "<b> template.HTML 3", nullptr},
    {"{{eq (safeHtml \"x\") \"x\"}}", false, "true", nullptr},
    {"{{toUpper (safeHtml \"x\")}}", false, "",
     "error executing template t: template: t:1:20: executing \"t\" at <\"x\">: wrong type for value; "
     "expected string; got template.HTML"},
    {"{{stripPort \"host:9090\"}} {{stripPort \"host\"}} {{stripPort \"[::1]:9090\"}} {{stripPort \"::1\"}} "
     "{{stripPort \"a:b:c\"}}",
     false, "host host ::1 ::1 a:b:c", nullptr},
    {"{{stripDomain \"foo.example.com:9090\"}} {{stripDomain \"foo.example.com\"}} {{stripDomain "
     "\"10.0.0.1:80\"}} {{stripDomain \"10.0.0.1\"}} {{stripDomain \"[::1]:80\"}} {{stripDomain \"foo\"}}",
     false, "foo:9090 foo 10.0.0.1:80 10.0.0.1 [::1]:80 foo", nullptr},
    {"{{args 1 \"a\"}} {{(args 1 \"a\").arg1}} {{(args).arg0}} {{(args 1).arg5}}", false,
     "map[arg0:1 arg1:a] a <no value> <no value>", nullptr},
    {"{{(args 1).arg5.foo}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <1>: nil pointer evaluating interface "
     "{}.foo"},
    {"{{define \"t2\"}}{{.arg0}}-{{.arg1}}{{end}}{{template \"t2\" (args \"x\" 2)}}", false, "x-2", nullptr},
    {"{{query \"up\" | len}} {{(query \"up\" | first).Value}} {{query \"up\" | first | label \"job\"}} "
     "{{query \"up\" | first | value}} {{query \"scalar\" | first | strvalue}}",
     false, "3 1 b 1 42", nullptr},
    {"{{query \"bad\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <query \"bad\">: error calling query: "
     "query error: bad"},
    {"{{query \"empty\" | first}}", false, "",
     "error executing template t: template: t:1:18: executing \"t\" at <first>: error calling first: first() "
     "called on vector with no elements"},
    {"{{query \"empty\" | first | value}}", false, "",
     "error executing template t: template: t:1:18: executing \"t\" at <first>: error calling first: first() "
     "called on vector with no elements"},
    {"{{range query \"up\" | sortByLabel \"job\"}}{{.Labels.job}}{{end}}", false, "abc", nullptr},
    {"{{$q := query \"up\"}}{{$s := sortByLabel \"instance\" $q}}{{range $q}}{{.Labels.instance}}{{end}}",
     false, "i1i2i3", nullptr},
    {"{{sortByLabel \"job\" 1}}", false, "",
     "error executing template t: template: t:1:20: executing \"t\" at <1>: can't handle 1 for arg of type "
     "template.queryResult"},
    {"{{first 1}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <1>: can't handle 1 for arg of type "
     "template.queryResult"},
    {"{{first nil}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <first nil>: error calling first: "
     "first() called on vector with no elements"},
    {"{{label \"x\" nil}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <label \"x\" nil>: error calling "
     "label: runtime error: invalid memory address or nil pointer dereference"},
    {"{{value 1}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <1>: can't handle 1 for arg of type "
     "*template.sample"},
    {"{{query}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <query>: wrong number of args for "
     "query: want 1 got 0"},
    {"{{query 1}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <1>: expected string; found 1"},
    {"{{with query \"up\"}}{{(index . 0).Labels}}{{end}}", false, "map[__name__:up instance:i2 job:b]",
     nullptr},
    {"{{(query \"up\" | first)}}", false, "{map[__name__:up instance:i2 job:b] 1}", nullptr},
    {"{{query \"empty\"}}", false, "[]", nullptr},
    {"{{(query \"up\" | first).Nope}}", false, "",
     "error executing template t: template: t:1:16: executing \"t\" at <first>: can't evaluate field Nope in "
     "type *template.sample"},
    {"{{(query \"up\" | first).Labels.job 1}}", false, "",
     "error executing template t: template: t:1:16: executing \"t\" at <first>: job is not a method but has "
     "arguments"},
    {"{{(toTime 5).Nope}}", false, "",
     "error executing template t: template: t:1:10: executing \"t\" at <5>: can't evaluate field Nope in "
     "type *time.Time"},
    {"{{value (query \"up\" | first) | printf \"%.1f\"}}", false, "1.0", nullptr},
    {"{{ (query \"up\" | first).Value | humanize }}", false, "1", nullptr},
    {"{{foo}}", true, "",
     "error parsing template __alert_X: template: __alert_X:1: function \"foo\" not defined"},
    {"{{foo}}", false, "", "error parsing template t: template: t:1: function \"foo\" not defined"},
    {"{{", false, "", "error parsing template t: template: t:1: unclosed action"},
    {"{{.", false, "", "error parsing template t: template: t:1: illegal number syntax: \".\""},
    {"{{1 2", false, "", "error parsing template t: template: t:1: unclosed action"},
    {"a\n{{if 1}}\n", false, "", "error parsing template t: template: t:3: unexpected EOF"},
    {"{{(1}}", false, "", "error parsing template t: template: t:1: unclosed left paren"},
    {"{{1)}}", false, "", "error parsing template t: template: t:1: unexpected right paren"},
    {"{{\"abc}}", false, "", "error parsing template t: template: t:1: unterminated quoted string"},
    {"{{`abc}}", false, "", "error parsing template t: template: t:1: unterminated raw quoted string"},
    {"{{'a}}", false, "", "error parsing template t: template: t:1: unterminated character constant"},
    {"{{#}}", false, "", "error parsing template t: template: t:1: unexpected \"#\" in command"},
    {"{{\001}}", false, "",
     "error parsing template t: template: t:1: unrecognized character in action: U+0001"},
    {"{{.Foo$}}", false, "", "error parsing template t: template: t:1: bad character U+0024 '$'"},
    {"{{$x :}}", false, "", "error parsing template t: template: t:1: undefined variable \"$x\""},
    {"{{|}}", false, "", "error parsing template t: template: t:1: unexpected \"|\" in command"},
    {"{{()}}", false, "",
     "error parsing template t: template: t:1: missing value for parenthesized pipeline"},
    {"{{.Labels | 1}}", false, "",
     "error parsing template t: template: t:1: non executable command in pipeline stage 2"},
    {"{{x := 1}}", false, "", "error parsing template t: template: t:1: function \"x\" not defined"},
    {"{{1.2.3}}", false, "", "error parsing template t: template: t:1: unexpected \".3\" in operand"},
    {"{{\"a\".b}}", false, "",
     "error parsing template t: template: t:1: unexpected . after term \"\\\"a\\\"\""},
    {"{{range}}{{end}}", false, "", "error parsing template t: template: t:1: missing value for range"},
    {"{{with}}{{end}}", false, "", "error parsing template t: template: t:1: missing value for with"},
    {"{{if 1}}{{else if}}{{end}}", false, "",
     "error parsing template t: template: t:1: missing value for if"},
    {"{{if 1}}{{end}}{{end}}", false, "", "error parsing template t: template: t:1: unexpected {{end}}"},
    {"{{template}}", false, "",
     "error parsing template t: template: t:1: unexpected \"}}\" in template clause"},
    {"{{block}}", false, "", "error parsing template t: template: t:1: unexpected \"}}\" in block clause"},
    {"{{define \"x\"}}{{else}}{{end}}", false, "",
     "error parsing template t: template: t:1: unexpected {{else}} in define clause"},
    {"line1\nline2 {{nosuch}}", false, "",
     "error parsing template t: template: t:2: function \"nosuch\" not defined"},
    {"{{1\n2}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <1>: can't give argument to "
     "non-function 1"},
    {"{{if\n1}}a{{else}}b{{end}}", false, "a", nullptr},
    {"{{\n\"abc\n\"}}", false, "",
     "error parsing template t: template: t:2: unterminated quoted string in action started at t:1"},
    {"{{ .Foo\n.Bar | printf \"a\" x }}", false, "",
     "error parsing template t: template: t:2: function \"x\" not defined"},
    {"{{ printf \"%d\" 1 }}\n{{ printf \"%s\" (humanize \"q\") }}", true, "",
     "error executing template __alert_X: template: __alert_X:2:16: executing \"__alert_X\" at <humanize "
     "\"q\">: error calling humanize: strconv.ParseFloat: parsing \"q\": invalid syntax"},
    {"x\n{{ toUpper 1 }}", true, "",
     "error executing template __alert_X: template: __alert_X:2:11: executing \"__alert_X\" at <1>: expected "
     "string; found 1"},
    {"{{1 -}}{{- 2}}", false, "12", nullptr},
    {"{{ $v := 1 }}{{ $v.x }}", false, "",
     "error executing template t: template: t:1:18: executing \"t\" at <$v.x>: can't evaluate field x in "
     "type int"},
    {"{{ end }}", false, "", "error parsing template t: template: t:1: unexpected {{end}}"},
    {"{{if 1}}{{break}}{{end}}", false, "",
     "error parsing template t: template: t:1: {{break}} outside {{range}}"},
    {"{{range 1}}{{break 1}}{{end}}", false, "",
     "error parsing template t: template: t:1: unexpected \"1\" in {{break}}"},
    {"{{with $x, $y := 1}}{{end}}", false, "",
     "error parsing template t: template: t:1: too many declarations in with"},
    {"{{ 'ab }}", false, "", "error parsing template t: template: t:1: unterminated character constant"},
    {"{{ \"\\xzz\" }}", false, "", "error parsing template t: template: t:1: invalid syntax"},
    {"{{ 0x1.8p1 }} {{ 1_0.5 }} {{ 0x_1 }}", false, "3 10.5 1", nullptr},
    {"{{ 08 }}", false, "", "error parsing template t: template: t:1: integer overflow: \"08\""},
    {"{{ 1e }}", false, "", "error parsing template t: template: t:1: illegal number syntax: \"1e\""},
    {"{{ -0 }} {{ +0x10 }} {{ -0b1 }}", false, "0 16 -1", nullptr},
    {"{{ 9223372036854775807 }} {{ -9223372036854775808 }}", false,
     "9223372036854775807 -9223372036854775808", nullptr},
    {"{{ 9223372036854775808 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <9223372036854775808>: "
     "9223372036854775808 overflows int"},
    {"{{ 1e19 }}", false, "1e+19", nullptr},
    {"{{ printf \"%v\" 1e19 }}", false, "1e+19", nullptr},
    {"{{ '\303\251' }} {{ '\\u00e9' }} {{ '\\x41' }} {{ '\\101' }}", false, "233 233 65 65", nullptr},
    {"{{ printf \"%c%c\" 'h' 105 }}", false, "hi", nullptr},
    {"{{.Labels.}}", false, "", "error parsing template t: template: t:1: unexpected <.> in operand"},
    {"{{..}}", false, "", "error parsing template t: template: t:1: unexpected <.> in operand"},
    {"{{.Labels..job}}", false, "", "error parsing template t: template: t:1: unexpected <.> in operand"},
    {"{{$labels}}", false, "", "error parsing template t: template: t:1: undefined variable \"$labels\""},
    {"{{ $ := 1 }}", false, "", nullptr},
    {"{{ $x := 1 }}{{ $x = }}", false, "",
     "error parsing template t: template: t:1: missing value for command"},
    {"{{ (1 | printf) }}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <printf>: wrong type for value; "
     "expected string; got int"},
    {"{{ 1 | printf \"%d\" }}", false, "1", nullptr},
    {"{{ \"x\" | printf \"%s %s\" \"y\" }}", false, "y x", nullptr},
    {"{{ 1 | eq 1 }} {{ 1 | eq 2 3 }} {{ 1 | ne 1 }} {{ 2 | lt 1 }}", false, "true false false true",
     nullptr},
    {"{{ 0 | and 1 }} {{ 0 | or 0 }} {{ 5 | and }} {{ \"\" | or }}", false, "0 0 5 ", nullptr},
    {"{{ and }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <and>: wrong number of args for and: "
     "want at least 1 got 0"},
    {"{{ 1 | not }}", false, "false", nullptr},
    {"{{ not 1 2 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <not>: wrong number of args for not: "
     "want 1 got 2"},
    {"{{ 1 | index \"abc\" }}", false, "98", nullptr},
    {"{{ 2 | slice \"abc\" 1 }}", false, "b", nullptr},
    {"{{ \"a\" | print \"b\" }} {{ \"a\" | println }}", false, "ba a\n", nullptr},
    {"{{ \"job\" | index .Labels }}", false, "node", nullptr},
    {"{{ .Labels | len }}", false, "3", nullptr},
    {"{{ 3.7 | humanize }}", false, "3.7", nullptr},
    {"{{ now | toTime | printf \"%v\" }}", false, "2023-11-14 22:13:20.122 +0000 UTC", nullptr},
    {"{{ 1 | toUpper }}", false, "",
     "error executing template t: template: t:1:7: executing \"t\" at <toUpper>: wrong type for value; "
     "expected string; got int"},
    {"{{ \"a\" | match \"a\" }}", false, "true", nullptr},
    {"{{ .Value | humanizeDuration | toUpper }}", false, "20M 34S", nullptr},
    {"{{define \"x\"}}\n  {{ humanize . }}{{end}}a\n{{template \"x\" \"bad\"}}", false, "",
     "error executing template t: template: t:2:5: executing \"x\" at <humanize .>: error calling humanize: "
     "strconv.ParseFloat: parsing \"bad\": invalid syntax"},
    {"{{define \"x\"}}{{template \"y\" .}}{{end}}{{define \"y\"}}{{.Nope}}{{end}}{{template \"x\" .}}", false,
     "",
     "error executing template t: template: t:1:55: executing \"y\" at <.Nope>: can't evaluate field Nope in "
     "type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value "
     "interface {} }"},
    {"{{block \"b\" 1}}{{toUpper .}}{{end}}", false, "",
     "error executing template t: template: t:1:25: executing \"b\" at <.>: wrong type for value; expected "
     "string; got int"},
    {"a\nb\n  {{ .Nope }}", false, "",
     "error executing template t: template: t:3:5: executing \"t\" at <.Nope>: can't evaluate field Nope in "
     "type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value "
     "interface {} }"},
    {"{{ printf \"%s\" }}\n\n{{ index .Labels 1 2 }}", false, "",
     "error executing template t: template: t:3:3: executing \"t\" at <index .Labels 1 2>: error calling "
     "index: value has type int; should be string"},
    {"{{printf \"%.3g|%.10g|%g|%.1g|%.0g|%#g|%#.3g|%#v\" 1234567.0 0.1 1e-300 0.05 7.0 1.0 2.0 1.5}}", false,
     "1.23e+06|0.1|1e-300|0.05|7|1.00000|2.00|1.5", nullptr},
    {"{{printf \"%e|%.0e|%.3E|%10.2e|%-10.1e|\" 0.000123 5.5 123456.789 -1.5 2.0}}", false,
     "1.230000e-04|6e+00|1.235E+05| -1.50e+00|2.0e+00   |", nullptr},
    {"{{printf \"%v %v %v %v %v %v\" 123456.0 1234567.0 0.0001 0.00001 -1e-10 1e20}}", false,
     "123456 1.234567e+06 0.0001 1e-05 -1e-10 1e+20", nullptr},
    {"{{printf \"%+q %#q %q %x %X\" \"\303\251\\n\" \"a`b\" \"\\x00\" -255 \"\303\251\"}}", false,
     "\"\\u00e9\\n\" \"a`b\" \"\\x00\" -ff C3A9", nullptr},
    {"{{printf \"%c|%c|%U|%#U|%q\" 233 -1 233 233 -1}}", false,
     "\303\251|\357\277\275|U+00E9|U+00E9 '\303\251'|'\357\277\275'", nullptr},
    {"{{printf \"%d%%|%3c|%-4q|%o|%O|%#b\" 50 65 66 64 64 5}}", false, "50%|  A|'B' |100|0o100|0b101",
     nullptr},
    {"{{printf \"%6.2v|%.2s|%5.1s|%.0d|%.3d|%+.3d|% .3d\" 3.14159 \"h\303\251llo\" \"abc\" 0 7 7 7}}", false,
     "   3.1|h\303\251|    a||007|+007| 007", nullptr},
    {"{{printf \"%[2]*[1]d|%[1]*d|%[5]d|%[0]d|%[x]d|%.[2]d\" 3 5 1}}", false,
     "    3|  5|%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)|5", nullptr},
    {"{{printf \"%*d\" \"a\" 1}} {{printf \"%.*d\" -1 5}} {{printf \"%-*d|\" -3 5}}", false,
     "%!(BADWIDTH)1 %!(BADPREC)5 5  |", nullptr},
    {"{{printf \"%v|%d|%s\" true true true}}", false, "true|%!d(bool=true)|%!s(bool=true)", nullptr},
    {"{{printf \"%v %s %q %x\" (toDuration 1.5) (toDuration 1.5) (toDuration 1.5) (toTime 0)}}", false,
     "1.5s 1.5s \"1.5s\" 313937302d30312d30312030303a30303a3030202b3030303020555443", nullptr},
    {"{{printf \"%08.3f|%-08.3f|%+8.2f|% f|%+f\" 3.14159 3.14159 2.5 1.0 -1.0}}", false,
     "0003.142|3.142   |   +2.50| 1.000000|-1.000000", nullptr},
    {"{{printf \"%.2f %.2f %.2f %.2f\" 1.005 2.675 1.115 -0.005}}", false, "1.00 2.67 1.11 -0.01", nullptr},
    {"{{printf \"%5.2f%%\" (humanizePercentage 0.5 | len)}}", false, "%!f(int=   03)%", nullptr},
    {"{{printf \"%v %v\" 1i 1.5}} {{printf \"%.2f\" 1i}} {{printf \"%d\" 1i}}", false,
     "(0+1i) 1.5 (0.00+1.00i) %!d(complex128=(0+1i))", nullptr},
    {"{{humanize 999.95}} {{humanize 999.949}} {{humanize 1234.5678}} {{humanize 0.000001}} {{humanize "
     "-0.5}} {{humanize 1.5e24}} {{humanize 2e27}} {{humanize 9.9999e-25}} {{humanize 12.3456789}}",
     false, "1000 999.9 1.235k 1u -500m 1.5Y 2000Y 1y 12.35", nullptr},
    {"{{humanize1024 1023.99}} {{humanize1024 1025}} {{humanize1024 1.5e26}} {{humanize1024 -1}} "
     "{{humanize1024 0}}",
     false, "1024 1.001ki 124.1Yi -1 0", nullptr},
    {"{{humanizeDuration 59.999}} {{humanizeDuration 3599.9}} {{humanizeDuration 86399.5}} "
     "{{humanizeDuration -0.5}} {{humanizeDuration -1.5}} {{humanizeDuration 1e20}} {{humanizeDuration "
     "\"-Inf\"}}",
     false, "60s 59m 59s 23h 59m 59s -500ms -1.5s -106751991167300d -15h -30m -8s -Inf", nullptr},
    {"{{humanizeTimestamp 253402300800}} {{humanizeTimestamp 1.0001}} {{humanizeTimestamp -1.5}} "
     "{{humanizeTimestamp 9223372036}}",
     false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <humanizeTimestamp 253402300800>: "
     "error calling humanizeTimestamp: 2.534023008e+11 cannot be represented as a nanoseconds timestamp "
     "since it overflows int64"},
    {"{{humanizeTimestamp 9223372036.854775807}}", false, "1677-09-21 00:12:43.146 +0000 UTC", nullptr},
    {"{{title \"1st 2nd\"}} {{title \"_x __y\"}} {{title \"a1b 1a\"}} {{title \"o'neil it's\"}} {{title "
     "\"x.y.z a:b\"}} {{title \"hello, world! (foo) [bar] {baz}\"}} {{title \"a/b a+b a@b a=b\"}}",
     false, "1St 2Nd _X __Y A1b 1A O'neil It's X.y.z A:b Hello, World! (Foo) [Bar] {Baz} A/B A+B A@B A=B",
     nullptr},
    {"{{title \"\307\206emal\"}} {{title \"\303\237tra\303\237e\"}} {{title \"\357\254\201ne\"}} {{toUpper "
     "\"\303\237\"}} {{toUpper \"\307\206\"}} {{toLower \"\304\260\"}}",
     false, "\307\205emal Sstra\303\237e Fine \303\237 \307\204 i", nullptr},
    {"{{stripDomain \"[fe80::1%eth0]:80\"}} {{stripDomain \"fe80::1\"}} {{stripDomain \"a.b.c:1\"}} "
     "{{stripDomain \"1.2.3\"}} {{stripDomain \"01.2.3.4\"}} {{stripDomain \":80\"}} {{stripPort \":80\"}} "
     "{{stripPort \"[x]\"}} {{stripPort \"[a]b:1\"}}",
     false, "[fe80::1%eth0]:80 fe80::1 a:1 1 01 :80  [x] [a]b:1", nullptr},
    {"{{reReplaceAll \"\303\251\" \"e\" \"caf\303\251 \303\251\"}} {{reReplaceAll \"^\" \">\" \"ab\"}} "
     "{{reReplaceAll \"$\" \"<\" \"ab\"}} {{reReplaceAll \"\\\\b\" \"|\" \"ab cd\"}} {{reReplaceAll "
     "\"(a)|(b)\" \"[$1$2]\" \"abc\"}} {{reReplaceAll \"x\" \"$9\" \"x\"}} {{reReplaceAll \"x\" \"$\" "
     "\"x\"}} {{reReplaceAll \"x\" \"${\" \"x\"}} {{reReplaceAll \"(?i)A\" \"z\" \"aA\"}}",
     false, "cafe e >ab ab< |ab| |cd| [a][b]c  $ ${ zz", nullptr},
    {"{{match \"[\" \"a\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <match \"[\" \"a\">: error calling "
     "match: error parsing regexp: missing closing ]: `[`"},
    {"{{match \"a{2,1}\" \"a\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <match \"a{2,1}\" \"a\">: error "
     "calling match: error parsing regexp: invalid repeat count: `{2,1}`"},
    {"{{reReplaceAll \"\\\\8\" \"\" \"a\"}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <reReplaceAll \"\\\\8\" \"\" \"a\">: "
     "error calling reReplaceAll: regexp: Compile(`\\8`): error parsing regexp: invalid escape sequence: "
     "`\\8`"},
    {"{{match \"(?P<n>a)(?P<n>b)\" \"ab\"}}", false, "true", nullptr},
    {"{{match \"\\\\p{Greek}\" \"\316\261\"}} {{match \"(?s).\" \"\\n\"}} {{match \"^$\" \"\"}}", false,
     "true true true", nullptr},
    {"{{urlQueryEscape \"~-_.!*'()\\\"<>\\\\^`{|}\"}}", false,
     "~-_.%21%2A%27%28%29%22%3C%3E%5C%5E%60%7B%7C%7D", nullptr},
    {"{{js \"\\u2028\\u00ad\\ufeff\\U0001F600\"}} {{html \"\\u0000\"}}", false,
     "\\u2028\\u00AD\\uFEFF\360\237\230\200 \357\277\275", nullptr},
    {"{{with $x := 0}}a{{else}}b{{$x}}{{end}}", false, "b0", nullptr},
    {"{{range $i, $e := .Labels}}{{if eq $i \"job\"}}{{break}}{{end}}{{$e}};{{end}}", false, "host1:9100;",
     nullptr},
    {"{{range $x := query \"up\"}}{{range $y := query \"up\"}}{{if eq $y.Labels.job "
     "\"a\"}}{{continue}}{{end}}{{$x.Labels.job}}{{$y.Labels.job}} {{end}}{{end}}",
     false, "bb bc ab ac cb cc ", nullptr},
    {"{{range .}}{{end}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <.>: range can't iterate over "
     "{map[instance:host1:9100 job:node severity:critical] map[cluster:eu1] "
     "http://prom.example.com:9090/prefix 1234.5678}"},
    {"{{range $x := .Labels}}{{$x}}{{end}}{{$x}}", false, "",
     "error parsing template t: template: t:1: undefined variable \"$x\""},
    {"{{range (args 1 \"b\" nil)}}[{{.}}]{{end}}", false, "[1][b][<no value>]", nullptr},
    {"{{range $k, $v := args 1 2}}{{$k}}={{$v}} {{end}}", false, "arg0=1 arg1=2 ", nullptr},
    {"{{range 2}}{{range 2}}x{{end}}{{end}}", false, "xxxx", nullptr},
    {"{{range -1}}x{{else}}neg{{end}}", false, "neg", nullptr},
    {"{{range (query \"up\" | first)}}{{end}}", false, "",
     "error executing template t: template: t:1:22: executing \"t\" at <first>: range can't iterate over "
     "{map[__name__:up instance:i2 job:b] 1}"},
    {"{{range true}}{{end}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <true>: range can't iterate over true"},
    {"{{range nil}}{{end}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <nil>: nil is not a command"},
    {"{{len (args)}} {{index (args 5) \"arg0\"}} {{index (args 5) \"zz\"}}", false, "0 5 <no value>",
     nullptr},
    {"{{(args 1).arg0.x}}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <1>: can't evaluate field x in type "
     "interface {}"},
    {"{{.Labels.job | len | printf \"%03d\"}}", false, "004", nullptr},
    {"{{ $v := .Value }}{{ $v | printf \"%.1f\" }} {{ printf \"%T\" $v }} {{ printf \"%T\" .Value }}", false,
     "1234.6 float64 float64", nullptr},
    {"{{ if and .Labels (gt (len .Labels) 2) }}many{{ end }}", false, "many", nullptr},
    {"{{ if or (eq .Labels.severity \"warning\") (eq .Labels.severity \"critical\") }}page{{ end }}", false,
     "page", nullptr},
    {"{{ and 1 (index \"a\" 5) }}", false, "",
     "error executing template t: template: t:1:10: executing \"t\" at <index \"a\" 5>: error calling index: "
     "index out of range: 5"},
    {"{{ or 1 (index \"a\" 5) }}", false, "1", nullptr},
    {"{{ len (slice (query \"up\") 1 2 3) }}", false, "1", nullptr},
    {"{{ index (slice \"hello\" 1 3) 0 }}", false, "101", nullptr},
    {"{{ $x := 5 }}{{ with $x }}{{ $x = 6 }}{{ end }}{{ $x }}", false, "6", nullptr},
    {"{{ template \"x\" }}{{ define \"x\" }}late{{ end }}", false, "late", nullptr},
    {"{{ define \"x\" }}{{ $ }}{{ end }}{{ template \"x\" 7 }}", false, "7", nullptr},
    {"{{ define \"x\" }}{{ $labels }}{{ end }}", true, "",
     "error parsing template __alert_X: template: __alert_X:1: undefined variable \"$labels\""},
    {"{{- /* a */ -}}", false, "", nullptr},
    {"{{/*a*/}}{{/* b */}}", false, "", nullptr},
    {"{{/* a */ }}", false, "",
     "error parsing template t: template: t:1: comment ends before closing delimiter"},
    {"{{ /* a */ }}", false, "", "error parsing template t: template: t:1: unexpected \"/\" in command"},
    {"x {{- \"y\" -}} z {{- `w` }}", false, "xyzw", nullptr},
    {"{{ 1 }}{{- \"\n\t \" -}}{{ 2 }}", false, "",
     "error parsing template t: template: t:1: unterminated quoted string"},
    {"\t {{- 1 }}", false, "1", nullptr},
    {"{{ 1 -}}\t\015\n", false, "1", nullptr},
    {"{{-1}}{{- -1 -}}{{1-}}", false, "",
     "error parsing template t: template: t:1: bad number syntax: \"1-\""},
    {"{{ - 1 }}", false, "", "error parsing template t: template: t:1: illegal number syntax: \"-\""},
    {"{{ 1 - }}", false, "", "error parsing template t: template: t:1: illegal number syntax: \"-\""},
    {"{{$x:=1}}{{$x}}", false, "1", nullptr},
    {"{{$x:=1}}{{$x=2}}{{$x}}", false, "",
     "error parsing template t: template: t:1: bad character U+003D '='"},
    {"{{ $x := 1 | printf \"%d\" }}{{ $x }}", false, "1", nullptr},
    {"{{ .Labels.job := 1 }}", false, "",
     "error parsing template t: template: t:1: unexpected \":=\" in operand"},
    {"{{ $x.y := 1 }}", false, "", "error parsing template t: template: t:1: undefined variable \"$x\""},
    {"{{ 'a' | printf \"%c\" }} {{ printf \"%T\" 'a' }}", false, "a int", nullptr},
    {"{{ 0x10 | printf \"%T %v\" }} {{ printf \"%T %v\" 1e2 1e2 }} {{ printf \"%T\" 0x1p4 }}", false,
     "int %!v(MISSING) float64 100 float64", nullptr},
    {"{{ len \"h\303\251llo\" }} {{ slice \"h\303\251llo\" 1 3 }}", false, "6 \303\251", nullptr},
    {"{{ printf \"%s\" (index \"\303\251\" 0) }}", false, "%!s(uint8=195)", nullptr},
    {"{{ eq (index \"abc\" 0) 97 }} {{ lt (index \"abc\" 0) 98 }} {{ eq 97 (index \"abc\" 0) }}", false,
     "true true true", nullptr},
    {"{{ eq \"a\" nil }}", false, "false", nullptr},
    {"{{ eq (query \"up\" | first) (query \"up\" | first) }}", false, "false", nullptr},
    {"{{ $s := query \"up\" | first }}{{ eq $s $s }}", false, "true", nullptr},
    {"{{ eq .Labels nil }}", false, "false", nullptr},
    {"{{ eq (args) (args) }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <eq (args) (args)>: error calling eq: "
     "non-comparable type map[]: map[string]interface {}"},
    {"{{ eq . . }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <eq . .>: error calling eq: "
     "non-comparable type {map[instance:host1:9100 job:node severity:critical] map[cluster:eu1] "
     "http://prom.example.com:9090/prefix %!s(float64=1234.5678)}: struct { Labels map[string]string; "
     "ExternalLabels map[string]string; ExternalURL string; Value interface {} }"},
    {"{{ ne 1 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <ne>: wrong number of args for ne: "
     "want 2 got 1"},
    {"{{ lt }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <lt>: wrong number of args for lt: "
     "want 2 got 0"},
    {"{{ gt 1 2 3 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <gt>: wrong number of args for gt: "
     "want 2 got 3"},
    {"{{ le 1.5 1.5 }} {{ ge \"a\" \"b\" }} {{ gt 2 1 }} {{ le true true }}", false, "",
     "error executing template t: template: t:1:50: executing \"t\" at <le true true>: error calling le: "
     "invalid type for comparison"},
    {"{{ not .Labels }} {{ not (args) }} {{ not nil }}", false, "false true true", nullptr},
    {"{{ print }}|{{ println }}|{{ print nil nil }}|{{ print 1.0 2.5 }}|{{ print \"a\" 1 \"b\" }}|{{ print "
     "(safeHtml \"<\") 1 }}",
     false, "|\n|<nil> <nil>|1 2.5|a1b|<1", nullptr},
    {"{{ print .Labels.nope }}|{{ print (args).x }}|{{ printf \"%v\" (args).x }}", false, "|<nil>|<nil>",
     nullptr},
    {"{{ (args).x }}|{{ index (args) \"x\" }}|{{ html (args).x }}", false,
     "<no value>|<no value>|&lt;no value&gt;", nullptr},
    {"{{ toUpper (args \"a\").arg0 }}", false, "A", nullptr},
    {"{{ toUpper (args).x }}", false, "",
     "error executing template t: template: t:1:12: executing \"t\" at <args>: wrong type for value; "
     "expected string; got interface {}"},
    {"{{ humanize (args).x }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <humanize (args).x>: error calling "
     "humanize: can't convert <nil> to float"},
    {"{{ first (query \"up\" | sortByLabel \"instance\") | label \"instance\" }}", false, "i1", nullptr},
    {"{{ (first (query \"up\")).Labels.__name__ }}", false, "up", nullptr},
    {"{{ query \"up\" | first | printf \"%v\" }}", false, "&{map[__name__:up instance:i2 job:b] 1}", nullptr},
    {"{{ query \"bad\" | first }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <query \"bad\">: error calling query: "
     "query error: bad"},
    {"{{ label \"job\" (query \"up\" | first) }} {{ label \"nope\" (query \"up\" | first) }}|", false, "b |",
     nullptr},
    {"{{ label 1 (query \"up\" | first) }}", false, "",
     "error executing template t: template: t:1:9: executing \"t\" at <1>: expected string; found 1"},
    {"{{ label \"job\" \"x\" }}", false, "",
     "error executing template t: template: t:1:15: executing \"t\" at <\"x\">: can't handle \"x\" for arg "
     "of type *template.sample"},
    {"{{ value }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <value>: wrong number of args for "
     "value: want 1 got 0"},
    {"{{ now 1 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <now>: wrong number of args for now: "
     "want 0 got 1"},
    {"{{ externalURL \"x\" }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <externalURL>: wrong number of args "
     "for externalURL: want 0 got 1"},
    {"{{ printf \"%.3f\" now }} {{ now | printf \"%T\" }}", false, "1700000000.123 float64", nullptr},
    {"{{ parseDuration \"1y\" }} {{ parseDuration \"0\" }} {{ parseDuration \"1w2d\" }} {{ parseDuration "
     "\"100ms\" }} {{ parseDuration \"-0s\" }}",
     false, "3.1536e+07 0 777600 0.1 0", nullptr},
    {"{{ parseDuration \"1d1h\" }} {{ parseDuration \"5m3s\" }}", false, "90000 303", nullptr},
    {"{{ parseDuration \"3s5m\" }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <parseDuration \"3s5m\">: error "
     "calling parseDuration: not a valid duration string: \"3s5m\""},
    {"{{ parseDuration \"--5m\" }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <parseDuration \"--5m\">: error "
     "calling parseDuration: not a valid duration string: \"-5m\""},
    {"{{ parseDuration \"99999999999y\" }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <parseDuration \"99999999999y\">: "
     "error calling parseDuration: duration out of range"},
    {"{{ toDuration \"x\" }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <toDuration \"x\">: error calling "
     "toDuration: strconv.ParseFloat: parsing \"x\": invalid syntax"},
    {"{{ toDuration 1e300 }} {{ toDuration \"NaN\" }} {{ toDuration -1e300 }}", false,
     "-2562047h47m16.854775808s -2562047h47m16.854775808s -2562047h47m16.854775808s", nullptr},
    {"{{ toTime -1.5 }} {{ toTime 0.0009 }} {{ toTime -0.0009 }}", false,
     "1969-12-31 23:59:58.5 +0000 UTC 1970-01-01 00:00:00 +0000 UTC 1970-01-01 00:00:00 +0000 UTC", nullptr},
    {"{{ (toTime 1700000000).Nanosecond }} {{ (toTime 86399.999).Second }} {{ (toTime 1700000000).YearDay }}",
     false, "0 59 318", nullptr},
    {"{{ (toTime 1).Format \"2006\" }}", false, "1970", nullptr},
    {"{{ (toTime 1700000000.123).Format \"Mon Monday Jan January 01 1 02 2 _2 __2 002 15 03 3 04 4 05 5 06 "
     "2006 PM pm MST -0700 -07:00 -07 Z0700 Z07:00 .000 .999 ,000 .9 x\" }}",
     false,
     "Tue Tuesday Nov November 11 11 14 14 14 318 318 22 10 10 13 13 20 20 23 2023 PM pm UTC +0000 +00:00 "
     "+00 Z Z .122 .122 ,122 .1 x",
     nullptr},
    {"{{ (toTime 1700000000).Format \"2006-01-02T15:04:05.999999999Z07:00 .000000 3PM\" }} {{ (toTime "
     "-86400).Format \"Jan _2 06\" }} {{ (toTime 43200).Format \"3 03 pm\" }}",
     false, "2023-11-14T22:13:20Z .000000 10PM Dec 31 69 12 12 pm", nullptr},
    {"{{ (toDuration 3.5).Round 1000000000 }} {{ (toDuration 3.5).Truncate 1000000000 }} {{ (toDuration "
     "90).Round (toDuration 60) }} {{ (toDuration -3.5).Round 1000000000 }} {{ (toDuration 3.5).Round 0 }}",
     false, "4s 3s 2m0s -4s 3.5s", nullptr},
    {"{{ (toDuration 3.5).Round \"x\" }}", false, "",
     "error executing template t: template: t:1:26: executing \"t\" at <\"x\">: expected integer; found "
     "\"x\""},
    {"{{ (toDuration 3.5).Round 1 }}", false, "3.5s", nullptr},
    {"{{ with toTime 5 }}{{ . }}{{ end }} {{ if toDuration 0 }}yes{{ end }}", false,
     "1970-01-01 00:00:05 +0000 UTC yes", nullptr},
    {"{{ toTime 5 | humanize }}", false, "",
     "error executing template t: template: t:1:14: executing \"t\" at <humanize>: error calling humanize: "
     "can't convert *time.Time to float"},
    {"{{ toDuration 5 | humanize }}", false, "",
     "error executing template t: template: t:1:18: executing \"t\" at <humanize>: error calling humanize: "
     "can't convert *time.Duration to float"},
    {"{{ len (toTime 5) }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <len (toTime 5)>: error calling len: "
     "len of type time.Time"},
    {"{{ graphLink \"sum by (job) (rate(x{a=\\\"b\\\"}[5m])) > 0\" }}", false,
     "/graph?g0.expr=sum+by+%28job%29+%28rate%28x%7Ba%3D%22b%22%7D%5B5m%5D%29%29+%3E+0&g0.tab=0", nullptr},
    {"{{ safeHtml 1 }}", false, "",
     "error executing template t: template: t:1:12: executing \"t\" at <1>: expected string; found 1"},
    {"{{ sortByLabel \"job\" nil }}|{{ len (sortByLabel \"job\" nil) }}", false, "[]|0", nullptr},
    {"{{ first (sortByLabel \"job\" nil) }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <first (sortByLabel \"job\" nil)>: "
     "error calling first: first() called on vector with no elements"},
    {"{{ args }}|{{ args nil }}|{{ len (args 1 2 3) }}", false, "map[]|map[arg0:<nil>]|3", nullptr},
    {"{{ call }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <call>: wrong number of args for call: "
     "want at least 1 got 0"},
    {"{{ 1 | call }}", false, "",
     "error executing template t: template: t:1:7: executing \"t\" at <call>: error calling call: "
     "non-function <int Value> of type int"},
    {"{{ call humanize 1 }}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <humanize>: wrong number of args for "
     "humanize: want 1 got 0"},
    {"{{ index }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <index>: wrong number of args for "
     "index: want at least 1 got 0"},
    {"{{ index \"abc\" -1 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <index \"abc\" -1>: error calling "
     "index: index out of range: -1"},
    {"{{ index \"abc\" 1.0 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <index \"abc\" 1.0>: error calling "
     "index: cannot index slice/array with type float64"},
    {"{{ index (query \"up\") \"a\" }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <index (query \"up\") \"a\">: error "
     "calling index: cannot index slice/array with type string"},
    {"{{ slice }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <slice>: wrong number of args for "
     "slice: want at least 1 got 0"},
    {"{{ slice \"abc\" -1 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <slice \"abc\" -1>: error calling "
     "slice: index out of range: -1"},
    {"{{ len (slice (query \"up\") 0 1 1) }}", false, "1", nullptr},
    {"{{ slice .Labels 1 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <slice .Labels 1>: error calling "
     "slice: can't slice item of type map[string]string"},
    {"{{ slice nil }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <slice nil>: error calling slice: "
     "slice of untyped nil"},
    {"{{ len }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <len>: wrong number of args for len: "
     "want 1 got 0"},
    {"{{ len 1 2 }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <len>: wrong number of args for len: "
     "want 1 got 2"},
    {"{{ len .Value }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <len .Value>: error calling len: len "
     "of type float64"},
    {"{{ len (query \"up\" | first) }}", false, "",
     "error executing template t: template: t:1:3: executing \"t\" at <len (query \"up\" | first)>: error "
     "calling len: len of type template.sample"},
    {"{{ len (first (slice (query \"up\") 0 0)) }}", false, "",
     "error executing template t: template: t:1:8: executing \"t\" at <first (slice (query \"up\") 0 0)>: "
     "error calling first: first() called on vector with no elements"},
    {"{{printf \"%.400f\" 1.5 | len}} {{printf \"%.30f\" 0.1}} {{printf \"%.20e\" 0.1}} {{printf \"%.17g\" "
     "0.1}} {{printf \"%.40g\" 0.1}} {{printf \"%.1100f\" 5e-324 | len}} {{printf \"%.1000e\" 5e-324 | len}} "
     "{{printf \"%.800f\" 1e300 | len}}",
     false,
     "402 0.100000000000000005551115123126 1.00000000000000005551e-01 0.10000000000000001 "
     "0.1000000000000000055511151231257827021182 1102 1007 1102",
     nullptr},
    {"{{printf \"%.3f\" 1e300}}", false,
     "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043"
     "7044438328838781769425232353604305756447921847867069828483872009265758037378302337947880900593689532349"
     "70799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000",
     nullptr},
    {"{{printf \"%.1080f\" 5e-324 | printf \"%.12s\"}} {{printf \"%.1073f\" 5e-324 | len}}", false,
     "0.0000000000 1075", nullptr},
    {"{{range $i, $e := .Labels}}{{block \"b\" .}}x{{else}}y{{end}}\n{{end}}", false, "",
     "error parsing template t: template: t:1: unexpected {{else}} in block clause"},
    {"{{block \"b\" .}}a\n{{/* x */ 1}}{{end}}", false, "",
     "error parsing template t: template: t:2: comment ends before closing delimiter"},
    {"{{range args 1 2}}{{.Labels}}{{end}}", false, "",
     "error executing template t: template: t:1:20: executing \"t\" at <.Labels>: can't evaluate field "
     "Labels in type interface {}"},
    {"{{range $k, $v := args 1 2}}{{$v.x}}{{end}}", false, "",
     "error executing template t: template: t:1:32: executing \"t\" at <$v.x>: can't evaluate field x in "
     "type interface {}"},
    {"{{slice \"abc\" .Value}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <slice \"abc\" .Value>: error calling "
     "slice: cannot index slice/array with type interface {}"},
    {"{{slice \"abc\" $value}}", true, "",
     "error executing template __alert_X: template: __alert_X:1:114: executing \"__alert_X\" at <slice "
     "\"abc\" $value>: error calling slice: cannot index slice/array with type float64"},
    {"{{index \"abc\" .Value}}", false, "",
     "error executing template t: template: t:1:2: executing \"t\" at <index \"abc\" .Value>: error calling "
     "index: cannot index slice/array with type float64"},
    {"{{0x1F+1i}} {{1e2-3i}}", false, "",
     "error parsing template t: template: t:1: strconv.ParseFloat: parsing \"0x1F\": invalid syntax"},
    {"{{printf \"%#v|%#v|%#v|%#v|%#v|%#v\" .Labels (args 1 nil) (index \"a\" 0) \"s\" 1.0 true}}", false,
     "map[string]string{\"instance\":\"host1:9100\", \"job\":\"node\", "
     "\"severity\":\"critical\"}|map[string]interface {}{\"arg0\":1, \"arg1\":interface "
     "{}(nil)}|0x61|\"s\"|1|true",
     nullptr},
    {"{{printf \"%#v\" .}}", false,
     "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value "
     "interface {} }{Labels:map[string]string{\"instance\":\"host1:9100\", \"job\":\"node\", "
     "\"severity\":\"critical\"}, ExternalLabels:map[string]string{\"cluster\":\"eu1\"}, "
     "ExternalURL:\"http://prom.example.com:9090/prefix\", Value:1234.5678}",
     nullptr},
    {"{{printf \"%#v\" (query \"up\" | first)}} {{printf \"%#v\" (toTime 1700000000.5)}}", false,
     "&template.sample{Labels:map[string]string{\"__name__\":\"up\", \"instance\":\"i2\", \"job\":\"b\"}, "
     "Value:1} time.Date(2023, time.November, 14, 22, 13, 20, 500000000, time.UTC)",
     nullptr},
    {"{{printf \"%U|%#U|%.6U|%09U|%#U\" 0x1F600 0x1F600 65 65 7}}", false,
     "U+1F600|U+1F600 '\360\237\230\200'|U+000041|   U+0041|U+0007", nullptr},
    {"{{printf \"%p\" 1}} {{printf \"%p\" .}}", false,
     "%!p(int=1) %!p(struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL "
     "string; Value interface {} }={map[instance:host1:9100 job:node severity:critical] map[cluster:eu1] "
     "http://prom.example.com:9090/prefix 1234.5678})",
     nullptr},
    {"{{printf \"%x|%X|%#x|%.3x|%b\" 1.5 -2.25 1.0 3.14159 0.1}}", false,
     "0x1.8p+00|-0X1.2P+01|0x1.0000p+00|0x1.922p+01|7205759403792794p-56", nullptr},
    {"{{printf \"%v|%x|%.2f|%b\" 1i (1+2i) 1i 1i}}", false,
     "(0+1i)|(0x1p+00+0x1p+01i)|(0.00+1.00i)|(0p-1074+4503599627370496p-52i)", nullptr},
    {"{{printf \"%+q|%+q|%q\" 233 \"\\U0001F600\" 0x110000}}", false,
     "'\\u00e9'|\"\\U0001f600\"|'\357\277\275'", nullptr},
    // END ORACLE CASES
};

TEST(TemplateOracle, MatchesPrometheus) {
  const Data data = FixtureData();
  const ExpandOptions options = FixtureOptions();
  int failures = 0;
  for (const OracleCase& c : kOracleCases) {
    std::string text = c.alert ? std::string(kAlertTemplateDefs) + c.text : c.text;
    auto r = Expand(c.alert ? "__alert_X" : "t", text, data, options);
    if (c.want_error != nullptr) {
      if (r.ok()) {
        ADD_FAILURE() << "template: " << c.text << "\nwant error: " << c.want_error << "\ngot output: " << *r;
        failures++;
      } else if (r.error().message() != c.want_error) {
        ADD_FAILURE() << "template: " << c.text << "\nwant error: " << c.want_error
                      << "\ngot error:  " << r.error().message();
        failures++;
      }
      continue;
    }
    if (!r.ok()) {
      ADD_FAILURE() << "template: " << c.text << "\nwant: " << c.want
                    << "\ngot error: " << r.error().message();
      failures++;
    } else if (*r != c.want) {
      ADD_FAILURE() << "template: " << c.text << "\nwant: " << c.want << "\ngot:  " << *r;
      failures++;
    }
  }
  EXPECT_EQ(failures, 0);
}

// The alerting rule's wrapper: the convenience variables, the template's name and the error
// turned into the value.
TEST(ExpandAlertTemplate, DefinesVariablesAndReportsErrorsInline) {
  const Data data = FixtureData();
  const ExpandOptions options = FixtureOptions();
  EXPECT_EQ(
      ExpandAlertTemplate("HighLatency",
                          "{{ $labels.job }} is at {{ humanize $value }} in {{ $externalLabels.cluster }}",
                          data, options),
      "node is at 1.235k in eu1");
  EXPECT_EQ(ExpandAlertTemplate("HighLatency", "{{ foo }}", data, options),
            "<error expanding template: error parsing template __alert_HighLatency: template: "
            "__alert_HighLatency:1: function \"foo\" not defined>");
  EXPECT_EQ(
      ExpandAlertTemplate("X", "{{ humanize \"x\" }}", data, options),
      "<error expanding template: error executing template __alert_X: template: __alert_X:1:115: "
      "executing \"__alert_X\" at <humanize \"x\">: error calling humanize: strconv.ParseFloat: parsing "
      "\"x\": invalid syntax>");
  EXPECT_EQ(ExpandAlertTemplate("X", "plain", data, options), "plain");
}

TEST(Expand, WithoutQueryFunctionQueryFailsLikeANilFunction) {
  auto r = Expand("t", "{{ query \"up\" }}", FixtureData(), ExpandOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message(),
      "error executing template t: template: t:1:3: executing \"t\" at <query \"up\">: error calling query: "
      "runtime error: invalid memory address or nil pointer dereference");
}

TEST(Expand, PathPrefixAndNowFollowTheOptions) {
  ExpandOptions o;
  o.external_url = "https://example.org/a/b?x=1";
  o.timestamp_ms = 1500;
  auto r = Expand("t", "{{ pathPrefix }}|{{ externalURL }}|{{ now }}", Data{}, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, "/a/b|https://example.org/a/b?x=1|1.5");
  o.external_url = "http://host:9090";
  r = Expand("t", "[{{ pathPrefix }}]", Data{}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "[]");
}

// ---- limits: untrusted rule files must not crash or hang the server ----

Result<std::string> ExpandFixture(const std::string& text) {
  return Expand("t", text, FixtureData(), FixtureOptions());
}

TEST(Limits, DeepNestingOfActionsIsRefused) {
  std::string text;
  for (int i = 0; i < 5000; i++) text += "{{if 1}}";
  text += "x";
  for (int i = 0; i < 5000; i++) text += "{{end}}";
  auto r = ExpandFixture(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "error parsing template t: template: t:1: max expression depth exceeded");
  // Moderate nesting works.
  text.clear();
  for (int i = 0; i < 50; i++) text += "{{with .}}";
  text += "{{.Labels.job}}";
  for (int i = 0; i < 50; i++) text += "{{end}}";
  r = ExpandFixture(text);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, "node");
}

TEST(Limits, DeepParenthesesAreRefused) {
  std::string text = "{{" + std::string(20000, '(') + "1" + std::string(20000, ')') + "}}";
  auto r = ExpandFixture(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "error parsing template t: template: t:1: max expression depth exceeded");
}

TEST(Limits, RecursionEndsWithGosError) {
  auto r = ExpandFixture("{{define \"a\"}}{{template \"a\" .}}{{end}}{{template \"a\" .}}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message(),
      "error executing template t: template: t:1:25: executing \"a\" at <{{template \"a\" .}}>: exceeded "
      "maximum template depth (100000)");
}

TEST(Limits, ExponentialWorkIsCutOff) {
  std::string text;
  for (int i = 0; i < 40; i++) {
    text += "{{define \"t" + std::to_string(i) + "\"}}{{template \"t" + std::to_string(i + 1) +
            "\"}}{{template \"t" + std::to_string(i + 1) + "\"}}{{end}}";
  }
  text += "{{define \"t40\"}}x{{end}}{{template \"t0\"}}";
  auto r = ExpandFixture(text);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exceeded maximum evaluation steps (1000000)"), std::string::npos)
      << r.error().message();
  r = ExpandFixture("{{range 2000000000}}{{end}}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exceeded maximum evaluation steps"), std::string::npos);
}

TEST(Limits, OutputIsBounded) {
  auto r = ExpandFixture("{{range 100000}}" + std::string(100, 'x') + "{{end}}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exceeded maximum output size (4194304 bytes)"), std::string::npos);
  // Doubling a string in a loop is stopped long before memory runs out.
  r = ExpandFixture(
      "{{$s := \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}{{range 40}}{{$s = printf \"%s%s\" $s $s}}{{end}}{{len "
      "$s}}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exceeded maximum value size (16777216 bytes)"), std::string::npos)
      << r.error().message();
  // Go's fmt takes widths and precisions up to a million (one digit more, in fact).
  r = ExpandFixture(
      "{{printf \"%1000000d\" 1 | len}} {{printf \"%.1000000f\" 1.5 | len}} {{printf \"%1000001d\" 1 | len}} "
      "{{printf \"%.1000001f\" 1.5 | len}} {{printf \"%100000000d\" 1}}");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, "1000000 1000002 1000001 1000003 %!(NOVERB)%!(EXTRA int=1)");
  r = ExpandFixture("{{range 5}}{{printf \"%1000000d\" 1}}{{end}}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exceeded maximum output size"), std::string::npos);
}

// ---- robustness: arbitrary input never crashes, and fails only in Prometheus' words ----

void CheckOutcome(const std::string& text) {
  auto r = ExpandFixture(text);
  if (!r.ok()) {
    const std::string& m = r.error().message();
    EXPECT_TRUE(m.starts_with("error parsing template t: template: t:") ||
                m.starts_with("error executing template t: template: t"))
        << "text: " << text << "\nerror: " << m;
  }
}

TEST(Robustness, TokenSoup) {
  static const char* const kTokens[] = {"{{",
                                        "}}",
                                        "{{-",
                                        " -}}",
                                        " ",
                                        "\n",
                                        "(",
                                        ")",
                                        "|",
                                        ".",
                                        "$",
                                        "$x",
                                        ":=",
                                        "=",
                                        ",",
                                        "\"s\"",
                                        "`r`",
                                        "'c'",
                                        "1",
                                        "-2",
                                        "1.5",
                                        "0x1F",
                                        "1e3",
                                        "1i",
                                        "nil",
                                        "true",
                                        "if",
                                        "else",
                                        "end",
                                        "range",
                                        "with",
                                        "define",
                                        "template",
                                        "block",
                                        "break",
                                        "continue",
                                        "\"t\"",
                                        ".Labels",
                                        ".Labels.job",
                                        ".Value",
                                        ".ExternalURL",
                                        "$labels",
                                        "printf",
                                        "\"%d %s %v %.2f\"",
                                        "print",
                                        "len",
                                        "index",
                                        "slice",
                                        "eq",
                                        "lt",
                                        "and",
                                        "or",
                                        "not",
                                        "humanize",
                                        "humanizeDuration",
                                        "humanizeTimestamp",
                                        "query",
                                        "\"up\"",
                                        "first",
                                        "label",
                                        "value",
                                        "reReplaceAll",
                                        "\"(.*)\"",
                                        "match",
                                        "title",
                                        "toUpper",
                                        "args",
                                        "toTime",
                                        "toDuration",
                                        "sortByLabel",
                                        "safeHtml",
                                        "html",
                                        "js",
                                        "urlquery",
                                        "call",
                                        "/*",
                                        "*/",
                                        "x",
                                        "\xff",
                                        "\xc3\xa9"};
  std::mt19937 rng(42);
  std::uniform_int_distribution<size_t> pick(0, std::size(kTokens) - 1);
  std::uniform_int_distribution<int> length(1, 40);
  for (int i = 0; i < 30000; i++) {
    std::string text;
    int n = length(rng);
    for (int j = 0; j < n; j++) text += kTokens[pick(rng)];
    CheckOutcome(text);
    CheckOutcome(std::string(kAlertTemplateDefs) + text);
  }
}

TEST(Robustness, MutatedOracleCases) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; round++) {
    for (const OracleCase& c : kOracleCases) {
      std::string text = c.text;
      if (text.empty()) continue;
      std::uniform_int_distribution<size_t> pos(0, text.size() - 1);
      switch (rng() % 4) {
        case 0: text[pos(rng)] = static_cast<char>(rng() % 256); break;
        case 1: text.erase(pos(rng), 1 + rng() % 4); break;
        case 2: text.insert(pos(rng), text.substr(pos(rng), 1 + rng() % 8)); break;
        default: text = text.substr(0, pos(rng));
      }
      CheckOutcome(text);
    }
  }
}

}  // namespace
}  // namespace promref::tmpl
