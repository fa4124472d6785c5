// The WAL's record types and their encodings. Every record starts with its type byte.
//
//   kSeries      repeated: ref uvarint, labels (model::Labels encoding, uvarint-prefixed)
//   kSamples     base ref BE64, base time BE64, then repeated: ref - base (varint),
//                t - base (varint), value bits BE64     (Prometheus' layout)
//   kTombstones  repeated: ref uvarint, mint varint, maxt varint
//   kExemplars   repeated: ref uvarint, t varint, value BE64, labels
//   kHistograms  repeated: ref uvarint, t varint, FloatHistogram (see histogram_chunk.h)
//   kMetadata    repeated: family, type byte, unit, help (strings uvarint-prefixed)
//   kSamplesWithStart, kHistogramsWithStart
//                kSamples and kHistograms with each sample's start timestamp after its
//                time, as t - st (varint). Written for a batch only when one of its samples
//                has a start timestamp, so WALs without them stay readable by older promrefs.
//
// Series records are written when a series is created (before any sample can refer to it);
// the other records when an appender commits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/histogram.h"
#include "model/labels.h"
#include "storage/storage.h"

namespace promref::tsdb::wal {

enum class RecordType : uint8_t {
  kUnknown = 0,
  kSeries = 1,
  kSamples = 2,
  kTombstones = 3,
  kExemplars = 4,
  kHistograms = 5,
  kMetadata = 6,
  kSamplesWithStart = 7,
  kHistogramsWithStart = 8,
};

struct RefSeries {
  uint64_t ref = 0;
  model::Labels labels;
};
struct RefSample {
  uint64_t ref = 0;
  int64_t t = 0;
  double v = 0;
  int64_t st = 0;  // start timestamp; 0 = unknown
};
struct RefTombstone {
  uint64_t ref = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
};
struct RefExemplar {
  uint64_t ref = 0;
  int64_t t = 0;
  double v = 0;
  model::Labels labels;
};
struct RefHistogram {
  uint64_t ref = 0;
  int64_t t = 0;
  model::FloatHistogram h;
  int64_t st = 0;  // start timestamp; 0 = unknown
};
struct RefMetadata {
  std::string family;
  storage::Metadata meta;
};

RecordType TypeOf(std::string_view rec);

// Encoders append one record payload (type byte included) to `out`. Samples and histograms
// get the ...WithStart type when one of them has a start timestamp; their decoders read both.
void EncodeSeries(const std::vector<RefSeries>& series, std::string* out);
void EncodeSamples(const std::vector<RefSample>& samples, std::string* out);
void EncodeTombstones(const std::vector<RefTombstone>& ts, std::string* out);
void EncodeExemplars(const std::vector<RefExemplar>& es, std::string* out);
void EncodeHistograms(const std::vector<RefHistogram>& hs, std::string* out);
void EncodeMetadata(const std::vector<RefMetadata>& ms, std::string* out);

// Decoders append to `out`; false when the payload is malformed.
bool DecodeSeries(std::string_view rec, std::vector<RefSeries>* out);
bool DecodeSamples(std::string_view rec, std::vector<RefSample>* out);
bool DecodeTombstones(std::string_view rec, std::vector<RefTombstone>* out);
bool DecodeExemplars(std::string_view rec, std::vector<RefExemplar>* out);
bool DecodeHistograms(std::string_view rec, std::vector<RefHistogram>* out);
bool DecodeMetadata(std::string_view rec, std::vector<RefMetadata>* out);

}  // namespace promref::tsdb::wal
