// N-API binding of the sparse kernels (N-API, so the same build loads in Node and in
// Electron). The TypeScript loader (src/main/engine/sparse/native.ts) validates the
// arguments and gives the errors users see; the checks here only keep bad calls from
// reading or writing out of bounds.
#include <napi.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "eie_format.h"
#include "kernels.h"

namespace {

using edgescope::EieMatrix;
using edgescope::Format;
using edgescope::PackedMatrix;
using edgescope::Simd;

// Tags the externals this addon creates, so a foreign object is never taken for a matrix.
const napi_type_tag kMatrixTag = {0x6564676573636f70ULL, 0x6573706172736531ULL};
const napi_type_tag kEieMatrixTag = {0x6564676573636f70ULL, 0x6573706172736532ULL};

const Simd kDetectedSimd = edgescope::detectSimd();

[[noreturn]] void fail(Napi::Env env, const std::string& message) { throw Napi::RangeError::New(env, message); }

size_t sizeArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 9007199254740991.0) || v != static_cast<double>(static_cast<size_t>(v))) {
    fail(info.Env(), std::string(name) + " must be a non-negative integer");
  }
  return static_cast<size_t>(v);
}

Napi::Float32Array floatArrayArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  return info[i].As<Napi::Float32Array>();
}

// A matrix handle: a PackedMatrix (CSR, BSR) or an EieMatrix, told apart by their type tags.
struct MatrixArg {
  const PackedMatrix* packed = nullptr;
  const EieMatrix* eie = nullptr;
  size_t rows() const { return packed ? packed->rows : eie->rows; }
  size_t cols() const { return packed ? packed->cols : eie->cols; }
};

MatrixArg matrixArg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsExternal()) {
    const Napi::Object o = info[i].As<Napi::Object>();
    if (o.CheckTypeTag(&kMatrixTag)) return {info[i].As<Napi::External<PackedMatrix>>().Data(), nullptr};
    if (o.CheckTypeTag(&kEieMatrixTag)) return {nullptr, info[i].As<Napi::External<EieMatrix>>().Data()};
  }
  throw Napi::TypeError::New(info.Env(), "not a packed sparse matrix");
}

// pack(dense, rows, cols, format, blockRows, blockCols) -> { handle, nnz, bytes }
Napi::Value Pack(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Float32Array dense = floatArrayArg(info, 0, "dense");
  const size_t rows = sizeArg(info, 1, "rows");
  const size_t cols = sizeArg(info, 2, "cols");
  if (dense.ElementLength() != rows * cols) fail(env, "dense has " + std::to_string(dense.ElementLength()) + " values, expected rows*cols");
  const std::string format = info[3].ToString().Utf8Value();
  std::unique_ptr<PackedMatrix> m;
  try {
    if (format == "csr32") m = std::make_unique<PackedMatrix>(edgescope::packCsr(dense.Data(), rows, cols, Format::Csr32));
    else if (format == "csr16") m = std::make_unique<PackedMatrix>(edgescope::packCsr(dense.Data(), rows, cols, Format::Csr16));
    else if (format == "bsr") m = std::make_unique<PackedMatrix>(edgescope::packBsr(dense.Data(), rows, cols, sizeArg(info, 4, "blockRows"), sizeArg(info, 5, "blockCols")));
    else if (format == "sell") m = std::make_unique<PackedMatrix>(edgescope::packSell(dense.Data(), rows, cols));
    else fail(env, "unknown sparse format '" + format + "'");
  } catch (const std::invalid_argument& e) {
    fail(env, e.what());
  }
  const int64_t bytes = static_cast<int64_t>(m->bytes());
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  auto handle = Napi::External<PackedMatrix>::New(env, m.release(), [bytes](Napi::Env env, PackedMatrix* p) {
    Napi::MemoryManagement::AdjustExternalMemory(env, -bytes);
    delete p;
  });
  handle.TypeTag(&kMatrixTag);
  PackedMatrix* p = handle.Data();
  Napi::Object result = Napi::Object::New(env);
  result.Set("handle", handle);
  result.Set("nnz", Napi::Number::New(env, static_cast<double>(p->storedValues())));
  result.Set("bytes", Napi::Number::New(env, static_cast<double>(p->bytes())));
  return result;
}

