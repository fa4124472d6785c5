// Grouping keys: Pushgateway's path syntax, base64 values and error texts (handler/push.go).
#include "push/grouping_key.h"

#include <gtest/gtest.h>

namespace promref::push {
namespace {

GroupingKey Key(std::string_view path) {
  Result<GroupingKey> k = ParseGroupingPath(path);
  EXPECT_TRUE(k.ok()) << path << ": " << (k.ok() ? "" : k.error().message());
  return k.ok() ? *k : GroupingKey{};
}

std::string Err(std::string_view path) {
  Result<GroupingKey> k = ParseGroupingPath(path);
  EXPECT_FALSE(k.ok()) << path;
  return k.ok() ? "" : k.error().message();
}

TEST(GroupingKey, PlainLabels) {
  EXPECT_EQ(Key("job/j").labels, (std::map<std::string, std::string>{{"job", "j"}}));
  EXPECT_EQ(Key("job/j/instance/i/a/b").labels,
            (std::map<std::string, std::string>{{"a", "b"}, {"instance", "i"}, {"job", "j"}}));
}

TEST(GroupingKey, EmptyValueFromTrailingSlash) {
  EXPECT_EQ(Key("job/j/a/").labels, (std::map<std::string, std::string>{{"a", ""}, {"job", "j"}}));
  EXPECT_EQ(Key("job/j/").labels, (std::map<std::string, std::string>{{"job", "j"}}));
}

TEST(GroupingKey, RepeatedLabelLaterWinsAndJobSegmentWins) {
  EXPECT_EQ(Key("job/j/a/1/a/2").labels.at("a"), "2");
  EXPECT_EQ(Key("job/j/job/other").labels.at("job"), "j");
}

TEST(GroupingKey, Base64) {
  EXPECT_EQ(Key("job@base64/Zm9vL2Jhcg").job(), "foo/bar");
  EXPECT_EQ(Key("job@base64/Zm9vL2Jhcg==").job(), "foo/bar");
  EXPECT_EQ(Key("job/j/a@base64/=").labels.at("a"), "");
  EXPECT_EQ(Key("job/j/a@base64/_-8").labels.at("a"), "\xff\xef");
}

TEST(GroupingKey, Errors) {
  EXPECT_EQ(Err("job/j/a"), "odd number of components in label string \"/a\"");
  EXPECT_EQ(Err("job/j/a/b/c"), "odd number of components in label string \"/a/b/c\"");
  EXPECT_EQ(Err("job/j/1a/b"), "improper label name \"1a\"");
  EXPECT_EQ(Err("job/j/__a/b"), "improper label name \"__a\"");
  EXPECT_EQ(Err("job/j/a-b@base64/b"), "improper label name \"a-b\"");
  EXPECT_EQ(Err("job@base64/=/a/b"), "job name is required");
  EXPECT_EQ(Err("job@base64/Zm9v!"),
            "invalid base64 encoding in job name \"foo\": illegal base64 data at input byte 4");
  EXPECT_EQ(Err("job/j/a@base64/a"),
            "invalid base64 encoding for label a=\"a\": illegal base64 data at input byte 0");
  EXPECT_EQ(ParseGroupingPath("other/x").error().kind(), ErrorKind::kNotFound);
}

TEST(GroupingKey, IdIsSortedAndSeparated) {
  EXPECT_EQ(Key("job/j/b/2/a/1").Id(), std::string("a\xff"
                                                   "1\xff"
                                                   "b\xff"
                                                   "2\xff"
                                                   "job\xff"
                                                   "j"));
}

}  // namespace
}  // namespace promref::push
