#include "model/labels.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "model/utf8.h"

namespace promref::model {
namespace {

TEST(Labels, SortedUniqueAndWithoutEmptyValues) {
  Labels l{{"job", "api"}, {"__name__", "up"}, {"instance", "a:1"}, {"empty", ""}, {"job", "web"}};
  std::vector<std::pair<std::string, std::string>> got;
  for (const LabelView& v : l) got.emplace_back(v.name, v.value);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"__name__", "up"}, {"instance", "a:1"}, {"job", "web"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(l.size(), 3u);
  EXPECT_EQ(l.Get("job"), "web");
  EXPECT_EQ(l.Get("missing"), "");
  EXPECT_EQ(l.MetricName(), "up");
  EXPECT_FALSE(l.Has("empty"));
}

TEST(Labels, ToStringQuotesLikePrometheus) {
  EXPECT_EQ((Labels{{"__name__", "up"}, {"job", "a\"b"}}).ToString(), "{__name__=\"up\", job=\"a\\\"b\"}");
  EXPECT_EQ((Labels{{"a.b", "x"}}).ToString(), "{\"a.b\"=\"x\"}");
  EXPECT_EQ(Labels().ToString(), "{}");
}

TEST(Labels, CompareFollowsPrometheusOrder) {
  const Labels a{{"a", "1"}};
  const Labels a2{{"a", "2"}};
  const Labels ab{{"a", "1"}, {"b", "1"}};
  const Labels b{{"b", "0"}};
  EXPECT_LT(Compare(a, a2), 0);
  EXPECT_LT(Compare(a, ab), 0);  // a prefix sorts first
  EXPECT_LT(Compare(ab, b), 0);  // name "a" < "b" decides before length
  EXPECT_EQ(Compare(a, Labels{{"a", "1"}}), 0);
  EXPECT_LT(Compare(Labels(), a), 0);
  // Byte order, not locale: upper case sorts before lower case, UTF-8 after ASCII.
  EXPECT_LT(Compare(Labels{{"a", "Z"}}, Labels{{"a", "a"}}), 0);
  EXPECT_LT(Compare(Labels{{"a", "z"}}, Labels{{"a", "é"}}), 0);
}

TEST(Labels, BuilderSetDelKeep) {
  LabelsBuilder b(Labels{{"__name__", "x"}, {"a", "1"}, {"b", "2"}});
  b.Set("c", "3").Del("a").Set("b", "");
  EXPECT_EQ(b.Build(), (Labels{{"__name__", "x"}, {"c", "3"}}));
  const std::vector<std::string> keep = {"c", "zzz"};
  b.Keep(keep);
  EXPECT_EQ(b.Build(), (Labels{{"c", "3"}}));
}

TEST(Labels, HashesOverSubsets) {
  const Labels l1{{"__name__", "x"}, {"job", "a"}, {"instance", "1"}};
  const Labels l2{{"__name__", "y"}, {"job", "a"}, {"instance", "2"}};
  const std::vector<std::string> job = {"job"};
  EXPECT_EQ(l1.HashForNames(job), l2.HashForNames(job));
  const std::vector<std::string> instance = {"instance"};
  EXPECT_NE(l1.HashForNames(instance), l2.HashForNames(instance));
  // without() ignores __name__ as well as the listed names.
  EXPECT_EQ(l1.HashWithoutNames(instance), l2.HashWithoutNames(instance));
  EXPECT_NE(l1.HashWithoutNames({}), l2.HashWithoutNames({}));
}

TEST(Labels, FromEncodedRejectsInvalidBytes) {
  const Labels l{{"a", "1"}, {"b", "2"}};
  auto back = Labels::FromEncoded(l.Encoded());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, l);
  EXPECT_FALSE(Labels::FromEncoded(std::string("\x05"
                                               "ab",
                                               3))
                   .ok());  // truncated
  EXPECT_FALSE(Labels::FromEncoded(std::string("\x01"
                                               "b\x01"
                                               "1\x01"
                                               "a\x01"
                                               "1",
                                               8))
                   .ok());  // unsorted
  EXPECT_FALSE(Labels::FromEncoded(std::string("\x01"
                                               "a\x00",
                                               3))
                   .ok());  // empty value
}

TEST(Names, LegacyAndUtf8Validity) {
  EXPECT_TRUE(IsValidLegacyLabelName("_a1"));
  EXPECT_FALSE(IsValidLegacyLabelName("1a"));
  EXPECT_FALSE(IsValidLegacyLabelName("a:b"));
  EXPECT_TRUE(IsValidLegacyMetricName("a:b_1"));
  EXPECT_TRUE(IsValidLegacyMetricName(":a"));
  EXPECT_FALSE(IsValidLegacyMetricName("a.b"));
  EXPECT_FALSE(IsValidLegacyMetricName(""));
  EXPECT_TRUE(IsValidLabelName("a.b"));
  EXPECT_TRUE(IsValidLabelName("ünïcödé"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("\xff"));
  EXPECT_TRUE(IsValidLabelValue(""));
  EXPECT_FALSE(IsValidLabelValue("\xc0\x80"));      // overlong
  EXPECT_FALSE(IsValidLabelValue("\xed\xa0\x80"));  // surrogate
}

TEST(Names, ValueEncodingEscaping) {
  EXPECT_EQ(UnescapeValueEncoding("U__http_2e_status__code"), "http.status_code");
  // The API document's own example leaves the "_" of "status_code" unescaped; "_c" then
  // starts a hex escape that never closes, so Prometheus keeps the name as it is.
  EXPECT_EQ(UnescapeValueEncoding("U__http_2e_status_code"), "U__http_2e_status_code");
  EXPECT_EQ(UnescapeValueEncoding("U__a__b"), "a_b");
  EXPECT_EQ(UnescapeValueEncoding("U___1f600_"), "\U0001F600");
  EXPECT_EQ(UnescapeValueEncoding("plain_name"), "plain_name");
  // Invalid encodings come back unchanged.
  EXPECT_EQ(UnescapeValueEncoding("U__a_"), "U__a_");
  EXPECT_EQ(UnescapeValueEncoding("U__a_zz_"), "U__a_zz_");
  EXPECT_EQ(UnescapeValueEncoding("U__a_1234567_"), "U__a_1234567_");
  EXPECT_EQ(UnescapeValueEncoding("U__a_d800_"), "U__a_d800_");
  EXPECT_EQ(UnescapeValueEncoding("U__a_2e"), "U__a_2e");
  EXPECT_EQ(EscapeValueEncoding("http.status_code"), "U__http_2e_status__code");
  EXPECT_EQ(EscapeValueEncoding("valid_name"), "valid_name");
  EXPECT_EQ(EscapeValueEncoding("1a"), "U___31_a");
}

// --- Properties ------------------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> GenPairs() {
  const auto name =
      rc::gen::oneOf(rc::gen::element<std::string>("__name__", "job", "instance", "a", "b", "le"),
                     rc::gen::nonEmpty(rc::gen::string<std::string>()));
  return *rc::gen::container<std::vector<std::pair<std::string, std::string>>>(
      rc::gen::pair(name, rc::gen::string<std::string>()));
}

Labels Build(const std::vector<std::pair<std::string, std::string>>& pairs) {
  LabelsBuilder b;
  for (const auto& [n, v] : pairs) b.Set(n, v);
  return b.Build();
}

RC_GTEST_PROP(LabelsProperty, SortedUniqueNonEmptyAndMatchesAMapModel, ()) {
  const auto pairs = GenPairs();
  std::map<std::string, std::string> model;
  for (const auto& [n, v] : pairs) {
    if (v.empty()) {
      model.erase(n);
    } else {
      model[n] = v;
    }
  }
  const Labels l = Build(pairs);
  std::vector<std::pair<std::string, std::string>> got;
  for (const LabelView& v : l) got.emplace_back(v.name, v.value);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  RC_ASSERT(got == Pairs(model.begin(), model.end()));
  for (const auto& [n, v] : model) RC_ASSERT(l.Get(n) == v);
  RC_ASSERT(l.size() == model.size());
  auto decoded = Labels::FromEncoded(l.Encoded());
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == l);
}

