#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "product_common.h"
#include "thread_pool.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EDGESCOPE_AVX2 1
#include <immintrin.h>
// AVX2 kernels are compiled for AVX2+FMA whatever the baseline; detectSimd() decides
// at run time whether they may be called.
#define ES_AVX2 __attribute__((target("avx2,fma")))
#define ES_AVX512 __attribute__((target("avx512f,avx2,fma")))
#endif

#if defined(__aarch64__) && defined(__ARM_NEON)
#define EDGESCOPE_NEON 1
#include <arm_neon.h>
#endif

namespace edgescope {

namespace {

using namespace product;

constexpr size_t kMaxBlockSide = 16;

// ---------------------------------------------------------------------------------------------
// Scalar kernels (any CPU). SpMM inner loops run over contiguous lanes, which compilers
// vectorize with the baseline SIMD (SSE2 on x86-64, NEON on arm64).

// One CSR column panel at batch 1: its row pointers, its activations, and whether its sums add
// to the previous panels' (the first panel adds the bias instead).
struct PanelView {
  const float* val;
  const uint32_t* ptr;
  const float* x;
  bool accumulate;
};

float rowStart(const PanelView& p, const float* bias, const float* out, size_t r) { return p.accumulate ? out[r] : biasAt(bias, r); }

template <typename Idx>
void spmvCsrScalar(const PanelView& p, const Idx* col, const float* bias, float* out, size_t r0, size_t r1) {
  const float* val = p.val;
  const uint32_t* ptr = p.ptr;
  const float* x = p.x;
  for (size_t r = r0; r < r1; ++r) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t j = ptr[r];
    const size_t end = ptr[r + 1];
    for (; j + 4 <= end; j += 4) {
      s0 += val[j] * x[col[j]];
      s1 += val[j + 1] * x[col[j + 1]];
      s2 += val[j + 2] * x[col[j + 2]];
      s3 += val[j + 3] * x[col[j + 3]];
    }
    for (; j < end; ++j) s0 += val[j] * x[col[j]];
    out[r] = rowStart(p, bias, out, r) + ((s0 + s1) + (s2 + s3));
  }
}

void spmvBsrScalar(const PackedMatrix& m, const float* x, const float* bias, float* out, size_t br0, size_t br1) {
  const size_t R = m.blockRows, C = m.blockCols;
  const uint32_t* ptr = m.rowPtr.data();
  for (size_t br = br0; br < br1; ++br) {
    float acc[kMaxBlockSide] = {0};
    for (size_t j = ptr[br]; j < ptr[br + 1]; ++j) {
      const float* v = m.values.data() + j * R * C;
      const float* xs = x + static_cast<size_t>(m.colIdx32[j]) * C;
      for (size_t rr = 0; rr < R; ++rr) {
        float s = 0;
        for (size_t cc = 0; cc < C; ++cc) s += v[rr * C + cc] * xs[cc];
        acc[rr] += s;
      }
    }
    for (size_t rr = 0; rr < R && br * R + rr < m.rows; ++rr) out[br * R + rr] = biasAt(bias, br * R + rr) + acc[rr];
  }
}

template <typename Idx>
void spmmCsrScalar(const PackedMatrix& m, const Idx* col, const Tile& t, const float* bias, float* out, size_t r0, size_t r1) {
  const float* val = m.values.data();
  float acc[kMaxTile];
  for (size_t r = r0; r < r1; ++r) {
    std::fill(acc, acc + t.stride, 0.0f);
    for (size_t p = 0; p < m.panels; ++p) {
      const uint32_t* ptr = m.panelPtr(p);
      const float* xt = t.xt + p * m.panelCols * t.stride;
      for (size_t j = ptr[r]; j < ptr[r + 1]; ++j) {
        const float v = val[j];
        const float* xr = xt + static_cast<size_t>(col[j]) * t.stride;
        for (size_t l = 0; l < t.stride; ++l) acc[l] += v * xr[l];
      }
    }
    storeRow(acc, t, m.rows, r, bias, out);
  }
}

void spmmBsrScalar(const PackedMatrix& m, const Tile& t, const float* bias, float* out, size_t br0, size_t br1) {
  const size_t R = m.blockRows, C = m.blockCols;
  const uint32_t* ptr = m.rowPtr.data();
  float acc[kMaxTile];
  for (size_t br = br0; br < br1; ++br) {
    for (size_t rr = 0; rr < R && br * R + rr < m.rows; ++rr) {
      std::fill(acc, acc + t.stride, 0.0f);
      for (size_t j = ptr[br]; j < ptr[br + 1]; ++j) {
        const float* v = m.values.data() + j * R * C + rr * C;
        const float* xr = t.xt + static_cast<size_t>(m.colIdx32[j]) * C * t.stride;
        for (size_t cc = 0; cc < C; ++cc)
          for (size_t l = 0; l < t.stride; ++l) acc[l] += v[cc] * xr[cc * t.stride + l];
      }
      storeRow(acc, t, m.rows, br * R + rr, bias, out);
    }
  }
}

// SELL on any CPU: each lane (row) of a slice walks its own entries; padding (weight 0) is
// skipped, as in the vector kernel.
void spmvSellScalar(const PackedMatrix& m, const float* x, const float* bias, float* out, size_t s0, size_t s1) {
  const SellSegment* seg = m.sellSegments.data();
  const uint32_t* ptr = m.rowPtr.data();
  for (size_t s = s0; s < s1; ++s) {
    float acc[kSellRows] = {0};
    size_t step = m.sellStepPtr[s];
    for (size_t q = ptr[s]; q < ptr[s + 1]; ++q) {
      const float* xw = x + static_cast<size_t>(seg[q].window) * kSellWindow;
      for (size_t k = 0; k < seg[q].steps; ++k, ++step) {
        const float* v = m.values.data() + step * kSellRows;
        const uint8_t* off = m.sellOffsets.data() + step * kSellRows;
        for (size_t l = 0; l < kSellRows; ++l)
          if (v[l] != 0.0f) acc[l] += v[l] * xw[off[l]];
      }
    }
    for (size_t l = 0; l < kSellRows && s * kSellRows + l < m.rows; ++l) out[s * kSellRows + l] = biasAt(bias, s * kSellRows + l) + acc[l];
  }
}

// SELL at batch > 1 (the format is made for batch 1: this path is correct, not fast): each
// row's entries multiply its batch lanes as in CSR, padding entries skipped.
void spmmSellScalar(const PackedMatrix& m, const Tile& t, const float* bias, float* out, size_t s0, size_t s1) {
  const SellSegment* seg = m.sellSegments.data();
  const uint32_t* ptr = m.rowPtr.data();
  float acc[kMaxTile];
  for (size_t s = s0; s < s1; ++s) {
    for (size_t l = 0; l < kSellRows && s * kSellRows + l < m.rows; ++l) {
      std::fill(acc, acc + t.stride, 0.0f);
      size_t step = m.sellStepPtr[s];
      for (size_t q = ptr[s]; q < ptr[s + 1]; ++q) {
        for (size_t k = 0; k < seg[q].steps; ++k, ++step) {
          const size_t e = step * kSellRows + l;
          const float v = m.values[e];
          if (v == 0.0f) continue;
          const float* xr = t.xt + (static_cast<size_t>(seg[q].window) * kSellWindow + m.sellOffsets[e]) * t.stride;
          for (size_t b = 0; b < t.stride; ++b) acc[b] += v * xr[b];
        }
      }
      storeRow(acc, t, m.rows, s * kSellRows + l, bias, out);
    }
  }
}

// ---------------------------------------------------------------------------------------------
#ifdef EDGESCOPE_AVX2

// Eight activations x[c[0..7]] in one vector, by scalar loads rather than vpgatherdps:
// measured here (AMD EPYC, 2026) the whole SpMV ran 1.5-1.8x faster this way, and Intel's
// gathers are slowed by the Gather Data Sampling (Downfall) microcode mitigation. 16-bit
// indices come four per 64-bit load (x86 is little-endian), sparing load ports.
ES_AVX2 inline __m256 gather8(const float* x, const uint16_t* c) {
  uint64_t w0, w1;
  std::memcpy(&w0, c, 8);
  std::memcpy(&w1, c + 4, 8);
  return _mm256_setr_ps(x[w0 & 0xffff], x[(w0 >> 16) & 0xffff], x[(w0 >> 32) & 0xffff], x[w0 >> 48], x[w1 & 0xffff], x[(w1 >> 16) & 0xffff],
                        x[(w1 >> 32) & 0xffff], x[w1 >> 48]);
}
ES_AVX2 inline __m256 gather8(const float* x, const uint32_t* c) {
  return _mm256_setr_ps(x[c[0]], x[c[1]], x[c[2]], x[c[3]], x[c[4]], x[c[5]], x[c[6]], x[c[7]]);
}

// Four activations for the tail of a row: half the shuffles of gather8.
ES_AVX2 inline __m128 gather4(const float* x, const uint16_t* c) {
  uint64_t w;
  std::memcpy(&w, c, 8);
  return _mm_setr_ps(x[w & 0xffff], x[(w >> 16) & 0xffff], x[(w >> 32) & 0xffff], x[w >> 48]);
}
ES_AVX2 inline __m128 gather4(const float* x, const uint32_t* c) { return _mm_setr_ps(x[c[0]], x[c[1]], x[c[2]], x[c[3]]); }

ES_AVX2 inline float hsum128(__m128 v) {
  __m128 shuf = _mm_movehdup_ps(v);
  __m128 sums = _mm_add_ps(v, shuf);
  shuf = _mm_movehl_ps(shuf, sums);
  return _mm_cvtss_f32(_mm_add_ss(sums, shuf));
}

ES_AVX2 inline float hsum256(__m256 v) { return hsum128(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1))); }

