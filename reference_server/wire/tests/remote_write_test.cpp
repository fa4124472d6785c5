#include "wire/remote_write.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <vector>

#include "remote.pb.h"

namespace promref::wire {
namespace {

TEST(RemoteWrite, RoundTripsSeriesSamplesExemplarsAndMetadata) {
  WriteRequest req;
  TimeSeries ts;
  ts.labels = {{"__name__", "up"}, {"job", "x"}, {"job", "dup"}, {"empty", ""}};
  ts.samples = {{1000, 1.5}, {2000, model::StaleNaN()}};
  ts.exemplars = {{{{"trace_id", "abc"}}, 2.5, 1500}};
  Histogram h;
  h.count_int = 5;
  h.sum = 12.5;
  h.schema = 3;
  h.positive_spans = {{0, 2}, {-1, 1}};
  h.positive_deltas = {1, 2, -1};
  h.timestamp = 3000;
  ts.histograms = {h};
  req.timeseries.push_back(ts);
  req.metadata.push_back({MetricType::kCounter, "up_total", "help text", "seconds"});

  auto back = DecodeWriteRequest(EncodeWriteRequest(req));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->timeseries.size(), 1u);
  const TimeSeries& got = back->timeseries[0];
  EXPECT_EQ(got.labels, ts.labels);  // order, duplicates and empty values preserved
  ASSERT_EQ(got.samples.size(), 2u);
  EXPECT_EQ(got.samples[0].v, 1.5);
  EXPECT_TRUE(model::IsStaleNaN(got.samples[1].v));
  ASSERT_EQ(got.exemplars.size(), 1u);
  EXPECT_EQ(got.exemplars[0].labels, ts.exemplars[0].labels);
  ASSERT_EQ(got.histograms.size(), 1u);
  EXPECT_FALSE(got.histograms[0].is_float);
  EXPECT_EQ(got.histograms[0].positive_deltas, h.positive_deltas);
  EXPECT_EQ(got.histograms[0].positive_spans[1].offset, -1);
  ASSERT_EQ(back->metadata.size(), 1u);
  EXPECT_EQ(back->metadata[0].type, MetricType::kCounter);
  EXPECT_EQ(back->metadata[0].unit, "seconds");
}

TEST(RemoteWrite, MalformedProtobufIsBadData) {
  auto r = DecodeWriteRequest("\x0a\xff\xff\xff");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kBadData);
}

// --- Protobuf built by hand, for what a correct encoder never writes ---------------------------

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Key(uint32_t field, int wire_type) {
  return Varint(uint64_t{field} << 3 | static_cast<uint64_t>(wire_type));
}
std::string Bytes(uint32_t field, std::string_view v) {
  return Key(field, 2) + Varint(v.size()) + std::string(v);
}
std::string Label(std::string_view name, std::string_view value) {
  return Bytes(1, Bytes(1, name) + Bytes(2, value));
}
std::string SampleBytes(double v, int64_t t) {
  std::string fixed(8, '\0');
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) fixed[static_cast<size_t>(i)] = static_cast<char>(bits >> (8 * i));
  return Bytes(2, Key(1, 1) + fixed + Key(2, 0) + Varint(static_cast<uint64_t>(t)));
}

TEST(RemoteWrite, StringsAreBytesAsInGoSoTheReceiverJudgesInvalidUtf8) {
  // The generated C++ parser rejects a whole request over one bad label; Go's does not.
  const std::string req = Bytes(1, Label("__name__", "up") + Label("bad", "\xff\xfe") + SampleBytes(1, 1000));
  auto back = DecodeWriteRequest(req);
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_EQ(back->timeseries.size(), 1u);
  EXPECT_EQ(back->timeseries[0].labels[1].second, "\xff\xfe");
}

