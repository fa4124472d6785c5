// sum_over_time and avg_over_time of many float windows at once (window_sums.h).
#include "promql/internal/window_sums.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "promql/internal/go_math.h"

namespace promref::promql::internal {

double SumFloatWindow(std::span<const Point> points) {
  double sum = 0, c = 0;
  for (const Point& p : points) KahanSumInc(p.f, &sum, &c);
  return sum + c;
}

// Prometheus' funcAvgOverTime over floats: a Kahan sum divided at the end, unless the sum
// overflows; from then on an incremental mean, also Kahan-compensated.
double AvgFloatWindow(std::span<const Point> p) {
  double sum = p[0].f, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < p.size(); ++i) {
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double new_sum = sum, new_c = c;
      KahanSumInc(p[i].f, &new_sum, &new_c);
      if (!std::isinf(new_sum)) {
        sum = new_sum, c = new_c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const double q = (count - 1) / count;
    double m = q * mean, mc = q * c;
    KahanSumInc(p[i].f / count, &m, &mc);
    mean = m, c = mc;
  }
  return incremental ? mean + c : sum / count + c / count;
}

namespace {

using Kernel = void (*)(const Point* p, const WindowSpan* w, int n, double* out);
constexpr int kLanes = 8;  // windows per kernel call

template <bool kMean>
void OneByOne(const Point* p, const WindowSpan* w, int n, double* out) {
  for (int k = 0; k < n; ++k) {
    const std::span<const Point> window(p + w[k].lo, w[k].hi - w[k].lo);
    out[k] = kMean ? AvgFloatWindow(window) : SumFloatWindow(window);
  }
}

#if defined(__x86_64__)
#define PROMREF_AVX2 [[gnu::target("avx2"), gnu::always_inline]] inline

// Four windows in the lanes of AVX registers. Each lane takes KahanSumInc's steps for its own
// window; a lane whose window has ended keeps its sums.
struct FourWindows {
  const Point* p;
  int64_t first[4];  // index of each window's first point
  int64_t last[4];   // ... and of its last
  __m256d len;       // window lengths, as the count the mean divides by
  __m256d s, c;      // running sum and compensation
  __m256d overflow;  // lanes whose sum overflowed (for the mean)
};

PROMREF_AVX2 void Start(FourWindows* g, const Point* p, const WindowSpan* w, int n, bool mean) {
  g->p = p;
  double len[4], s[4];
  for (int k = 0; k < 4; ++k) {
    const WindowSpan& span = w[k < n ? k : 0];  // spare lanes repeat the first window
    g->first[k] = span.lo;
    g->last[k] = span.hi - 1;
    len[k] = static_cast<double>(span.hi - span.lo);
    s[k] = mean ? p[span.lo].f : 0.0;  // the mean starts from the first point, the sum from 0
  }
  g->len = _mm256_loadu_pd(len);
  g->s = _mm256_loadu_pd(s);
  g->c = _mm256_setzero_pd();
  g->overflow = _mm256_setzero_pd();
}

// Adds each window's point i (0-based), where it has one.
PROMREF_AVX2 void Add(FourWindows* g, int64_t i, bool mean) {
  auto at = [&](int k) { return g->p[std::min(g->first[k] + i, g->last[k])].f; };
  const __m256d inc = _mm256_set_pd(at(3), at(2), at(1), at(0));
  const __m256d active = _mm256_cmp_pd(_mm256_set1_pd(static_cast<double>(i)), g->len, _CMP_LT_OQ);
  const __m256d abs = _mm256_castsi256_pd(_mm256_set1_epi64x(INT64_MAX));
  const __m256d t = _mm256_add_pd(g->s, inc);
  // |sum| >= |inc|, false when either is NaN, as Go's comparison.
  const __m256d sum_larger = _mm256_cmp_pd(_mm256_and_pd(g->s, abs), _mm256_and_pd(inc, abs), _CMP_GE_OQ);
  const __m256d larger = _mm256_blendv_pd(inc, g->s, sum_larger);
  const __m256d smaller = _mm256_blendv_pd(g->s, inc, sum_larger);
  __m256d compensated = _mm256_add_pd(g->c, _mm256_add_pd(_mm256_sub_pd(larger, t), smaller));
  const __m256d inf = _mm256_cmp_pd(_mm256_and_pd(t, abs), _mm256_set1_pd(DBL_MAX), _CMP_GT_OQ);
  if (mean) {
    g->overflow = _mm256_or_pd(g->overflow, _mm256_and_pd(active, inf));
  } else {
    compensated = _mm256_andnot_pd(inf, compensated);  // +0 where the sum is infinite
  }
  g->s = _mm256_blendv_pd(g->s, t, active);
  g->c = _mm256_blendv_pd(g->c, compensated, active);
}

PROMREF_AVX2 void Finish(const FourWindows& g, int n, bool mean, double* out) {
  double result[4], overflow[4];
  const __m256d r =
      mean ? _mm256_add_pd(_mm256_div_pd(g.s, g.len), _mm256_div_pd(g.c, g.len)) : _mm256_add_pd(g.s, g.c);
  _mm256_storeu_pd(result, r);
  _mm256_storeu_pd(overflow, g.overflow);
  for (int k = 0; k < n; ++k) {
    // From an overflow on, Prometheus switches to an incremental mean: that window alone.
    const bool redo = mean && std::signbit(overflow[k]);
    out[k] = redo ? AvgFloatWindow({g.p + g.first[k], static_cast<size_t>(g.last[k] - g.first[k] + 1)})
                  : result[k];
  }
}

// Eight windows as two independent groups of four, so that one group's additions run while
// the other's wait on their latency.
template <bool kMean>
[[gnu::target("avx2")]] void EightWindowsAvx2(const Point* p, const WindowSpan* w, int n, double* out) {
  FourWindows a, b;
  const int na = std::min(n, 4), nb = std::max(n - 4, 0);
  Start(&a, p, w, na, kMean);
  Start(&b, p, nb > 0 ? w + 4 : w, std::max(nb, 1), kMean);
  int64_t max_len = 0;
  for (int k = 0; k < n; ++k) max_len = std::max<int64_t>(max_len, w[k].hi - w[k].lo);
  for (int64_t i = kMean ? 1 : 0; i < max_len; ++i) {
    Add(&a, i, kMean);
    Add(&b, i, kMean);
  }
  Finish(a, na, kMean, out);
  if (nb > 0) Finish(b, nb, kMean, out + 4);
}
#undef PROMREF_AVX2
#endif

template <bool kMean>
Kernel Pick() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return EightWindowsAvx2<kMean>;
#endif
  return OneByOne<kMean>;
}

template <bool kMean>
void AllWindows(std::span<const Point> points, std::span<const WindowSpan> windows, double* out) {
  static const Kernel kernel = Pick<kMean>();
  for (size_t k = 0; k < windows.size(); k += kLanes) {
    const int n = static_cast<int>(std::min<size_t>(kLanes, windows.size() - k));
    kernel(points.data(), windows.data() + k, n, out + k);
  }
}

}  // namespace

void SumFloatWindows(std::span<const Point> points, std::span<const WindowSpan> windows, double* out) {
  AllWindows<false>(points, windows, out);
}

void AvgFloatWindows(std::span<const Point> points, std::span<const WindowSpan> windows, double* out) {
  AllWindows<true>(points, windows, out);
}

}  // namespace promref::promql::internal