// Batch 1: eight activations per FMA, two accumulator chains.
template <typename Idx>
ES_AVX2 void spmvCsrAvx2(const PanelView& p, const Idx* col, const float* bias, float* out, size_t r0, size_t r1) {
  const float* val = p.val;
  const uint32_t* ptr = p.ptr;
  const float* x = p.x;
  const __m128i lanes4 = _mm_setr_epi32(0, 1, 2, 3);
  for (size_t r = r0; r < r1; ++r) {
    size_t j = ptr[r];
    const size_t end = ptr[r + 1];
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    for (; j + 16 <= end; j += 16) {
      // Matrices beyond the caches stream from DRAM: ask for the values and indices 1 KiB /
      // 512 B ahead (measured 10-20% faster on 20 MB matrices; a prefetch past the end is harmless).
      _mm_prefetch(reinterpret_cast<const char*>(val + j + 256), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(col + j + 256), _MM_HINT_T0);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(val + j), gather8(x, col + j), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(val + j + 8), gather8(x, col + j + 8), a1);
    }
    if (j + 8 <= end) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(val + j), gather8(x, col + j), a0);
      j += 8;
    }
    // The last 1..7 nonzeros: one 4-wide step, then one masked 4-wide step, rather than a
    // scalar loop or a masked 8-wide step. Short rows (NeuralTalk Wd has 66 per row) spend a
    // good part of their time here, and building a vector from scattered activations costs a
    // shuffle per element, so the narrower steps build only what they use. The masked loads
    // run past the row into the next row or the arrays' zero padding (valid columns); masked
    // lanes become exact zeros, so an inf or NaN there cannot leak in.
    __m128 tail = _mm_setzero_ps();
    if (j + 4 <= end) {
      tail = _mm_mul_ps(_mm_loadu_ps(val + j), gather4(x, col + j));
      j += 4;
    }
    if (j < end) {
      const __m128 mask = _mm_castsi128_ps(_mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(end - j)), lanes4));
      const __m128 xv = _mm_blendv_ps(_mm_setzero_ps(), gather4(x, col + j), mask);
      tail = _mm_fmadd_ps(_mm_and_ps(_mm_loadu_ps(val + j), mask), xv, tail);
    }
    const __m256 a = _mm256_add_ps(a0, a1);
    out[r] = rowStart(p, bias, out, r) + hsum128(_mm_add_ps(_mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1)), tail));
  }
}

