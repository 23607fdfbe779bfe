// Sparse weight matrices and their products with dense activations.
//
// A matrix is stored by output feature (row r = the weights feeding output r). Formats:
//   CSR32 / CSR16: values, 32- or 16-bit column indices, 32-bit row pointers. Wide matrices
//            (more than kPanelThreshold columns) are stored as column panels of at most
//            kPanelMaxCols columns, one CSR per panel (indices relative to the panel, one row
//            pointer array per panel): at batch 1 a panel's activations stay in the L1 cache
//            while every row's entries in that panel are read, instead of each gather missing
//            L1 across the whole activation vector (VGG16 FC6's is 100 KB).
//   BSR RxC: dense RxC blocks (explicit zeros kept), one 32-bit block-column index per
//            block, 32-bit block-row pointers. Ragged edges are zero-padded blocks.
//   SELL:    sliced ELLPACK for batch 1 on AVX-512: rows in slices of 16 (one vector lane
//            per row) and columns in windows of 64. Within a slice and window, step k holds
//            each row's k-th nonzero in that window (a zero where the row has fewer): 16
//            values and 16 one-byte window offsets. The activations of a window sit in four
//            registers, so collecting a step's 16 activations is two permutes and a blend
//            instead of 16 scalar loads and inserts, and rows need no horizontal sums. The
//            price is the padding (bytes() counts it).
// out[b, r] = sum_c x[b, c] * A[r, c] (+ bias[r]).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgescope {

enum class Format { Csr32, Csr16, Bsr, Sell };

constexpr size_t kCsrPadding = 8;
constexpr size_t kPanelMaxCols = 4096;
constexpr size_t kPanelThreshold = 6144;
enum class Simd { Scalar, Avx2, Avx512, Neon };

// SELL geometry: rows per slice (vector lanes) and columns per window (activations in registers).
constexpr size_t kSellRows = 16;
constexpr size_t kSellWindow = 64;

// One window of one SELL slice: the window's index and its number of 16-lane steps.
struct SellSegment {
  uint16_t window;
  uint16_t steps;
};

struct PackedMatrix {
  Format format = Format::Csr32;
  size_t rows = 0;
  size_t cols = 0;
  // BSR block shape (1x1 for CSR).
  size_t blockRows = 1;
  size_t blockCols = 1;
  // CSR column panels: their count and width (the last may be narrower); 1 and cols otherwise.
  size_t panels = 1;
  size_t panelCols = 0;
  // CSR: one pointer per row + 1 for each panel in turn (absolute entry offsets, panel-major);
  // BSR: one per block row + 1.
  std::vector<uint32_t> rowPtr;
  std::vector<uint32_t> colIdx32;  // CSR32 columns, BSR block columns
  std::vector<uint16_t> colIdx16;  // CSR16 columns
  // CSR: nnz values; BSR: blocks of blockRows*blockCols, row-major. CSR values and indices
  // carry kCsrPadding trailing zeros so a vector tail may load past the last row (not counted
  // in bytes()).
  std::vector<float> values;
  // SELL: segments of every slice (rowPtr holds one pointer per slice + 1 into them), where
  // each slice's steps start, each step's 16 window offsets, and the nonzero count (values
  // hold the padding zeros too).
  std::vector<SellSegment> sellSegments;
  std::vector<uint32_t> sellStepPtr;  // first step of each slice, one per slice + 1
  std::vector<uint8_t> sellOffsets;
  size_t sellNonzeros = 0;

  // Units the row pointers index: rows (CSR), block rows (BSR) or slices (SELL).
  size_t pointerRows() const { return rowPtr.empty() ? 0 : rowPtr.size() / panels - 1; }
  // Row pointers of CSR panel p.
  const uint32_t* panelPtr(size_t p) const { return rowPtr.data() + p * (pointerRows() + 1); }
  // Nonzeros (CSR) or blocks (BSR): what the row pointers count.
  size_t entries() const { return rowPtr.empty() ? 0 : rowPtr.back(); }
  // Stored values (BSR: explicit zeros in blocks included; SELL: nonzeros only, padding not).
  size_t storedValues() const { return format == Format::Sell ? sellNonzeros : entries() * blockRows * blockCols; }
  // Bytes streamed per product: values + indices + row pointers.
  size_t bytes() const;
};

// Packs a dense row-major rows x cols matrix; zeros are dropped (whole zero blocks for BSR).
// Throws std::invalid_argument naming the problem.
PackedMatrix packCsr(const float* dense, size_t rows, size_t cols, Format format);
PackedMatrix packBsr(const float* dense, size_t rows, size_t cols, size_t blockRows, size_t blockCols);
PackedMatrix packSell(const float* dense, size_t rows, size_t cols);

// The best SIMD level this CPU supports, detected at run time.
Simd detectSimd();
const char* simdName(Simd simd);

// Computes out (batch x rows) from x (batch x cols) on exactly `threads` threads.
void multiply(const PackedMatrix& m, const float* x, size_t batch, float* out, const float* bias, int threads, Simd simd);

}  // namespace edgescope