TEST(RemoteWrite, InterleavedRepeatedFieldsAndUnknownFieldsDecode) {
  // Repeated fields may come in any order and interleave; unknown fields (of every wire type,
  // groups included) are skipped.
  std::string unknown = Key(9, 0) + Varint(300) + Key(10, 1) + std::string(8, 'x') + Key(11, 5) +
                        std::string(4, 'y') + Bytes(12, "zz") + Key(13, 3) + Key(1, 0) + Varint(1) +
                        Key(13, 4);
  const std::string series =
      Label("__name__", "m") + SampleBytes(1, 1000) + unknown + Label("job", "j") + SampleBytes(2, 2000);
  const std::string req = Bytes(1, series) + Key(2, 0) + Varint(7) + Bytes(1, Label("__name__", "n"));
  WriteRequestView view;
  ASSERT_TRUE(view.Decode(req).ok());
  ASSERT_EQ(view.series().size(), 2u);
  const auto labels = view.LabelsOf(view.series()[0]);
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[1].name, "job");
  const auto samples = view.SamplesOf(view.series()[0]);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[1].t, 2000);
  EXPECT_EQ(samples[1].v, 2);
  EXPECT_TRUE(view.SamplesOf(view.series()[1]).empty());
  EXPECT_EQ(view.LabelsOf(view.series()[1])[0].value, "n");
}

TEST(RemoteWrite, MalformedInputIsRejectedAsGoRejectsIt) {
  const std::string good = Bytes(1, Label("__name__", "up") + SampleBytes(1, 1000));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"truncated", good.substr(0, good.size() - 1)},
      {"field number 0", Key(0, 0) + Varint(1)},
      {"wire type 7", Key(1, 7)},
      {"varint longer than 10 bytes", Key(9, 0) + std::string(10, '\x80') + "\x01"},
      {"length past the end", Key(1, 2) + Varint(100) + "abc"},
      {"label name as a varint", Bytes(1, Bytes(1, Key(1, 0) + Varint(5)))},
      {"sample value as a varint", Bytes(1, Bytes(2, Key(1, 0) + Varint(5)))},
      {"end group without a start", Key(9, 4)},
      {"group closed with another number", Key(9, 3) + Key(8, 4)},
      {"unterminated group", Key(9, 3) + Key(1, 0) + Varint(1)},
  };
  for (const auto& [what, bytes] : bad) {
    WriteRequestView view;
    const Status st = view.Decode(bytes);
    ASSERT_FALSE(st.ok()) << what;
    EXPECT_EQ(st.error().kind(), ErrorKind::kBadData) << what;
    EXPECT_TRUE(view.series().empty()) << what;
  }
  WriteRequestView view;
  EXPECT_TRUE(view.Decode(good).ok());
}

TEST(RemoteWrite, ViewReusedAcrossDecodesHoldsOnlyTheLatest) {
  // The view points into the bytes it decoded: they must outlive it.
  const std::string first = Bytes(1, Label("__name__", "a") + SampleBytes(1, 1));
  const std::string second = Bytes(1, Label("__name__", "b")) + Bytes(1, Label("__name__", "c"));
  WriteRequestView view;
  ASSERT_TRUE(view.Decode(first).ok());
  ASSERT_TRUE(view.Decode(second).ok());
  ASSERT_EQ(view.series().size(), 2u);
  EXPECT_EQ(view.LabelsOf(view.series()[0])[0].value, "b");
  EXPECT_TRUE(view.SamplesOf(view.series()[0]).empty());
}

TEST(Snappy, RejectsCorruptAndOversizedInput) {
  EXPECT_FALSE(SnappyDecompress("not snappy at all", 1 << 20).ok());
  const std::string big(1000, 'x');
  const std::string c = SnappyCompress(big);
  EXPECT_TRUE(SnappyDecompress(c, 1000).ok());
  EXPECT_FALSE(SnappyDecompress(c, 999).ok());
}

RC_GTEST_PROP(RemoteWriteProperty, SampleValuesAndTimestampsSurviveBitExact,
              (std::vector<std::pair<int64_t, uint64_t>> points)) {
  WriteRequest req;
  TimeSeries ts;
  ts.labels = {{"__name__", "m"}};
  for (auto [t, bits] : points) ts.samples.push_back({t, std::bit_cast<double>(bits)});
  req.timeseries.push_back(ts);
  auto compressed = SnappyCompress(EncodeWriteRequest(req));
  auto raw = SnappyDecompress(compressed, 64 << 20);
  RC_ASSERT(raw.ok());
  auto back = DecodeWriteRequest(*raw);
  RC_ASSERT(back.ok());
  const auto& got = back->timeseries.at(0).samples;
  RC_ASSERT(got.size() == points.size());
  for (size_t i = 0; i < got.size(); ++i) {
    RC_ASSERT(got[i].t == points[i].first);
    RC_ASSERT(std::bit_cast<uint64_t>(got[i].v) == points[i].second);
  }
}

