// Writes the seed corpus of fuzz_xor_chunk into a directory: chunks written by the head's XOR
// appender (a batch-size byte, then the chunk) with regular and jittered scrapes, every dod
// bucket, constant, counter-like, gauge-like and random-bit values, stale markers, and a chunk
// cut short.
//
// usage: fuzz_xor_chunk_seeds DIR
#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "model/sample.h"
#include "tsdb/chunks/xor.h"

namespace {

std::string Chunk(uint8_t batch, const std::vector<std::pair<int64_t, double>>& samples) {
  promref::tsdb::ChunkBuffer buf;
  promref::tsdb::XorState state;
  for (const auto& [t, v] : samples) promref::tsdb::XorAppender(&buf, &state).Append(t, v);
  return std::string(1, static_cast<char>(batch)) + std::string(buf.view());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  std::mt19937_64 rnd(7);
  std::vector<std::string> seeds;
  const int64_t t0 = 1'700'000'000'000;
  std::vector<std::pair<int64_t, double>> constant, counter, gauge, jitter, buckets, random_bits;
  double c = 0;
  int64_t t = t0, delta = 15000;
  for (int i = 0; i < 120; ++i) {
    constant.emplace_back(t0 + i * 15000, 1);
    c += static_cast<double>(rnd() % 100);
    counter.emplace_back(t0 + i * 15000, i == 60 ? std::bit_cast<double>(promref::model::kStaleNaNBits) : c);
    gauge.emplace_back(t0 + i * 15000, 20 + static_cast<double>(rnd() % 1000) / 100);
    jitter.emplace_back(t0 + i * 15000 + static_cast<int64_t>(rnd() % 30), static_cast<double>(i));
    random_bits.emplace_back(t0 + i * 15000, std::bit_cast<double>(rnd()));
    static const int64_t kDods[] = {0, 8192, -8191, 65536, -65535, 524288, -524287, int64_t{1} << 40};
    delta += kDods[i % 8];
    t += delta;
    buckets.emplace_back(t, static_cast<double>(i % 3));
    delta += int64_t{1} << 41;  // keep the deltas positive
  }
  for (const auto* s : {&constant, &counter, &gauge, &jitter, &buckets, &random_bits}) {
    seeds.push_back(Chunk(255, *s));
    seeds.push_back(Chunk(6, *s));
  }
  seeds.push_back(seeds[2].substr(0, seeds[2].size() / 2));  // cut short
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream(dir / ("seed-" + std::to_string(i)), std::ios::binary) << seeds[i];
  }
  return 0;
}