// BSR 1x4: two blocks per 8-lane FMA.
ES_AVX2 void spmvBsr1x4Avx2(const PackedMatrix& m, const float* x, const float* bias, float* out, size_t r0, size_t r1) {
  const float* val = m.values.data();
  const uint32_t* bcol = m.colIdx32.data();
  const uint32_t* ptr = m.rowPtr.data();
  for (size_t r = r0; r < r1; ++r) {
    size_t j = ptr[r];
    const size_t end = ptr[r + 1];
    __m256 acc = _mm256_setzero_ps();
    for (; j + 2 <= end; j += 2) {
      const __m128 lo = _mm_loadu_ps(x + static_cast<size_t>(bcol[j]) * 4);
      const __m128 hi = _mm_loadu_ps(x + static_cast<size_t>(bcol[j + 1]) * 4);
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(val + j * 4), _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1), acc);
    }
    float s = hsum256(acc);
    if (j < end) s += hsum128(_mm_mul_ps(_mm_loadu_ps(val + j * 4), _mm_loadu_ps(x + static_cast<size_t>(bcol[j]) * 4)));
    out[r] = biasAt(bias, r) + s;
  }
}

// BSR Rx4 with R even: a block's two rows share one 8-lane FMA against the 4 activations twice.
template <int R>
ES_AVX2 void spmvBsrEvenx4Avx2(const PackedMatrix& m, const float* x, const float* bias, float* out, size_t br0, size_t br1) {
  const float* val = m.values.data();
  const uint32_t* bcol = m.colIdx32.data();
  const uint32_t* ptr = m.rowPtr.data();
  for (size_t br = br0; br < br1; ++br) {
    __m256 acc[R / 2];
    for (int p = 0; p < R / 2; ++p) acc[p] = _mm256_setzero_ps();
    for (size_t j = ptr[br]; j < ptr[br + 1]; ++j) {
      const __m256 xv = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(x + static_cast<size_t>(bcol[j]) * 4));
      const float* v = val + j * R * 4;
      for (int p = 0; p < R / 2; ++p) acc[p] = _mm256_fmadd_ps(_mm256_loadu_ps(v + 8 * p), xv, acc[p]);
    }
    for (int p = 0; p < R / 2; ++p) {
      const size_t r = br * R + 2 * p;
      if (r < m.rows) out[r] = biasAt(bias, r) + hsum128(_mm256_castps256_ps128(acc[p]));
      if (r + 1 < m.rows) out[r + 1] = biasAt(bias, r + 1) + hsum128(_mm256_extractf128_ps(acc[p], 1));
    }
  }
}