// The view against the generated parser, on requests as the generated encoder writes them (the
// layout the view reads straight off the bytes, and labels or samples with empty or zero
// fields that it does not) and on cut or flipped versions of them: what the generated parser
// reads, the view reads the same.
// Whether the generated parser skipped anything as unknown in `m` or the messages it holds. A
// known field with another wire type is such a field, which the generated parser skips and Go
// (and so the view) rejects: a flipped bit in a key makes one.
bool SkippedUnknownFields(const google::protobuf::Message& m) {
  const google::protobuf::Reflection* r = m.GetReflection();
  if (r->GetUnknownFields(m).field_count() > 0) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!f->is_repeated()) {
      if (SkippedUnknownFields(r->GetMessage(m, f))) return true;
      continue;
    }
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      if (SkippedUnknownFields(r->GetRepeatedMessage(m, f, i))) return true;
    }
  }
  return false;
}

RC_GTEST_PROP(RemoteWriteProperty, ViewReadsWhatTheGeneratedParserReads,
              (std::vector<std::pair<std::string, std::string>> labels,
               std::vector<std::pair<int64_t, uint64_t>> points, size_t cut, uint8_t flip)) {
  WriteRequest req;
  TimeSeries ts;
  ts.labels = labels;
  if (*rc::gen::arbitrary<bool>()) ts.labels.push_back({std::string(*rc::gen::inRange(120, 300), 'n'), "v"});
  for (auto [t, bits] : points) ts.samples.push_back({t, std::bit_cast<double>(bits)});
  ts.samples.push_back({0, 0.0});
  req.timeseries.push_back(ts);
  std::string bytes = EncodeWriteRequest(req);
  if (*rc::gen::arbitrary<bool>()) {
    bytes.resize(std::min(bytes.size(), cut));
    if (!bytes.empty()) bytes[cut % bytes.size()] = static_cast<char>(bytes[cut % bytes.size()] ^ flip);
  }
  prometheus::WriteRequest want;
  if (!want.ParseFromString(bytes)) return;  // (it also refuses strings that are not UTF-8)
  if (SkippedUnknownFields(want)) return;    // where Go and the generated parser part ways
  WriteRequestView view;
  RC_ASSERT(view.Decode(bytes).ok());
  RC_ASSERT(view.series().size() == static_cast<size_t>(want.timeseries_size()));
  for (size_t i = 0; i < view.series().size(); ++i) {
    const prometheus::TimeSeries& w = want.timeseries(static_cast<int>(i));
    const auto got_labels = view.LabelsOf(view.series()[i]);
    RC_ASSERT(got_labels.size() == static_cast<size_t>(w.labels_size()));
    for (size_t j = 0; j < got_labels.size(); ++j) {
      RC_ASSERT(got_labels[j].name == w.labels(static_cast<int>(j)).name());
      RC_ASSERT(got_labels[j].value == w.labels(static_cast<int>(j)).value());
    }
    const auto got_samples = view.SamplesOf(view.series()[i]);
    RC_ASSERT(got_samples.size() == static_cast<size_t>(w.samples_size()));
    for (size_t j = 0; j < got_samples.size(); ++j) {
      RC_ASSERT(got_samples[j].t == w.samples(static_cast<int>(j)).timestamp());
      RC_ASSERT(std::bit_cast<uint64_t>(got_samples[j].v) ==
                std::bit_cast<uint64_t>(w.samples(static_cast<int>(j)).value()));
    }
  }
}

