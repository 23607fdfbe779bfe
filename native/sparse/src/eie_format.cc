#include "eie_format.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "product_common.h"
#include "thread_pool.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EDGESCOPE_EIE_AVX2 1
#include <immintrin.h>
// Compiled for AVX2+FMA whatever the baseline; the caller's Simd (detectSimd()) decides at run
// time whether they may be called.
#define ES_EIE_AVX2 __attribute__((target("avx2,fma")))
#endif

namespace edgescope {

namespace {

// Zero bytes after the stream: a decoder reads up to 16 bytes from an entry's first byte.
constexpr size_t kStreamPadding = 64;
// The AVX2 lookup of a codebook of up to 16 values reads two 8-float registers.
constexpr size_t kMinCodebookStorage = 16;
using namespace product;

// The gap-code fields of one matrix.
struct Gaps {
  unsigned indexBits;
  uint32_t mask;     // 2^indexBits - 1
  ptrdiff_t filler;  // how far a padding entry advances the column: the largest gap, 2^indexBits - 1

  explicit Gaps(unsigned bits) : indexBits(bits), mask((1u << bits) - 1), filler(static_cast<ptrdiff_t>(mask)) {}
};

// Entry e of the stream, `width` bits. kWidth 8 (4-bit gaps, 4-bit codes: EIE's own layout) and
// 16 (8 + 8) are byte-aligned fast paths; kWidth 0 decodes any width. Bytes are assembled
// little-endian explicitly, so the layout does not depend on the host's byte order.
template <unsigned kWidth>
inline uint32_t entryAt(const uint8_t* s, size_t e, unsigned width) {
  if constexpr (kWidth == 8) {
    (void)width;
    return s[e];
  } else if constexpr (kWidth == 16) {
    (void)width;
    return static_cast<uint32_t>(s[2 * e]) | static_cast<uint32_t>(s[2 * e + 1]) << 8;
  } else {
    const size_t bit = e * width;
    const uint8_t* p = s + (bit >> 3);
    const uint32_t word = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
    return (word >> (bit & 7)) & ((1u << width) - 1);
  }
}

void putEntry(std::vector<uint8_t>& s, size_t e, unsigned width, uint32_t value) {
  size_t bit = e * width;
  for (unsigned i = 0; i < width; ++i, ++bit) {
    if ((value >> i) & 1u) s[bit >> 3] = static_cast<uint8_t>(s[bit >> 3] | (1u << (bit & 7)));
  }
}

// Calls f with std::integral_constant<unsigned, W> for the stream's fast path (8, 16) or 0.
template <typename F>
void withEntryWidth(unsigned width, F&& f) {
  if (width == 8) f(std::integral_constant<unsigned, 8>{});
  else if (width == 16) f(std::integral_constant<unsigned, 16>{});
  else f(std::integral_constant<unsigned, 0>{});
}

// ---------------------------------------------------------------------------------------------
// Scalar kernels (any CPU).

// Decodes row r: f(column, shared weight) for each nonzero, padding entries skipped.
template <unsigned kWidth, typename F>
inline void forEachNonzero(const EieMatrix& m, const Gaps& gaps, size_t r, F&& f) {
  const unsigned width = m.entryBits();
  ptrdiff_t col = -1;
  for (size_t e = m.rowPtr[r]; e < m.rowPtr[r + 1]; ++e) {
    const uint32_t v = entryAt<kWidth>(m.stream.data(), e, width);
    const uint32_t gap = v & gaps.mask;
    if (gap == 0) {
      col += gaps.filler;
      continue;
    }
    col += gap;
    f(static_cast<size_t>(col), m.codebook[v >> gaps.indexBits]);
  }
}

template <unsigned kWidth>
void spmvScalar(const EieMatrix& m, const float* x, const float* bias, float* out, size_t r0, size_t r1) {
  const Gaps gaps(m.indexBits);
  for (size_t r = r0; r < r1; ++r) {
    float sum = 0.0f;
    forEachNonzero<kWidth>(m, gaps, r, [&](size_t col, float w) { sum += w * x[col]; });
    out[r] = biasAt(bias, r) + sum;
  }
}

// Batch > 1: an entry is decoded once per tile and multiplied into every batch lane.
template <unsigned kWidth>
void spmmScalar(const EieMatrix& m, const Tile& t, const float* bias, float* out, size_t r0, size_t r1) {
  const Gaps gaps(m.indexBits);
  float acc[kMaxTile];
  for (size_t r = r0; r < r1; ++r) {
    std::fill(acc, acc + t.stride, 0.0f);
    forEachNonzero<kWidth>(m, gaps, r, [&](size_t col, float w) {
      const float* xr = t.xt + col * t.stride;
      for (size_t l = 0; l < t.stride; ++l) acc[l] += w * xr[l];
    });
    storeRow(acc, t, m.rows, r, bias, out);
  }
}

// ---------------------------------------------------------------------------------------------
#ifdef EDGESCOPE_EIE_AVX2

// Byte shuffles that move any width's eight fields into eight 32-bit lanes: for each bit phase
// (the first field's bit offset within its byte), a pshufb control copying each field's bytes
// into its lane and the shift that then aligns the field. Fields are at most 15 bits, so eight
// of them span at most 16 bytes from the first field's byte.
struct FieldShuffles {
  __m256i control[8];
  __m256i shift[8];
  __m256i mask;

