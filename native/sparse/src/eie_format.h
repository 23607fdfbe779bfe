// EIE's storage format (Han et al., ISCA 2016; Deep Compression, ICLR 2016) as a CPU kernel:
// relative column indices and shared weights.
//
// EIE stores each column of W (one column per input activation) for a PE that broadcasts
// activations; a CPU product has no broadcast network, and a column-major product would
// scatter into every output. So the CPU layout is by output row, like the CSR kernels: row r
// holds the weights feeding output r, and a thread owns whole rows (no write conflicts, results
// independent of the thread count). What EIE keeps per column is kept per row here:
//
//   entries   one fixed-width field of indexBits + codeBits bits per entry, packed back to back
//             in a little-endian bit stream (entry e at bits [e W, e W + W), W = indexBits +
//             codeBits); the low indexBits are the gap code, the next codeBits the codebook index.
//   gap code  1 .. 2^indexBits - 1: the column minus the previous nonzero's column in the row
//             (the first measured from a virtual column -1). 0 marks a padding entry inserted
//             because a gap exceeded the range: it advances the column by 2^indexBits - 1 and
//             carries no weight (its codebook field is unused). This is the convention of
//             compress/storage/formats.ts relativeIndex(), applied to each row.
//   codebook  2^codeBits fp32 shared weights (from the caller, e.g. k-means weight sharing).
//   rowPtr    rows + 1 32-bit entry offsets: a row starts its own gap sequence, so threads can
//             start at any row (EIE's column pointers p_j).
//
// bytes = entries x (indexBits + codeBits) / 8 + 4 x 2^codeBits + 4 x (rows + 1)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels.h"

namespace edgescope {

constexpr unsigned kEieMaxCodeBits = 8;

struct EieMatrix {
  size_t rows = 0;
  size_t cols = 0;
  unsigned indexBits = 4;  // 4 or 8
  unsigned codeBits = 4;   // 1 .. 8
  // 2^codeBits shared weights, stored padded with zeros to at least 16 (the AVX2 lookup reads 16).
  std::vector<float> codebook;
  std::vector<uint32_t> rowPtr;
  // The packed entry bit stream, with trailing zero bytes so a decoder may read a word past the end.
  std::vector<uint8_t> stream;
  size_t nnz = 0;
  size_t padding = 0;

  size_t entries() const { return rowPtr.empty() ? 0 : rowPtr.back(); }
  unsigned entryBits() const { return indexBits + codeBits; }
  size_t codebookLength() const { return size_t{1} << codeBits; }
  // Bytes streamed per product: entries + codebook + row pointers. Exact, so fractional when
  // entries x entryBits is not a multiple of 8 (as in docs/storage-formats.md).
  double bytes() const;
  // Bytes actually allocated (for the garbage collector's accounting).
  size_t allocatedBytes() const;
};

// Packs a dense row-major rows x cols matrix whose every nonzero is one of the codebook's values
// (bit for bit); zeros are dropped. codebookLength must be 2^codeBits with codeBits in 1..8.
// Throws std::invalid_argument naming the problem.
EieMatrix packEie(const float* dense, size_t rows, size_t cols, unsigned indexBits, const float* codebook, size_t codebookLength);

// Computes out (batch x rows) from x (batch x cols) on exactly `threads` threads.
void multiplyEie(const EieMatrix& m, const float* x, size_t batch, float* out, const float* bias, int threads, Simd simd);

}  // namespace edgescope
