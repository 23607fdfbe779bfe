// Sparse weight matrices and their products with dense activations.
//
// A matrix is stored by output feature (row r = the weights feeding output r). Formats:
//   CSR32 / CSR16: values, 32- or 16-bit column indices, 32-bit row pointers.
//   BSR RxC: dense RxC blocks (explicit zeros kept), one 32-bit block-column index per
//            block, 32-bit block-row pointers. Ragged edges are zero-padded blocks.
// out[b, r] = sum_c x[b, c] * A[r, c] (+ bias[r]).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgescope {

enum class Format { Csr32, Csr16, Bsr };

constexpr size_t kCsrPadding = 8;
enum class Simd { Scalar, Avx2, Neon };

struct PackedMatrix {
  Format format = Format::Csr32;
  size_t rows = 0;
  size_t cols = 0;
  // BSR block shape (1x1 for CSR).
  size_t blockRows = 1;
  size_t blockCols = 1;
  // CSR: one pointer per row + 1; BSR: one per block row + 1.
  std::vector<uint32_t> rowPtr;
  std::vector<uint32_t> colIdx32;  // CSR32 columns, BSR block columns
  std::vector<uint16_t> colIdx16;  // CSR16 columns
  // CSR: nnz values; BSR: blocks of blockRows*blockCols, row-major. CSR values and indices
  // carry kCsrPadding trailing zeros so a vector tail may load past the last row (not counted
  // in bytes()).
  std::vector<float> values;

  // Units the row pointers index: rows (CSR) or block rows (BSR).
  size_t pointerRows() const { return rowPtr.empty() ? 0 : rowPtr.size() - 1; }
  // Nonzeros (CSR) or blocks (BSR): what the row pointers count.
  size_t entries() const { return rowPtr.empty() ? 0 : rowPtr.back(); }
  // Stored values (BSR: explicit zeros in blocks included).
  size_t storedValues() const { return entries() * blockRows * blockCols; }
  // Bytes streamed per product: values + indices + row pointers.
  size_t bytes() const;
};

// Packs a dense row-major rows x cols matrix; zeros are dropped (whole zero blocks for BSR).
// Throws std::invalid_argument naming the problem.
PackedMatrix packCsr(const float* dense, size_t rows, size_t cols, Format format);
PackedMatrix packBsr(const float* dense, size_t rows, size_t cols, size_t blockRows, size_t blockCols);

// The best SIMD level this CPU supports, detected at run time.
Simd detectSimd();
const char* simdName(Simd simd);

// Computes out (batch x rows) from x (batch x cols) on exactly `threads` threads.
void multiply(const PackedMatrix& m, const float* x, size_t batch, float* out, const float* bias, int threads, Simd simd);

}  // namespace edgescope