  ES_EIE_AVX2 explicit FieldShuffles(unsigned width) {
    for (unsigned phase = 0; phase < 8; ++phase) {
      alignas(32) int8_t bytes[32];
      alignas(32) int32_t shifts[8];
      for (unsigned lane = 0; lane < 8; ++lane) {
        const unsigned first = phase + lane * width;
        const unsigned lastByte = (first + width - 1) / 8;
        for (unsigned b = 0; b < 4; ++b) {
          const unsigned byte = first / 8 + b;
          // pshufb works within 128-bit halves: the 16 bytes are broadcast into both.
          bytes[4 * lane + b] = byte <= lastByte ? static_cast<int8_t>(byte) : static_cast<int8_t>(0x80);
        }
        shifts[lane] = static_cast<int32_t>(first % 8);
      }
      control[phase] = _mm256_load_si256(reinterpret_cast<const __m256i*>(bytes));
      shift[phase] = _mm256_load_si256(reinterpret_cast<const __m256i*>(shifts));
    }
    mask = _mm256_set1_epi32(static_cast<int>((1u << width) - 1));
  }
};

// Eight entries as eight 32-bit lanes.
template <unsigned kWidth>
ES_EIE_AVX2 inline __m256i load8(const uint8_t* s, size_t e, unsigned width, const FieldShuffles& fields) {
  if constexpr (kWidth == 8) {
    (void)width;
    (void)fields;
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + e)));
  } else if constexpr (kWidth == 16) {
    (void)width;
    (void)fields;
    return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 2 * e)));
  } else {
    const size_t bit0 = e * width;
    const unsigned phase = static_cast<unsigned>(bit0 & 7);
    const __m256i bytes = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + (bit0 >> 3))));
    const __m256i words = _mm256_shuffle_epi8(bytes, fields.control[phase]);
    return _mm256_and_si256(_mm256_srlv_epi32(words, fields.shift[phase]), fields.mask);
  }
}

// Shared weights of eight codes: a codebook of up to 16 values lives in two registers (EIE's
// codebook is a 16-entry register file too); larger ones are gathered from memory.
template <bool kSmallCodebook>
ES_EIE_AVX2 inline __m256 lookup(const float* cb, __m256 lo, __m256 hi, __m256i code) {
  if constexpr (kSmallCodebook) {
    const __m256 a = _mm256_permutevar8x32_ps(lo, code);
    const __m256 b = _mm256_permutevar8x32_ps(hi, code);
    return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(code, 28)));  // bit 3 picks the half
  } else {
    (void)lo;
    (void)hi;
    return _mm256_i32gather_ps(cb, code, 4);
  }
}

