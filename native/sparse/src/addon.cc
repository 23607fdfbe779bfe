// N-API binding of the sparse kernels (N-API, so the same build loads in Node and in
// Electron). The TypeScript loader (src/main/engine/sparse/native.ts) validates the
// arguments and gives the errors users see; the checks here only keep bad calls from
// reading or writing out of bounds.
#include <napi.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "kernels.h"

namespace {

using edgescope::Format;
using edgescope::PackedMatrix;
using edgescope::Simd;

// Tags the externals this addon creates, so a foreign object is never taken for a matrix.
const napi_type_tag kMatrixTag = {0x6564676573636f70ULL, 0x6573706172736531ULL};

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

PackedMatrix* matrixArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal() || !info[i].As<Napi::Object>().CheckTypeTag(&kMatrixTag)) {
    throw Napi::TypeError::New(info.Env(), "not a packed sparse matrix");
  }
  return info[i].As<Napi::External<PackedMatrix>>().Data();
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

// multiply(handle, x, batch, out, threads, bias | undefined, simd: 'auto' | 'scalar')
Napi::Value Multiply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PackedMatrix* m = matrixArg(info, 0);
  const Napi::Float32Array x = floatArrayArg(info, 1, "x");
  const size_t batch = sizeArg(info, 2, "batch");
  Napi::Float32Array out = floatArrayArg(info, 3, "out");
  const size_t threads = sizeArg(info, 4, "threads");
  if (batch < 1) fail(env, "batch must be at least 1");
  if (threads < 1 || threads > 1024) fail(env, "threads must be between 1 and 1024");
  if (x.ElementLength() != batch * m->cols) fail(env, "x must hold batch*cols values");
  if (out.ElementLength() != batch * m->rows) fail(env, "out must hold batch*rows values");
  const float* bias = nullptr;
  if (!info[5].IsUndefined() && !info[5].IsNull()) {
    const Napi::Float32Array b = floatArrayArg(info, 5, "bias");
    if (b.ElementLength() != m->rows) fail(env, "bias must hold rows values");
    bias = b.Data();
  }
  const bool scalar = info[6].IsString() && info[6].As<Napi::String>().Utf8Value() == "scalar";
  edgescope::multiply(*m, x.Data(), batch, out.Data(), bias, static_cast<int>(threads), scalar ? Simd::Scalar : kDetectedSimd);
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