// packEie(dense, rows, cols, indexBits, codebook) -> { handle, nnz, bytes, entries, padding, codeBits }
Napi::Value PackEie(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Float32Array dense = floatArrayArg(info, 0, "dense");
  const size_t rows = sizeArg(info, 1, "rows");
  const size_t cols = sizeArg(info, 2, "cols");
  if (dense.ElementLength() != rows * cols) fail(env, "dense has " + std::to_string(dense.ElementLength()) + " values, expected rows*cols");
  const size_t indexBits = sizeArg(info, 3, "indexBits");
  const Napi::Float32Array codebook = floatArrayArg(info, 4, "codebook");
  std::unique_ptr<EieMatrix> m;
  try {
    m = std::make_unique<EieMatrix>(edgescope::packEie(dense.Data(), rows, cols, static_cast<unsigned>(indexBits), codebook.Data(), codebook.ElementLength()));
  } catch (const std::invalid_argument& e) {
    fail(env, e.what());
  }
  const int64_t allocated = static_cast<int64_t>(m->allocatedBytes());
  Napi::MemoryManagement::AdjustExternalMemory(env, allocated);
  auto handle = Napi::External<EieMatrix>::New(env, m.release(), [allocated](Napi::Env env, EieMatrix* p) {
    Napi::MemoryManagement::AdjustExternalMemory(env, -allocated);
    delete p;
  });
  handle.TypeTag(&kEieMatrixTag);
  const EieMatrix* p = handle.Data();
  Napi::Object result = Napi::Object::New(env);
  result.Set("handle", handle);
  result.Set("nnz", Napi::Number::New(env, static_cast<double>(p->nnz)));
  result.Set("bytes", Napi::Number::New(env, p->bytes()));
  result.Set("entries", Napi::Number::New(env, static_cast<double>(p->entries())));
  result.Set("padding", Napi::Number::New(env, static_cast<double>(p->padding)));
  result.Set("codeBits", Napi::Number::New(env, static_cast<double>(p->codeBits)));
  return result;
}

// multiply(handle, x, batch, out, threads, bias | undefined, simd: 'auto' | 'scalar')
Napi::Value Multiply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const MatrixArg m = matrixArg(info, 0);
  const Napi::Float32Array x = floatArrayArg(info, 1, "x");
  const size_t batch = sizeArg(info, 2, "batch");
  Napi::Float32Array out = floatArrayArg(info, 3, "out");
  const size_t threads = sizeArg(info, 4, "threads");
  if (batch < 1) fail(env, "batch must be at least 1");
  if (threads < 1 || threads > 1024) fail(env, "threads must be between 1 and 1024");
  if (x.ElementLength() != batch * m.cols()) fail(env, "x must hold batch*cols values");
  if (out.ElementLength() != batch * m.rows()) fail(env, "out must hold batch*rows values");
  const float* bias = nullptr;
  if (!info[5].IsUndefined() && !info[5].IsNull()) {
    const Napi::Float32Array b = floatArrayArg(info, 5, "bias");
    if (b.ElementLength() != m.rows()) fail(env, "bias must hold rows values");
    bias = b.Data();
  }
  const bool scalar = info[6].IsString() && info[6].As<Napi::String>().Utf8Value() == "scalar";
  const Simd simd = scalar ? Simd::Scalar : kDetectedSimd;
  if (m.eie) edgescope::multiplyEie(*m.eie, x.Data(), batch, out.Data(), bias, static_cast<int>(threads), simd);
  else edgescope::multiply(*m.packed, x.Data(), batch, out.Data(), bias, static_cast<int>(threads), simd);
  return env.Undefined();
}

std::string compilerName() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("g++ ") + __VERSION__;
#elif defined(_MSC_VER)
  return "msvc " + std::to_string(_MSC_VER);
#else
  return "unknown";
#endif
}

std::string archName() {
#if defined(__x86_64__) || defined(_M_X64)
  return "x86_64";
#elif defined(__aarch64__) || defined(_M_ARM64)
  return "arm64";
#else
  return "other";
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("pack", Napi::Function::New(env, Pack, "pack"));
  exports.Set("packEie", Napi::Function::New(env, PackEie, "packEie"));
  exports.Set("multiply", Napi::Function::New(env, Multiply, "multiply"));
  Napi::Object buildInfo = Napi::Object::New(env);
  buildInfo.Set("simd", edgescope::simdName(kDetectedSimd));
  buildInfo.Set("compiler", compilerName());
  buildInfo.Set("arch", archName());
  buildInfo.Set("threads", "persistent pool, caller + (threads - 1) workers");
  exports.Set("buildInfo", buildInfo);
  return exports;
}

}  // namespace

NODE_API_MODULE(edgescope_sparse, Init)