template <int NV>
ES_AVX2 void storeRowAvx2(const __m256* acc, const Tile& t, size_t rows, size_t r, const float* bias, float* out) {
  alignas(32) float lanes[NV * 8];
  for (int k = 0; k < NV; ++k) _mm256_store_ps(lanes + 8 * k, acc[k]);
  storeRow(lanes, t, rows, r, bias, out);
}

// Batch > 1: each weight is broadcast once and multiplied into NV*8 batch lanes.
template <int NV, typename Idx>
ES_AVX2 void spmmCsrAvx2(const PackedMatrix& m, const Idx* col, const Tile& t, const float* bias, float* out, size_t r0, size_t r1) {
  const float* val = m.values.data();
  for (size_t r = r0; r < r1; ++r) {
    __m256 acc[NV];
    for (int k = 0; k < NV; ++k) acc[k] = _mm256_setzero_ps();
    for (size_t p = 0; p < m.panels; ++p) {
      const uint32_t* ptr = m.panelPtr(p);
      const float* xt = t.xt + p * m.panelCols * t.stride;
      for (size_t j = ptr[r]; j < ptr[r + 1]; ++j) {
        const __m256 v = _mm256_set1_ps(val[j]);
        const float* xr = xt + static_cast<size_t>(col[j]) * t.stride;
        for (int k = 0; k < NV; ++k) acc[k] = _mm256_fmadd_ps(v, _mm256_loadu_ps(xr + 8 * k), acc[k]);
      }
    }
    storeRowAvx2<NV>(acc, t, m.rows, r, bias, out);
  }
}

template <int NV>
ES_AVX2 void spmmBsrAvx2(const PackedMatrix& m, const Tile& t, const float* bias, float* out, size_t br0, size_t br1) {
  const size_t R = m.blockRows, C = m.blockCols;
  const uint32_t* ptr = m.rowPtr.data();
  for (size_t br = br0; br < br1; ++br) {
    for (size_t rr = 0; rr < R && br * R + rr < m.rows; ++rr) {
      __m256 acc[NV];
      for (int k = 0; k < NV; ++k) acc[k] = _mm256_setzero_ps();
      for (size_t j = ptr[br]; j < ptr[br + 1]; ++j) {
        const float* v = m.values.data() + j * R * C + rr * C;
        const float* xr = t.xt + static_cast<size_t>(m.colIdx32[j]) * C * t.stride;
        for (size_t cc = 0; cc < C; ++cc) {
          const __m256 vb = _mm256_set1_ps(v[cc]);
          for (int k = 0; k < NV; ++k) acc[k] = _mm256_fmadd_ps(vb, _mm256_loadu_ps(xr + cc * t.stride + 8 * k), acc[k]);
        }
      }
      storeRowAvx2<NV>(acc, t, m.rows, br * R + rr, bias, out);
    }
  }
}

// A SELL step's 16 activations from a 64-column window held in four registers: two
// two-register permutes on offset bits 0-4 and a blend on bit 5.
ES_AVX512 inline __m512 windowActivations(const uint8_t* off, __m512 x0, __m512 x1, __m512 x2, __m512 x3) {
  const __m512i i = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(off)));
  const __m512 lo = _mm512_permutex2var_ps(x0, i, x1), hi = _mm512_permutex2var_ps(x2, i, x3);
  return _mm512_mask_blend_ps(_mm512_test_epi32_mask(i, _mm512_set1_epi32(32)), lo, hi);
}

// One SELL step: acc += weights x activations. Padding lanes (weight 0, offset 0) add
// 0 x a finite activation, i.e. nothing; when the activations hold an inf or NaN the masked
// form keeps those lanes out (0 x inf is NaN), so a non-finite activation reaches only the
// rows whose nonzeros use it, exactly as in CSR. The check costs a mask per step (~10%
// here), so it is made only when needed (multiply() looks at x once).
template <bool kMaskPadding>
ES_AVX512 inline __m512 sellStep(const float* v, const uint8_t* off, __m512 x0, __m512 x1, __m512 x2, __m512 x3, __m512 acc) {
  const __m512 w = _mm512_loadu_ps(v);
  if (!kMaskPadding) return _mm512_fmadd_ps(w, windowActivations(off, x0, x1, x2, x3), acc);
  const __m512i bits = _mm512_castps_si512(w);
  return _mm512_mask3_fmadd_ps(w, windowActivations(off, x0, x1, x2, x3), acc, _mm512_test_epi32_mask(bits, bits));
}