// Inclusive prefix sum of eight 32-bit lanes.
ES_EIE_AVX2 inline __m256i prefixSum8(__m256i v) {
  v = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));
  v = _mm256_add_epi32(v, _mm256_slli_si256(v, 8));
  // Carry the low half's total (lane 3) into the high half.
  const __m256i carry = _mm256_permutevar8x32_epi32(v, _mm256_set1_epi32(3));
  return _mm256_add_epi32(v, _mm256_blend_epi32(_mm256_setzero_si256(), carry, 0xF0));
}

ES_EIE_AVX2 inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  __m128 shuf = _mm_movehdup_ps(s);
  __m128 sums = _mm_add_ps(s, shuf);
  shuf = _mm_movehl_ps(shuf, sums);
  return _mm_cvtss_f32(_mm_add_ss(sums, shuf));
}

// Batch 1: eight entries per step. Their columns come from a prefix sum of the gaps (a padding
// entry steps by the largest gap), their weights from the codebook; padding entries and lanes
// past the row's end get exact zeros for both weight and activation, so an inf or NaN
// activation elsewhere cannot leak in. Every column a lane reads is inside the row: lanes past
// the end repeat the last entry's column, and a padding entry is always followed by a weight.
template <unsigned kWidth, bool kSmallCodebook>
ES_EIE_AVX2 void spmvAvx2(const EieMatrix& m, const float* x, const float* bias, float* out, size_t r0, size_t r1) {
  const uint8_t* s = m.stream.data();
  const float* cb = m.codebook.data();
  const uint32_t* ptr = m.rowPtr.data();
  const unsigned width = m.entryBits();
  const Gaps gaps(m.indexBits);
  const __m256i gapMask = _mm256_set1_epi32(static_cast<int>(gaps.mask));
  const __m256i fillerStep = _mm256_set1_epi32(static_cast<int>(gaps.filler));
  const __m128i codeShift = _mm_cvtsi32_si128(static_cast<int>(gaps.indexBits));
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i last = _mm256_set1_epi32(7);
  const __m256 cbLo = _mm256_loadu_ps(cb), cbHi = _mm256_loadu_ps(cb + 8);
  const FieldShuffles fields(width);
  alignas(32) int32_t col[8];
  for (size_t r = r0; r < r1; ++r) {
    size_t e = ptr[r];
    const size_t end = ptr[r + 1];
    __m256i base = _mm256_set1_epi32(-1);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    while (e < end) {
      const size_t n = std::min(kLanes, end - e);
      const __m256i raw = load8<kWidth>(s, e, width, fields);
      const __m256i gap = _mm256_and_si256(raw, gapMask);
      const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), lanes);
      const __m256i filler = _mm256_cmpeq_epi32(gap, _mm256_setzero_si256());
      const __m256i step = _mm256_and_si256(_mm256_blendv_epi8(gap, fillerStep, filler), valid);
      const __m256i real = _mm256_andnot_si256(filler, valid);
      const __m256i cols = _mm256_add_epi32(base, prefixSum8(step));
      base = _mm256_permutevar8x32_epi32(cols, last);
      _mm256_store_si256(reinterpret_cast<__m256i*>(col), cols);
      const __m256 xv = _mm256_setr_ps(x[col[0]], x[col[1]], x[col[2]], x[col[3]], x[col[4]], x[col[5]], x[col[6]], x[col[7]]);
      const __m256 wv = lookup<kSmallCodebook>(cb, cbLo, cbHi, _mm256_srl_epi32(raw, codeShift));
      const __m256 keep = _mm256_castsi256_ps(real);
      acc0 = _mm256_fmadd_ps(_mm256_and_ps(wv, keep), _mm256_and_ps(xv, keep), acc0);
      std::swap(acc0, acc1);
      e += n;
    }
    out[r] = biasAt(bias, r) + hsum256(_mm256_add_ps(acc0, acc1));
  }
}

