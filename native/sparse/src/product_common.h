// What every sparse format's product shares: the batch tiles of transposed activations that
// SpMM kernels multiply each weight into, the row store from a tile's accumulators, the
// compile-time dispatch over vector counts, and small checked-arithmetic helpers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "thread_pool.h"

namespace edgescope {
namespace product {

// Batch columns per SpMM tile: each weight is loaded once per tile. 64 lanes are eight
// 8-float AVX2 accumulators, which fit the 16 ymm registers with room for operands. A
// narrower tile halves the transposed activations' cache footprint (cols x tile x 4 bytes)
// at the cost of reading the weights twice; EDGESCOPE_TILE (a binding.gyp define) sets it.
#ifndef EDGESCOPE_TILE
#define EDGESCOPE_TILE 64
#endif
constexpr size_t kMaxTile = EDGESCOPE_TILE;
static_assert(kMaxTile % 8 == 0 && kMaxTile >= 8 && kMaxTile <= 64, "EDGESCOPE_TILE must be 8, 16, ..., 64");
constexpr size_t kLanes = 8;
// Columns transposed together (keeps the transposed block in L1).
constexpr size_t kTransposeBlock = 64;
// Row chunks per thread: enough for a thread that starts late to find work left, few enough
// that taking a chunk (one atomic increment) costs nothing.
constexpr size_t kChunksPerThread = 8;

inline size_t ceilDiv(size_t n, size_t d) { return (n + d - 1) / d; }

inline uint32_t checkedCount(size_t n, const char* what) {
  if (n > UINT32_MAX) throw std::invalid_argument(std::string("too many ") + what + " for 32-bit row pointers");
  return static_cast<uint32_t>(n);
}

inline float biasAt(const float* bias, size_t r) { return bias ? bias[r] : 0.0f; }

// AVX-512 CPUs run the AVX2 kernels too.
inline bool hasAvx2(Simd simd) { return simd == Simd::Avx2 || simd == Simd::Avx512; }

// Chunks of rows a product is split into for `threads` threads.
inline size_t chunkCount(size_t pointerRows, int threads) {
  return threads <= 1 ? 1 : std::max<size_t>(1, std::min(pointerRows, kChunksPerThread * static_cast<size_t>(threads)));
}

// Splits rows [0, n) into `parts` contiguous ranges of about equal work, given the cost of
// rows [0, r) (non-decreasing in r): bounds[t] .. bounds[t + 1] is part t.
template <typename Cost>
std::vector<size_t> splitByCost(size_t n, size_t parts, Cost cost) {
  const double total = cost(n);
  std::vector<size_t> bounds(parts + 1, n);
  bounds[0] = 0;
  for (size_t t = 1; t < parts; ++t) {
    const double target = total * static_cast<double>(t) / static_cast<double>(parts);
    size_t lo = bounds[t - 1], hi = n;  // first r in [lo, hi] with cost(r) >= target
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (cost(mid) < target) lo = mid + 1;
      else hi = mid;
    }
    bounds[t] = lo;
  }
  return bounds;
}

// Tile arguments: xt holds the tile's activations transposed (column c's lanes at
// xt[c * stride]), lanes [0, tb) are batch rows b0 .. b0 + tb - 1.
struct Tile {
  const float* xt;
  size_t stride;
  size_t tb;
  size_t b0;
};

inline void storeRow(const float* acc, const Tile& t, size_t rows, size_t r, const float* bias, float* out) {
  const float b = biasAt(bias, r);
  for (size_t l = 0; l < t.tb; ++l) out[(t.b0 + l) * rows + r] = acc[l] + b;
}

// x [batch x cols] transposed into tiles of up to kMaxTile batch lanes, zero-padded to whole
// 8-lane vectors and to colsRead columns: xt[tile][c][lane]. Threads take column blocks.
class BatchTiles {
 public:
  BatchTiles(const float* x, size_t batch, size_t cols, size_t colsRead, int threads)
      : batch_(batch),
        stride_(std::min(kMaxTile, ceilDiv(batch, kLanes) * kLanes)),
        tiles_(ceilDiv(batch, kMaxTile)),
        tileFloats_(colsRead * stride_),
        xt_(tiles_ * tileFloats_, 0.0f) {
    ThreadPool::instance().run(threads, ceilDiv(cols, kTransposeBlock), [&](size_t cb) {
      const size_t c0 = cb * kTransposeBlock, c1 = std::min(cols, c0 + kTransposeBlock);
      for (size_t b = 0; b < batch; ++b) {
        float* dst = xt_.data() + (b / kMaxTile) * tileFloats_ + b % kMaxTile;
        const float* src = x + b * cols;
        for (size_t c = c0; c < c1; ++c) dst[c * stride_] = src[c];
      }
    });
  }
  size_t count() const { return tiles_; }
  Tile operator[](size_t tile) const { return Tile{xt_.data() + tile * tileFloats_, stride_, std::min(kMaxTile, batch_ - tile * kMaxTile), tile * kMaxTile}; }

 private:
  size_t batch_, stride_, tiles_, tileFloats_;
  std::vector<float> xt_;
};

// Calls f with std::integral_constant<int, NV> for NV in [1, 8].
template <typename F>
void withVectorCount(size_t nv, F&& f) {
  switch (nv) {
    case 1: f(std::integral_constant<int, 1>{}); break;
    case 2: f(std::integral_constant<int, 2>{}); break;
    case 3: f(std::integral_constant<int, 3>{}); break;
    case 4: f(std::integral_constant<int, 4>{}); break;
    case 5: f(std::integral_constant<int, 5>{}); break;
    case 6: f(std::integral_constant<int, 6>{}); break;
    case 7: f(std::integral_constant<int, 7>{}); break;
    default: f(std::integral_constant<int, 8>{}); break;
  }
}

}  // namespace product
}  // namespace edgescope