// SELL at batch 1: per step, one FMA of 16 weights and their activations into 16 row accumulators.
template <bool kMaskPadding>
ES_AVX512 void spmvSellAvx512(const PackedMatrix& m, const float* x, const float* bias, float* out, size_t s0, size_t s1) {
  const SellSegment* seg = m.sellSegments.data();
  const uint32_t* ptr = m.rowPtr.data();
  for (size_t s = s0; s < s1; ++s) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    const float* v = m.values.data() + static_cast<size_t>(m.sellStepPtr[s]) * kSellRows;
    const uint8_t* off = m.sellOffsets.data() + static_cast<size_t>(m.sellStepPtr[s]) * kSellRows;
    for (size_t q = ptr[s]; q < ptr[s + 1]; ++q) {
      const float* xw = x + static_cast<size_t>(seg[q].window) * kSellWindow;
      const __m512 x0 = _mm512_loadu_ps(xw), x1 = _mm512_loadu_ps(xw + 16), x2 = _mm512_loadu_ps(xw + 32), x3 = _mm512_loadu_ps(xw + 48);
      const size_t steps = seg[q].steps;
      size_t k = 0;
      for (; k + 2 <= steps; k += 2) {
        a0 = sellStep<kMaskPadding>(v + k * kSellRows, off + k * kSellRows, x0, x1, x2, x3, a0);
        a1 = sellStep<kMaskPadding>(v + (k + 1) * kSellRows, off + (k + 1) * kSellRows, x0, x1, x2, x3, a1);
      }
      if (k < steps) a0 = sellStep<kMaskPadding>(v + k * kSellRows, off + k * kSellRows, x0, x1, x2, x3, a0);
      v += steps * kSellRows;
      off += steps * kSellRows;
    }
    alignas(64) float lanes[kSellRows];
    _mm512_store_ps(lanes, _mm512_add_ps(a0, a1));
    for (size_t l = 0; l < kSellRows && s * kSellRows + l < m.rows; ++l) out[s * kSellRows + l] = biasAt(bias, s * kSellRows + l) + lanes[l];
  }
}

#endif  // EDGESCOPE_AVX2

// ---------------------------------------------------------------------------------------------
#ifdef EDGESCOPE_NEON

// Batch 1 on arm64: NEON has no gather, so four activations are collected by hand per FMA.
template <typename Idx>
void spmvCsrNeon(const PanelView& p, const Idx* col, const float* bias, float* out, size_t r0, size_t r1) {
  const float* val = p.val;
  const uint32_t* ptr = p.ptr;
  const float* x = p.x;
  for (size_t r = r0; r < r1; ++r) {
    size_t j = ptr[r];
    const size_t end = ptr[r + 1];
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = vdupq_n_f32(0.0f);
    for (; j + 8 <= end; j += 8) {
      const float g0[4] = {x[col[j]], x[col[j + 1]], x[col[j + 2]], x[col[j + 3]]};
      const float g1[4] = {x[col[j + 4]], x[col[j + 5]], x[col[j + 6]], x[col[j + 7]]};
      a0 = vfmaq_f32(a0, vld1q_f32(val + j), vld1q_f32(g0));
      a1 = vfmaq_f32(a1, vld1q_f32(val + j + 4), vld1q_f32(g1));
    }
    float s = vaddvq_f32(vaddq_f32(a0, a1));
    for (; j < end; ++j) s += val[j] * x[col[j]];
    out[r] = rowStart(p, bias, out, r) + s;
  }
}

#endif  // EDGESCOPE_NEON

// ---------------------------------------------------------------------------------------------
// One thread's share of a product.

template <typename Idx>
void spmvCsrPanel(const PanelView& p, const Idx* col, const float* bias, float* out, size_t r0, size_t r1, Simd simd) {
#ifdef EDGESCOPE_AVX2
  if (hasAvx2(simd)) return spmvCsrAvx2(p, col, bias, out, r0, r1);
#endif
#ifdef EDGESCOPE_NEON
  if (simd == Simd::Neon) return spmvCsrNeon(p, col, bias, out, r0, r1);
#endif
  (void)simd;
  spmvCsrScalar(p, col, bias, out, r0, r1);
}

// Rows r0..r1 panel by panel: the panel's activations stay cached across the rows.
template <typename Idx>
void spmvCsr(const PackedMatrix& m, const Idx* col, const float* x, const float* bias, float* out, size_t r0, size_t r1, Simd simd) {
  for (size_t p = 0; p < m.panels; ++p) spmvCsrPanel(PanelView{m.values.data(), m.panelPtr(p), x + p * m.panelCols, p > 0}, col, bias, out, r0, r1, simd);
}

