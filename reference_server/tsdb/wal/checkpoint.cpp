#include "tsdb/wal/checkpoint.h"

#include <cstdio>
#include <filesystem>

#include "tsdb/util/fault.h"
#include "tsdb/util/file.h"

namespace promref::tsdb::wal {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "checkpoint.";

std::string CheckpointName(int index) {
  char name[32];
  std::snprintf(name, sizeof(name), "checkpoint.%08d", index);
  return name;
}

// Parses "checkpoint.NNNNNNNN" (-1 when it is not one).
int ParseCheckpoint(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return -1;
  const std::string num = name.substr(kPrefix.size());
  if (num.empty() || num.size() > 9 || num.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(num);
}

}  // namespace

CheckpointRef LastCheckpoint(const std::string& wal_dir) {
  CheckpointRef best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(wal_dir, ec)) {
    if (!e.is_directory()) continue;
    const int idx = ParseCheckpoint(e.path().filename().string());
    if (idx > best.index) best = {idx, e.path().string()};
  }
  return best;
}

void RemoveTmpCheckpoints(const std::string& wal_dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(wal_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(kPrefix, 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".tmp") {
      fs::remove_all(e.path(), ec);
    }
  }
}

Status Checkpoint(Wal& wal, int last, const CheckpointFilter& f) {
  const std::string& dir = wal.dir();
  const CheckpointRef prev = LastCheckpoint(dir);
  std::vector<SegmentRef> inputs;
  if (prev.index >= 0) {
    auto segs = ListSegments(prev.dir);
    if (!segs.ok()) return segs.error();
    inputs = std::move(*segs);
  }
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.error();
  for (const SegmentRef& s : *segs) {
    if (s.index > prev.index && s.index <= last) inputs.push_back(s);
  }

  // Filter every record into one output buffer.
  std::string out;
  Reader r(inputs);
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<RefHistogram> hists;
  std::vector<RefTombstone> stones;
  std::vector<RefExemplar> exemplars;
  auto emit = [&](auto encode, auto& v) {
    if (v.empty()) return;
    const size_t start = BeginRecord(&out);
    encode(v, &out);
    EndRecord(&out, start, wal.compression());
    v.clear();
  };
  while (r.Next()) {
    const std::string_view rec = r.Record();
    switch (TypeOf(rec)) {
      case RecordType::kSeries: {
        std::vector<RefSeries> in;
        if (!DecodeSeries(rec, &in)) return Error(ErrorKind::kInternal, "checkpoint: corrupt series record");
        for (auto& s : in) {
          if (f.keep_series(s.ref)) series.push_back(std::move(s));
        }
        emit(EncodeSeries, series);
        break;
      }
      case RecordType::kSamples:
      case RecordType::kSamplesWithStart: {
        std::vector<RefSample> in;
        if (!DecodeSamples(rec, &in))
          return Error(ErrorKind::kInternal, "checkpoint: corrupt samples record");
        for (const auto& s : in) {
          if (f.keep_sample(s.ref, s.t)) samples.push_back(s);
        }
        emit(EncodeSamples, samples);
        break;
      }
      case RecordType::kHistograms:
      case RecordType::kHistogramsWithStart: {
        std::vector<RefHistogram> in;
        if (!DecodeHistograms(rec, &in))
          return Error(ErrorKind::kInternal, "checkpoint: corrupt histogram record");
        for (auto& h : in) {
          if (f.keep_sample(h.ref, h.t)) hists.push_back(std::move(h));
        }
        emit(EncodeHistograms, hists);
        break;
      }
      case RecordType::kTombstones: {
        std::vector<RefTombstone> in;
        if (!DecodeTombstones(rec, &in))
          return Error(ErrorKind::kInternal, "checkpoint: corrupt tombstone record");
        for (const auto& t : in) {
          if (t.maxt >= f.mint && f.keep_series(t.ref)) stones.push_back(t);
        }
        emit(EncodeTombstones, stones);
        break;
      }
      case RecordType::kExemplars: {
        std::vector<RefExemplar> in;
        if (!DecodeExemplars(rec, &in))
          return Error(ErrorKind::kInternal, "checkpoint: corrupt exemplar record");
        for (auto& e : in) {
          if (e.t >= f.mint && f.keep_series(e.ref)) exemplars.push_back(std::move(e));
        }
        emit(EncodeExemplars, exemplars);
        break;
      }
      case RecordType::kMetadata: break;  // the current set is written below
      case RecordType::kUnknown: return Error(ErrorKind::kInternal, "checkpoint: unknown record type");
    }
  }
  if (r.error()) return *r.error();
  if (r.corruption()) {
    return Error(ErrorKind::kInternal, "checkpoint: corrupt WAL segment " + r.corruption()->path +
                                           " at offset " + std::to_string(r.corruption()->offset) + ": " +
                                           r.corruption()->reason);
  }
  if (!f.metadata.empty()) {
    const size_t start = BeginRecord(&out);
    EncodeMetadata(f.metadata, &out);
    EndRecord(&out, start, wal.compression());
  }

  const std::string final_dir = dir + "/" + CheckpointName(last);
  const std::string tmp = final_dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return IoError("mkdir", tmp, ec.value());
  if (Status s = WriteFileAtomic(tmp + "/" + SegmentName(0), out); !s.ok()) return s;
  fault::CrashPoint("wal.checkpoint.before_rename");
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  if (ec) return IoError("rename", tmp, ec.value());
  if (Status s = FsyncDir(dir); !s.ok()) return s;

  // The checkpoint now stands for everything up to `last`.
  fault::CrashPoint("wal.checkpoint.before_segment_removal");
  if (Status s = wal.TruncateBefore(last + 1); !s.ok()) return s;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const int idx = ParseCheckpoint(e.path().filename().string());
    if (idx >= 0 && idx < last) fs::remove_all(e.path(), ec);
  }
  return {};
}

}  // namespace promref::tsdb::wal