RC_GTEST_PROP(LabelsProperty, EqualIffSameContentAndHashAgrees, ()) {
  const auto p1 = GenPairs();
  const auto p2 = *rc::gen::oneOf(rc::gen::just(p1), rc::gen::just(GenPairs()));
  const Labels a = Build(p1);
  // Build b from the same pairs in a different order where possible.
  auto shuffled = p2;
  std::reverse(shuffled.begin(), shuffled.end());
  std::map<std::string, std::string> ma, mb;
  for (const auto& [n, v] : p1) v.empty() ? (void)ma.erase(n) : (void)(ma[n] = v);
  for (const auto& [n, v] : p2) v.empty() ? (void)mb.erase(n) : (void)(mb[n] = v);
  const Labels b = Build(p2);
  RC_ASSERT((a == b) == (ma == mb));
  RC_ASSERT((Compare(a, b) == 0) == (ma == mb));
  if (ma == mb) RC_ASSERT(a.Hash() == b.Hash());
  if (ma != mb) RC_ASSERT(a.Hash() != b.Hash());  // a 64-bit collision here would be news
}

RC_GTEST_PROP(LabelsProperty, CompareIsLexicographicOverPairs, ()) {
  const Labels a = Build(GenPairs());
  const Labels b = Build(GenPairs());
  std::vector<std::pair<std::string, std::string>> va, vb;
  for (const LabelView& v : a) va.emplace_back(v.name, v.value);
  for (const LabelView& v : b) vb.emplace_back(v.name, v.value);
  const int c = Compare(a, b);
  RC_ASSERT((c < 0) == (va < vb));
  RC_ASSERT((c == 0) == (va == vb));
  RC_ASSERT((Compare(b, a) > 0) == (c < 0));
}

RC_GTEST_PROP(NamesProperty, EscapingRoundTripsValidUtf8Names, ()) {
  const auto runes = *rc::gen::nonEmpty(rc::gen::container<std::vector<char32_t>>(
      rc::gen::oneOf(rc::gen::element<char32_t>('a', 'Z', '_', ':', '0', '.', '/', ' ', 0xe9, 0x4e16),
                     rc::gen::inRange<char32_t>(1, 0x10FFFF))));
  std::string name;
  for (char32_t r : runes) {
    if (IsValidRune(r)) AppendRune(&name, r);
  }
  RC_PRE(!name.empty());
  const std::string escaped = EscapeValueEncoding(name);
  RC_ASSERT(IsValidLegacyMetricName(escaped));
  RC_ASSERT(UnescapeValueEncoding(escaped) == name || escaped == name);
}

}  // namespace
}  // namespace promref::model