void spmvBsr(const PackedMatrix& m, const float* x, const float* bias, float* out, size_t br0, size_t br1, Simd simd) {
#ifdef EDGESCOPE_AVX2
  if (hasAvx2(simd) && m.blockCols == 4) {
    switch (m.blockRows) {
      case 1: return spmvBsr1x4Avx2(m, x, bias, out, br0, br1);
      case 2: return spmvBsrEvenx4Avx2<2>(m, x, bias, out, br0, br1);
      case 4: return spmvBsrEvenx4Avx2<4>(m, x, bias, out, br0, br1);
      case 8: return spmvBsrEvenx4Avx2<8>(m, x, bias, out, br0, br1);
      default: break;
    }
  }
#endif
  (void)simd;
  spmvBsrScalar(m, x, bias, out, br0, br1);
}

template <typename Idx>
void spmmCsr(const PackedMatrix& m, const Idx* col, const Tile& t, const float* bias, float* out, size_t r0, size_t r1, Simd simd) {
#ifdef EDGESCOPE_AVX2
  if (hasAvx2(simd)) {
    withVectorCount(t.stride / kLanes, [&](auto nv) { spmmCsrAvx2<decltype(nv)::value>(m, col, t, bias, out, r0, r1); });
    return;
  }
#endif
  (void)simd;
  spmmCsrScalar(m, col, t, bias, out, r0, r1);
}

void spmmBsr(const PackedMatrix& m, const Tile& t, const float* bias, float* out, size_t br0, size_t br1, Simd simd) {
#ifdef EDGESCOPE_AVX2
  if (hasAvx2(simd)) {
    withVectorCount(t.stride / kLanes, [&](auto nv) { spmmBsrAvx2<decltype(nv)::value>(m, t, bias, out, br0, br1); });
    return;
  }
#endif
  (void)simd;
  spmmBsrScalar(m, t, bias, out, br0, br1);
}

void spmvSell(const PackedMatrix& m, const float* x, bool xFinite, const float* bias, float* out, size_t s0, size_t s1, Simd simd) {
#ifdef EDGESCOPE_AVX2
  if (simd == Simd::Avx512) return xFinite ? spmvSellAvx512<false>(m, x, bias, out, s0, s1) : spmvSellAvx512<true>(m, x, bias, out, s0, s1);
#endif
  (void)simd;
  (void)xFinite;
  spmvSellScalar(m, x, bias, out, s0, s1);
}

// Splits the pointer rows into `parts` contiguous ranges of about equal work, where a row
// costs its stored values plus a fixed amount (pointer load, horizontal sum, store).
std::vector<size_t> balanceRows(const PackedMatrix& m, size_t parts) {
  const size_t n = m.pointerRows();
  const size_t perEntry = m.blockRows * m.blockCols;
  const size_t perRow = 4 * m.blockRows;
  auto cost = [&](size_t r) {
    // SELL: a slice costs its steps (16 lanes each) plus loading each window's activations.
    if (m.format == Format::Sell) return static_cast<double>(m.sellStepPtr[r]) * kSellRows + static_cast<double>(m.rowPtr[r]) * 8 + static_cast<double>(r) * 4 * kSellRows;
    double entries = 0;  // before row r, over all CSR panels
    for (size_t p = 0; p < m.panels; ++p) entries += static_cast<double>(m.panelPtr(p)[r] - m.panelPtr(p)[0]);
    return entries * perEntry + static_cast<double>(r) * perRow * m.panels;
  };
  return splitByCost(n, parts, cost);
}

// Columns the kernels may read: BSR reads whole blocks, so ragged edges read zero padding.
// SELL reads whole windows of activations.
size_t paddedCols(const PackedMatrix& m) {
  if (m.format == Format::Sell) return ceilDiv(m.cols, kSellWindow) * kSellWindow;
  return m.format == Format::Bsr ? ceilDiv(m.cols, m.blockCols) * m.blockCols : m.cols;
}

}  // namespace

size_t PackedMatrix::bytes() const {
  if (format == Format::Sell) {
    return values.size() * sizeof(float) + sellOffsets.size() + sellSegments.size() * sizeof(SellSegment) + (rowPtr.size() + sellStepPtr.size()) * sizeof(uint32_t);
  }
  const size_t indexBytes = format == Format::Csr16 ? sizeof(uint16_t) : sizeof(uint32_t);
  return storedValues() * sizeof(float) + entries() * indexBytes + rowPtr.size() * sizeof(uint32_t);
}

