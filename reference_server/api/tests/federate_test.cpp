// /federate's format negotiation and name escaping (common/expfmt and common/model rules; the
// expectations were printed by common v0.72.1, Prometheus 3.16's); the answers themselves are compared with
// Prometheus 3.16 in remote_write_histogram_diff_test.
#include "api/federate.h"

#include <gtest/gtest.h>

namespace promref::api::federate {
namespace {

constexpr const char* kProto =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=";

TEST(FederateFormat, NegotiatesAsExpfmt) {
  EXPECT_EQ(Negotiate("").ContentType(), "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
  EXPECT_EQ(Negotiate(std::string(kProto) + "delimited").encoding, Encoding::kProtoDelimited);
  EXPECT_EQ(Negotiate(std::string(kProto) + "compact-text").encoding, Encoding::kProtoCompact);
  // Without its parameters the protobuf type matches no offer: text.
  EXPECT_EQ(Negotiate("application/vnd.google.protobuf").encoding, Encoding::kText);
  // Higher q first, whatever the order written.
  EXPECT_EQ(Negotiate(std::string(kProto) + "delimited;q=0.5,text/plain;q=0.9").encoding, Encoding::kText);
  EXPECT_EQ(Negotiate(std::string("text/plain;q=0.2,") + kProto + "text;q=0.7").encoding,
            Encoding::kProtoText);
  // A text/plain clause of another version matches nothing.
  EXPECT_EQ(Negotiate("text/plain;version=1.0.0").ContentType(),
            "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
  // A known escaping parameter sticks, even from a clause that matched nothing; unknown ones
  // are ignored.
  EXPECT_EQ(Negotiate("application/json;escaping=dots, text/plain").escaping, Escaping::kDots);
  EXPECT_EQ(Negotiate("text/plain;escaping=bogus").escaping, Escaping::kUnderscores);
  EXPECT_EQ(Negotiate(std::string(kProto) + "delimited;escaping=allow-utf-8").ContentType(),
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; "
            "escaping=allow-utf-8");
}

TEST(FederateFormat, EscapesNamesAsModelEscapeName) {
  EXPECT_EQ(EscapeName("http_requests:rate5m", Escaping::kUnderscores), "http_requests:rate5m");
  EXPECT_EQ(EscapeName("my.metric", Escaping::kUnderscores), "my_metric");
  EXPECT_EQ(EscapeName("9lives", Escaping::kUnderscores), "_lives");
  EXPECT_EQ(EscapeName("ünï", Escaping::kUnderscores), "_n_");  // one '_' per rune, not per byte
  EXPECT_EQ(EscapeName("a_b.c", Escaping::kDots), "a__b_dot_c");
  EXPECT_EQ(EscapeName("plain_name", Escaping::kDots), "plain__name");  // dots escapes valid names too
  EXPECT_EQ(EscapeName("plain_name", Escaping::kValues), "plain_name");
  EXPECT_EQ(EscapeName("my.metric_x", Escaping::kValues), "U__my_2e_metric__x");
  EXPECT_EQ(EscapeName("a\xff", Escaping::kValues), "U__a_fffd_");  // an invalid byte is U+FFFD
  EXPECT_EQ(EscapeName("9lives", Escaping::kValues), "U___39_lives");
  EXPECT_EQ(EscapeName("ünï", Escaping::kDots), "__n__");
  EXPECT_EQ(EscapeName("x\xF0\x9F\x94\xA5", Escaping::kValues), "U__x_1f525_");
  EXPECT_EQ(EscapeName("any.thing", Escaping::kAllowUtf8), "any.thing");
}

}  // namespace
}  // namespace promref::api::federate