// EIE's own layout (4-bit gaps, 4-bit codes: one byte per entry), batch 1. Eight entries are one
// 64-bit word, and their columns come from scalar SWAR arithmetic instead of vector shuffles: the
// gaps are the low nibbles, a zero gap (padding) becomes a step of 15, and one multiply by
// 0x0101..01 gives every byte the sum of the steps up to it (at most 8 x 15 = 120, so no byte
// carries into the next). The activations are then eight scalar loads at base + byte k, with no
// vector-to-scalar extraction (measured here, AMD EPYC: about 1.25x faster than a masked
// vpgatherdps, and faster than the generic path's vector prefix sum plus lane extraction).
ES_EIE_AVX2 void spmvAvx2Nibbles(const EieMatrix& m, const float* x, const float* bias, float* out, size_t r0, size_t r1) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kLowNibbles = 0x0F0F0F0F0F0F0F0FULL;
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  const uint8_t* s = m.stream.data();
  const float* cb = m.codebook.data();
  const uint32_t* ptr = m.rowPtr.data();
  const __m256 cbLo = _mm256_loadu_ps(cb), cbHi = _mm256_loadu_ps(cb + 8);
  for (size_t r = r0; r < r1; ++r) {
    size_t e = ptr[r];
    const size_t end = ptr[r + 1];
    int32_t base = -1;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    while (e < end) {
      const size_t n = std::min(kLanes, end - e);
      uint64_t raw;
      std::memcpy(&raw, s + e, 8);  // x86 is little-endian: entry e + k is byte k
      const uint64_t valid = n == kLanes ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
      const uint64_t gaps = raw & kLowNibbles;
      const uint64_t weighted = ((gaps + 0x7F7F7F7F7F7F7F7FULL) & kHighBits) >> 7;  // 1 in each byte with a nonzero gap
      const uint64_t steps = (gaps | ((weighted ^ kOnes) * 15)) & valid;
      const uint64_t prefix = steps * kOnes;
      const __m256 keep = _mm256_castsi256_ps(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(static_cast<long long>((weighted * 0xFF) & valid))));
      const __m256i codes = _mm256_srli_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(raw))), 4);
      // Lane k reads column base + byte k of the prefix sums: a padding entry's column or, past the
      // row's end, the last entry's, both inside the row; `keep` zeroes them (0 x inf would be NaN).
      // Every byte of the prefix is >= 1 (lane 0 always steps), so offsets from column base + 1 are >= 0.
      const uint64_t o = prefix - kOnes;
      const float* xb = x + (base + 1);
      const __m256 xv = _mm256_and_ps(keep, _mm256_setr_ps(xb[o & 0xFF], xb[(o >> 8) & 0xFF], xb[(o >> 16) & 0xFF], xb[(o >> 24) & 0xFF], xb[(o >> 32) & 0xFF],
                                                          xb[(o >> 40) & 0xFF], xb[(o >> 48) & 0xFF], xb[o >> 56]));
      const __m256 wv = _mm256_and_ps(lookup<true>(cb, cbLo, cbHi, codes), keep);
      base += static_cast<int32_t>(prefix >> 56);
      acc0 = _mm256_fmadd_ps(wv, xv, acc0);
      std::swap(acc0, acc1);
      e += n;
    }
    out[r] = biasAt(bias, r) + hsum256(_mm256_add_ps(acc0, acc1));
  }
}

// Batch > 1: a row's entries are first decoded into columns and weights without a branch (a padding
// entry is written and then overwritten: a mispredicted branch per padding entry cost more than the
// FMAs), then each weight is broadcast into NV*8 batch lanes. `cols`/`weights` hold a row's nonzeros.
template <unsigned kWidth, int NV>
ES_EIE_AVX2 void spmmAvx2(const EieMatrix& m, const Tile& t, const float* bias, float* out, size_t r0, size_t r1, uint32_t* cols, float* weights) {
  const uint8_t* s = m.stream.data();
  const float* cb = m.codebook.data();
  const uint32_t* ptr = m.rowPtr.data();
  const unsigned width = m.entryBits();
  const Gaps gaps(m.indexBits);
  for (size_t r = r0; r < r1; ++r) {
    size_t n = 0;
    ptrdiff_t col = -1;
    for (size_t e = ptr[r]; e < ptr[r + 1]; ++e) {
      const uint32_t v = entryAt<kWidth>(s, e, width);
      const uint32_t gap = v & gaps.mask;
      col += gap != 0 ? static_cast<ptrdiff_t>(gap) : gaps.filler;
      cols[n] = static_cast<uint32_t>(col);
      weights[n] = cb[v >> gaps.indexBits];
      n += gap != 0;
    }
    __m256 acc[NV];
    for (int k = 0; k < NV; ++k) acc[k] = _mm256_setzero_ps();
    for (size_t j = 0; j < n; ++j) {
      const __m256 w = _mm256_set1_ps(weights[j]);
      const float* xr = t.xt + static_cast<size_t>(cols[j]) * t.stride;
      for (int k = 0; k < NV; ++k) acc[k] = _mm256_fmadd_ps(w, _mm256_loadu_ps(xr + 8 * k), acc[k]);
    }
    alignas(32) float lanesOut[NV * 8];
    for (int k = 0; k < NV; ++k) _mm256_store_ps(lanesOut + 8 * k, acc[k]);
    storeRow(lanesOut, t, m.rows, r, bias, out);
  }
}