PackedMatrix packCsr(const float* dense, size_t rows, size_t cols, Format format) {
  if (format == Format::Csr16 && cols > 65536) {
    throw std::invalid_argument("csr16 stores column indices in 16 bits, so it needs cols <= 65536; this matrix has " + std::to_string(cols) +
                                " columns (use csr32)");
  }
  PackedMatrix m;
  m.format = format;
  m.rows = rows;
  m.cols = cols;
  m.panels = cols > kPanelThreshold ? ceilDiv(cols, kPanelMaxCols) : 1;
  m.panelCols = m.panels == 1 ? cols : ceilDiv(ceilDiv(cols, m.panels), 8) * 8;
  m.rowPtr.resize(m.panels * (rows + 1));
  size_t nnz = 0;
  for (size_t p = 0; p < m.panels; ++p) {
    const size_t c0 = p * m.panelCols, c1 = std::min(cols, c0 + m.panelCols);
    uint32_t* ptr = m.rowPtr.data() + p * (rows + 1);
    for (size_t r = 0; r < rows; ++r) {
      ptr[r] = checkedCount(nnz, "nonzeros");
      const float* row = dense + r * cols;
      for (size_t c = c0; c < c1; ++c) nnz += row[c] != 0.0f;
    }
    ptr[rows] = checkedCount(nnz, "nonzeros");
  }
  m.values.resize(nnz + kCsrPadding, 0.0f);
  if (format == Format::Csr16) m.colIdx16.resize(nnz + kCsrPadding, 0);
  else m.colIdx32.resize(nnz + kCsrPadding, 0);
  size_t j = 0;
  for (size_t p = 0; p < m.panels; ++p) {
    const size_t c0 = p * m.panelCols, c1 = std::min(cols, c0 + m.panelCols);
    for (size_t r = 0; r < rows; ++r) {
      const float* row = dense + r * cols;
      for (size_t c = c0; c < c1; ++c) {
        if (row[c] == 0.0f) continue;
        m.values[j] = row[c];
        if (format == Format::Csr16) m.colIdx16[j] = static_cast<uint16_t>(c - c0);
        else m.colIdx32[j] = static_cast<uint32_t>(c - c0);
        ++j;
      }
    }
  }
  return m;
}

PackedMatrix packBsr(const float* dense, size_t rows, size_t cols, size_t blockRows, size_t blockCols) {
  if (blockRows < 1 || blockCols < 1 || blockRows > kMaxBlockSide || blockCols > kMaxBlockSide) {
    throw std::invalid_argument("bsr blocks must be between 1x1 and 16x16, got " + std::to_string(blockRows) + "x" + std::to_string(blockCols));
  }
  PackedMatrix m;
  m.format = Format::Bsr;
  m.rows = rows;
  m.cols = cols;
  m.blockRows = blockRows;
  m.blockCols = blockCols;
  const size_t blockRowCount = ceilDiv(rows, blockRows);
  const size_t blockColCount = ceilDiv(cols, blockCols);
  m.rowPtr.resize(blockRowCount + 1);
  std::vector<float> block(blockRows * blockCols);
  for (size_t br = 0; br < blockRowCount; ++br) {
    m.rowPtr[br] = checkedCount(m.colIdx32.size(), "blocks");
    const size_t rEnd = std::min(rows, (br + 1) * blockRows);
    for (size_t bc = 0; bc < blockColCount; ++bc) {
      const size_t cEnd = std::min(cols, (bc + 1) * blockCols);
      std::fill(block.begin(), block.end(), 0.0f);
      bool any = false;
      for (size_t r = br * blockRows; r < rEnd; ++r) {
        for (size_t c = bc * blockCols; c < cEnd; ++c) {
          const float v = dense[r * cols + c];
          block[(r - br * blockRows) * blockCols + (c - bc * blockCols)] = v;
          any = any || v != 0.0f;
        }
      }
      if (!any) continue;
      m.colIdx32.push_back(static_cast<uint32_t>(bc));
      m.values.insert(m.values.end(), block.begin(), block.end());
    }
  }
  m.rowPtr[blockRowCount] = checkedCount(m.colIdx32.size(), "blocks");
  m.colIdx32.shrink_to_fit();
  m.values.shrink_to_fit();
  return m;
}