// Label and sample messages laid out field by field, in any order, with repeats and unknown
// fields (3, of any wire type): the view's shortcut for the usual layout must not take any of
// these for it. Known fields keep their wire types: Go rejects the others, where the generated
// C++ parser skips them.
std::string AnyOtherField() {
  const uint64_t bits = *rc::gen::arbitrary<uint64_t>();
  switch (*rc::gen::inRange(0, 3)) {
    case 0: return Key(3, 0) + Varint(bits);
    case 1: return Key(3, 1) + std::string(reinterpret_cast<const char*>(&bits), 8);
    default: return Bytes(3, "x");
  }
}
std::string AnyLabelMessage() {
  std::string out = *rc::gen::inRange(0, 4) != 0 ? Bytes(1, "n") : "";
  const int fields = *rc::gen::inRange(0, 3);
  for (int i = 0; i < fields; ++i) {
    const int number = *rc::gen::inRange(1, 4);
    out += number == 3 ? AnyOtherField()
                       : Bytes(static_cast<uint32_t>(number),
                               *rc::gen::container<std::string>(rc::gen::inRange('a', 'z')));
  }
  return out;
}
std::string AnySampleMessage() {
  const uint64_t first = *rc::gen::arbitrary<uint64_t>();
  // Usually the value first, as senders write it; what follows decides.
  std::string out =
      *rc::gen::inRange(0, 4) != 0 ? Key(1, 1) + std::string(reinterpret_cast<const char*>(&first), 8) : "";
  const int fields = *rc::gen::inRange(0, 3);
  for (int i = 0; i < fields; ++i) {
    const uint64_t bits = *rc::gen::arbitrary<uint64_t>();
    switch (*rc::gen::inRange(1, 4)) {
      case 1: out += Key(1, 1) + std::string(reinterpret_cast<const char*>(&bits), 8); break;
      case 2: out += Key(2, 0) + Varint(bits); break;
      default: out += AnyOtherField(); break;
    }
  }
  return out;
}

RC_GTEST_PROP(RemoteWriteProperty, LabelAndSampleLayoutsReadAsTheGeneratedParserReadsThem, ()) {
  std::string series;
  const int n = *rc::gen::inRange(1, 6);
  for (int i = 0; i < n; ++i) {
    series += *rc::gen::arbitrary<bool>() ? Bytes(1, AnyLabelMessage()) : Bytes(2, AnySampleMessage());
  }
  const std::string bytes = Bytes(1, series);
  prometheus::WriteRequest want;
  WriteRequestView view;
  const bool view_ok = view.Decode(bytes).ok();
  RC_ASSERT(want.ParseFromString(bytes) == view_ok);
  if (!view_ok) return;
  const prometheus::TimeSeries& w = want.timeseries(0);
  const auto got_labels = view.LabelsOf(view.series()[0]);
  RC_ASSERT(got_labels.size() == static_cast<size_t>(w.labels_size()));
  for (size_t j = 0; j < got_labels.size(); ++j) {
    RC_ASSERT(got_labels[j].name == w.labels(static_cast<int>(j)).name());
    RC_ASSERT(got_labels[j].value == w.labels(static_cast<int>(j)).value());
  }
  const auto got_samples = view.SamplesOf(view.series()[0]);
  RC_ASSERT(got_samples.size() == static_cast<size_t>(w.samples_size()));
  for (size_t j = 0; j < got_samples.size(); ++j) {
    RC_ASSERT(got_samples[j].t == w.samples(static_cast<int>(j)).timestamp());
    RC_ASSERT(std::bit_cast<uint64_t>(got_samples[j].v) ==
              std::bit_cast<uint64_t>(w.samples(static_cast<int>(j)).value()));
  }
}

// Whatever the bytes, decoding never reads outside them and either fails or yields a view
// whose ranges are consistent (every truncation of a valid request included).
RC_GTEST_PROP(RemoteWriteProperty, TruncatedOrMutatedRequestsNeverCrash,
              (std::vector<std::pair<std::string, std::string>> labels, size_t cut, uint8_t flip)) {
  WriteRequest req;
  TimeSeries ts;
  ts.labels = labels;
  ts.samples = {{1000, 1.5}};
  ts.exemplars = {{{{"trace_id", "abc"}}, 2.5, 1500}};
  req.timeseries.push_back(ts);
  std::string bytes = EncodeWriteRequest(req);
  bytes.resize(std::min(bytes.size(), cut));
  if (!bytes.empty()) bytes[cut % bytes.size()] = static_cast<char>(bytes[cut % bytes.size()] ^ flip);
  WriteRequestView view;
  if (view.Decode(bytes).ok()) {
    for (const auto& s : view.series()) {
      for (const model::LabelView& l : view.LabelsOf(s)) {
        for (std::string_view part : {l.name, l.value}) {
          if (part.empty()) continue;
          RC_ASSERT(part.data() >= bytes.data());
          RC_ASSERT(part.data() + part.size() <= bytes.data() + bytes.size());
        }
      }
    }
  }
}

}  // namespace
}  // namespace promref::wire