#endif  // EDGESCOPE_EIE_AVX2

// ---------------------------------------------------------------------------------------------
// One thread's share of a product.

void spmv(const EieMatrix& m, const float* x, const float* bias, float* out, size_t r0, size_t r1, Simd simd) {
  withEntryWidth(m.entryBits(), [&](auto w) {
    constexpr unsigned kWidth = decltype(w)::value;
#ifdef EDGESCOPE_EIE_AVX2
    if (hasAvx2(simd)) {
      if (m.indexBits == 4 && m.codeBits == 4) spmvAvx2Nibbles(m, x, bias, out, r0, r1);
      else if (m.codeBits <= 4) spmvAvx2<kWidth, true>(m, x, bias, out, r0, r1);
      else spmvAvx2<kWidth, false>(m, x, bias, out, r0, r1);
      return;
    }
#endif
    (void)simd;
    spmvScalar<kWidth>(m, x, bias, out, r0, r1);
  });
}

void spmm(const EieMatrix& m, const Tile& t, const float* bias, float* out, size_t r0, size_t r1, Simd simd) {
  withEntryWidth(m.entryBits(), [&](auto w) {
    constexpr unsigned kWidth = decltype(w)::value;
#ifdef EDGESCOPE_EIE_AVX2
    if (hasAvx2(simd)) {
      // A row holds at most cols nonzeros.
      std::vector<uint32_t> cols(m.cols);
      std::vector<float> weights(m.cols);
      withVectorCount(t.stride / kLanes, [&](auto nv) { spmmAvx2<kWidth, decltype(nv)::value>(m, t, bias, out, r0, r1, cols.data(), weights.data()); });
      return;
    }
#endif
    (void)simd;
    spmmScalar<kWidth>(m, t, bias, out, r0, r1);
  });
}

// Splits the rows into `parts` contiguous ranges of about equal work, where a row costs its
// entries plus a fixed amount (pointer load, horizontal sum, store).
std::vector<size_t> balanceRows(const EieMatrix& m, size_t parts) {
  const size_t n = m.rows;
  constexpr double kPerRow = 4;
  return splitByCost(n, parts, [&](size_t r) { return static_cast<double>(m.rowPtr[r]) + static_cast<double>(r) * kPerRow; });
}

}  // namespace

double EieMatrix::bytes() const {
  return static_cast<double>(entries()) * entryBits() / 8.0 + 4.0 * static_cast<double>(codebookLength()) + 4.0 * static_cast<double>(rowPtr.size());
}

size_t EieMatrix::allocatedBytes() const { return stream.size() + codebook.size() * sizeof(float) + rowPtr.size() * sizeof(uint32_t); }