PackedMatrix packSell(const float* dense, size_t rows, size_t cols) {
  const size_t windows = ceilDiv(cols, kSellWindow);
  if (windows > 65536) throw std::invalid_argument("sell numbers column windows in 16 bits, so it needs cols <= " + std::to_string(65536 * kSellWindow) + "; this matrix has " + std::to_string(cols) + " columns");
  PackedMatrix m;
  m.format = Format::Sell;
  m.rows = rows;
  m.cols = cols;
  const size_t slices = ceilDiv(rows, kSellRows);
  m.rowPtr.resize(slices + 1);
  m.sellStepPtr.resize(slices + 1);
  std::vector<size_t> next(kSellRows);  // each lane's next column to look at
  std::vector<std::vector<std::pair<uint8_t, float>>> lane(kSellRows);
  size_t steps = 0;
  for (size_t s = 0; s < slices; ++s) {
    m.rowPtr[s] = checkedCount(m.sellSegments.size(), "segments");
    m.sellStepPtr[s] = checkedCount(steps, "steps");
    for (size_t w = 0; w < windows; ++w) {
      const size_t c0 = w * kSellWindow, c1 = std::min(cols, c0 + kSellWindow);
      size_t windowSteps = 0;
      for (size_t l = 0; l < kSellRows; ++l) {
        lane[l].clear();
        const size_t r = s * kSellRows + l;
        if (r >= rows) continue;
        for (size_t c = c0; c < c1; ++c) {
          const float v = dense[r * cols + c];
          if (v != 0.0f) lane[l].emplace_back(static_cast<uint8_t>(c - c0), v);
        }
        m.sellNonzeros += lane[l].size();
        windowSteps = std::max(windowSteps, lane[l].size());
      }
      if (windowSteps == 0) continue;
      m.sellSegments.push_back({static_cast<uint16_t>(w), static_cast<uint16_t>(windowSteps)});
      for (size_t k = 0; k < windowSteps; ++k) {
        for (size_t l = 0; l < kSellRows; ++l) {
          const bool real = k < lane[l].size();
          m.values.push_back(real ? lane[l][k].second : 0.0f);
          m.sellOffsets.push_back(real ? lane[l][k].first : 0);
        }
      }
      steps += windowSteps;
    }
  }
  m.rowPtr[slices] = checkedCount(m.sellSegments.size(), "segments");
  m.sellStepPtr[slices] = checkedCount(steps, "steps");
  m.values.shrink_to_fit();
  m.sellOffsets.shrink_to_fit();
  m.sellSegments.shrink_to_fit();
  return m;
}

Simd detectSimd() {
#ifdef EDGESCOPE_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Simd::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Simd::Avx2;
#endif
#ifdef EDGESCOPE_NEON
  return Simd::Neon;
#endif
  return Simd::Scalar;
}

const char* simdName(Simd simd) {
  switch (simd) {
    case Simd::Avx2: return "avx2";
    case Simd::Avx512: return "avx512";
    case Simd::Neon: return "neon";
    default: return "scalar";
  }
}

void multiply(const PackedMatrix& m, const float* x, size_t batch, float* out, const float* bias, int threads, Simd simd) {
  const size_t chunks = chunkCount(m.pointerRows(), threads);
  const std::vector<size_t> bounds = balanceRows(m, chunks);
  ThreadPool& pool = ThreadPool::instance();
  const size_t colsRead = paddedCols(m);

  if (batch == 1) {
    // Ragged BSR reads past the last column: give it a zero-padded copy.
    std::vector<float> padded;
    if (colsRead != m.cols) {
      padded.assign(colsRead, 0.0f);
      std::copy(x, x + m.cols, padded.begin());
      x = padded.data();
    }
    const bool xFinite = m.format != Format::Sell || std::all_of(x, x + colsRead, [](float v) { return std::isfinite(v); });
    pool.run(threads, chunks, [&](size_t chunk) {
      const size_t r0 = bounds[chunk], r1 = bounds[chunk + 1];
      switch (m.format) {
        case Format::Csr32: return spmvCsr(m, m.colIdx32.data(), x, bias, out, r0, r1, simd);
        case Format::Csr16: return spmvCsr(m, m.colIdx16.data(), x, bias, out, r0, r1, simd);
        case Format::Bsr: return spmvBsr(m, x, bias, out, r0, r1, simd);
        case Format::Sell: return spmvSell(m, x, xFinite, bias, out, r0, r1, simd);
      }
    });
    return;
  }

  const BatchTiles tiles(x, batch, m.cols, colsRead, threads);
  pool.run(threads, chunks, [&](size_t chunk) {
    const size_t r0 = bounds[chunk], r1 = bounds[chunk + 1];
    for (size_t tile = 0; tile < tiles.count(); ++tile) {
      const Tile tl = tiles[tile];
      switch (m.format) {
        case Format::Csr32: spmmCsr(m, m.colIdx32.data(), tl, bias, out, r0, r1, simd); break;
        case Format::Csr16: spmmCsr(m, m.colIdx16.data(), tl, bias, out, r0, r1, simd); break;
        case Format::Bsr: spmmBsr(m, tl, bias, out, r0, r1, simd); break;
        case Format::Sell: spmmSellScalar(m, tl, bias, out, r0, r1); break;
      }
    }
  });
}

}  // namespace edgescope
