// The pieces under relabeling: MD5, Go's case mapping, the regex wrapper and yaml.v2's reading
// of scalars. Values other than the RFC's were computed with Go 1.26.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/text_encoding.h"
#include "relabel/go_unicode.h"
#include "relabel/go_yaml.h"
#include "relabel/md5.h"
#include "relabel/regexp.h"

namespace promref::relabel {
namespace {

using model::HexEncode;

TEST(Md5Test, Rfc1321TestSuite) {
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Md5("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(HexEncode(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexEncode(Md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(HexEncode(Md5("abcdefghijklmnopqrstuvwxyz")), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(HexEncode(Md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(HexEncode(Md5("1234567890123456789012345678901234567890"
                          "1234567890123456789012345678901234567890")),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5Test, PaddingBoundaries) {
  // 55 bytes fit the length in the same block; 56 need another; 64 and 65 straddle blocks.
  EXPECT_EQ(HexEncode(Md5(std::string(55, 'a'))), "ef1772b6dff9a122358552954ad0df65");
  EXPECT_EQ(HexEncode(Md5(std::string(56, 'a'))), "3b0c8ac703f828b04c6c197006d17218");
  EXPECT_EQ(HexEncode(Md5(std::string(64, 'a'))), "014842d480b571495a4a0363793f7367");
  EXPECT_EQ(HexEncode(Md5(std::string(65, 'a'))), "c743a45e0d2e6a95cb859adae0248435");
  EXPECT_EQ(HexEncode(Md5("10.0.0.1:9100")), "1eac7f871dc4b32a4cfeac4083628b3d");
  EXPECT_EQ(HexEncode(Md5("\u00fc")), "c03410a5204b21cd8229ff754688d743");
}

TEST(GoUnicodeTest, CaseMappingAsGosStrings) {
  struct Case {
    std::string in, lower, upper;
  };
  const std::vector<Case> cases = {
      {"AbC", "abc", "ABC"},
      {"\u00c0\u00c9\u00ce", "\u00e0\u00e9\u00ee", "\u00c0\u00c9\u00ce"},
      {"stra\u00dfe", "stra\u00dfe", "STRA\u00dfE"},                       // ß has no one-rune upper case
      {"\u0130x", "ix", "\u0130X"},                                        // İ lowers to plain i
      {"\u01c4\u01c5\u01c6", "\u01c6\u01c6\u01c6", "\u01c4\u01c4\u01c4"},  // DŽ, Dž, dž
      {"\u03a3\u0391\u03a3", "\u03c3\u03b1\u03c3", "\u03a3\u0391\u03a3"},  // no final sigma
      {"a\u00ffb", "a\u00ffb", "A\u0178B"},
      {"\u1e9e", "\u00df", "\u1e9e"},
      {"\u2126\u212a", "\u03c9k", "\u2126\u212a"},  // Ohm and Kelvin signs
      {"\ufb00", "\ufb00", "\ufb00"},
      {"\u0345", "\u0345", "\u0399"},
      {"\u1f88", "\u1f80", "\u1f88"},
      {"a\xff", "a\xef\xbf\xbd", "A\xef\xbf\xbd"},  // an invalid byte becomes U+FFFD
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(GoToLower(c.in), c.lower);
    EXPECT_EQ(GoToUpper(c.in), c.upper);
  }
}

TEST(GoUnicodeTest, Digits) {
  EXPECT_TRUE(IsUnicodeDigit('0'));
  EXPECT_TRUE(IsUnicodeDigit('9'));
  EXPECT_FALSE(IsUnicodeDigit('a'));
  EXPECT_TRUE(IsUnicodeDigit(0x661));    // ARABIC-INDIC DIGIT ONE
  EXPECT_TRUE(IsUnicodeDigit(0xFF19));   // FULLWIDTH DIGIT NINE
  EXPECT_FALSE(IsUnicodeDigit(0xB2));    // SUPERSCRIPT TWO is No, not Nd
  EXPECT_FALSE(IsUnicodeDigit(0x2160));  // ROMAN NUMERAL ONE is Nl
}

TEST(RegexpTest, AnchoredWithDotAll) {
  auto re = Regexp::Compile("a.c");
  ASSERT_TRUE(re.ok());
  EXPECT_TRUE(re->Matches("a\nc"));
  EXPECT_FALSE(re->Matches("xa\ncx"));
  EXPECT_EQ(re->pattern(), "a.c");
  EXPECT_FALSE(re->IsDefault());
  EXPECT_TRUE(Regexp::Default().IsDefault());
  EXPECT_FALSE(Regexp::Compile("(.*)")->IsDefault());  // equal text, another instance
}

TEST(RegexpTest, MatchGroups) {
  auto re = Regexp::Compile("(a)|(b)");
  ASSERT_TRUE(re.ok());
  const auto groups = re->Match("b");
  ASSERT_TRUE(groups.has_value());
  ASSERT_EQ(groups->size(), 3u);
  EXPECT_EQ((*groups)[0], "b");
  EXPECT_EQ((*groups)[1].data(), nullptr);  // took no part
  EXPECT_EQ((*groups)[2], "b");
  EXPECT_FALSE(re->Match("ab").has_value());
}

TEST(RegexpTest, NamedGroupsInBothSpellings) {
  auto re = Regexp::Compile(R"((?<first>\w)(?P<second>\w)[(?<]\Q(?<\E)");
  ASSERT_TRUE(re.ok()) << re.error().message();
  const auto groups = re->Match("ab<(?<");
  ASSERT_TRUE(groups.has_value());
  EXPECT_EQ(re->Expand("$second$first ${first}", *groups), "ba a");
}

TEST(GoYamlTest, ResolvedTags) {
  struct Case {
    std::string yaml, tag;
  };
  const std::vector<Case> cases = {
      {"abc", "!!str"},      {"'10'", "!!str"},   {"10", "!!int"},    {"-0x1F", "!!int"}, {"0b101", "!!int"},
      {"1_000", "!!int"},    {"1.5", "!!float"},  {".5", "!!float"},  {"1e3", "!!float"}, {".inf", "!!float"},
      {"yes", "!!bool"},     {"Off", "!!bool"},   {"~", "!!null"},    {"null", "!!null"}, {"'null'", "!!str"},
      {"[a]", "!!seq"},      {"{a: 1}", "!!map"}, {"1.2.3", "!!str"}, {"0x", "!!str"},    {"+5", "!!int"},
      {"!!str 10", "!!str"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    EXPECT_EQ(ResolvedYamlTag(YAML::Load(c.yaml)), c.tag);
  }
}

TEST(GoYamlTest, NeedsQuotes) {
  for (const char* s : {"", "~", "null", "yes", "N", "true", "1", "1.5", "0x10", ".inf", "-1"}) {
    EXPECT_TRUE(YamlNeedsQuotes(s)) << s;
  }
  for (const char* s : {";", "$1", "(.*)", "a.b", "1.2.3", "yess", "-", "+", "0b", "-0b"}) {
    EXPECT_FALSE(YamlNeedsQuotes(s)) << s;
  }
}

}  // namespace
}  // namespace promref::relabel