EieMatrix packEie(const float* dense, size_t rows, size_t cols, unsigned indexBits, const float* codebook, size_t codebookLength) {
  if (indexBits != 4 && indexBits != 8) throw std::invalid_argument("eie relative column indices are 4 or 8 bits, got " + std::to_string(indexBits));
  unsigned codeBits = 0;
  while (codeBits <= kEieMaxCodeBits && (size_t{1} << codeBits) < codebookLength) ++codeBits;
  if (codebookLength < 2 || codeBits > kEieMaxCodeBits || (size_t{1} << codeBits) != codebookLength) {
    throw std::invalid_argument("the eie codebook must hold 2, 4, 8, ..., 256 values (2^codeBits), got " + std::to_string(codebookLength));
  }
  if (cols > static_cast<size_t>(INT32_MAX)) throw std::invalid_argument("eie needs cols < 2^31");

  EieMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indexBits = indexBits;
  m.codeBits = codeBits;
  m.codebook.assign(std::max(codebookLength, kMinCodebookStorage), 0.0f);
  std::copy(codebook, codebook + codebookLength, m.codebook.begin());

  // Codebook index by the value's bits (the first of equal values).
  std::unordered_map<uint32_t, uint32_t> codeOf;
  for (size_t k = 0; k < codebookLength; ++k) {
    uint32_t bits;
    std::memcpy(&bits, codebook + k, 4);
    codeOf.emplace(bits, static_cast<uint32_t>(k));
  }
  const Gaps gaps(indexBits);

  // Pass 1: entries per row (nonzeros + padding), as relativeIndex() counts them per row.
  m.rowPtr.resize(rows + 1);
  size_t entries = 0;
  for (size_t r = 0; r < rows; ++r) {
    m.rowPtr[r] = checkedCount(entries, "entries");
    ptrdiff_t previous = -1;
    const float* row = dense + r * cols;
    for (size_t c = 0; c < cols; ++c) {
      if (row[c] == 0.0f) continue;
      const size_t fill = static_cast<size_t>(static_cast<ptrdiff_t>(c) - previous - 1) / static_cast<size_t>(gaps.filler);
      m.padding += fill;
      entries += fill + 1;
      ++m.nnz;
      previous = static_cast<ptrdiff_t>(c);
    }
  }
  m.rowPtr[rows] = checkedCount(entries, "entries");

  // Pass 2: the entries.
  const unsigned width = m.entryBits();
  m.stream.assign(ceilDiv(entries * width, 8) + kStreamPadding, 0);
  size_t e = 0;
  for (size_t r = 0; r < rows; ++r) {
    ptrdiff_t previous = -1;
    const float* row = dense + r * cols;
    for (size_t c = 0; c < cols; ++c) {
      if (row[c] == 0.0f) continue;
      uint32_t bits;
      std::memcpy(&bits, row + c, 4);
      const auto found = codeOf.find(bits);
      if (found == codeOf.end()) {
        throw std::invalid_argument("the value " + std::to_string(row[c]) + " at row " + std::to_string(r) + ", column " + std::to_string(c) +
                                    " is not in the codebook (every nonzero must be one of its values: share the weights first)");
      }
      size_t gap = static_cast<size_t>(static_cast<ptrdiff_t>(c) - previous);
      for (; gap > gaps.mask; gap -= gaps.mask) putEntry(m.stream, e++, width, 0);  // padding: gap code 0
      putEntry(m.stream, e++, width, static_cast<uint32_t>(gap) | found->second << indexBits);
      previous = static_cast<ptrdiff_t>(c);
    }
  }
  return m;
}

void multiplyEie(const EieMatrix& m, const float* x, size_t batch, float* out, const float* bias, int threads, Simd simd) {
  const size_t chunks = chunkCount(m.rows, threads);
  const std::vector<size_t> bounds = balanceRows(m, chunks);
  ThreadPool& pool = ThreadPool::instance();

  if (batch == 1) {
    pool.run(threads, chunks, [&](size_t chunk) { spmv(m, x, bias, out, bounds[chunk], bounds[chunk + 1], simd); });
    return;
  }

  const BatchTiles tiles(x, batch, m.cols, m.cols, threads);
  pool.run(threads, chunks, [&](size_t chunk) {
    for (size_t tile = 0; tile < tiles.count(); ++tile) {
      const Tile t = tiles[tile];
      spmm(m, t, bias, out, bounds[chunk], bounds[chunk + 1], simd);
    }
  });
}

}  // namespace edgescope
