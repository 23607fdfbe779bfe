// N-API binding of the sampling thread (sampler_thread.h). The TypeScript side
// (src/main/engine/trace/counters/sampling-thread.ts) decodes the drained records and hands
// each reading to the same readers the JS timer feeds.
//
//   startSampling({ periodMs, originNs: bigint, files: ({ fd } | { path }) & { minIntervalMs? }[],
//                   perf?: handle from open(), perfMinIntervalMs?, capacityTicks,
//                   peakWatch?: { statm, status, pageBytes } (file indexes) }) -> handle
//   drainSampling(handle) -> { buffer: ArrayBuffer, dropped: number }
//   markSampling(handle), stopSampling(handle), runningSamplingThreads() -> number
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "bindings.h"
#include "sampler_thread.h"

namespace edgescope {

namespace {

const napi_type_tag kSamplerTag = {0x6564676573636f70ULL, 0x73616d706c657274ULL};

// The thread and what it reads through: the counters' handle is referenced so that garbage
// collection cannot free them while the thread reads (declared first: released last).
struct SamplerBox {
  Napi::Reference<Napi::Value> perfHandle;
  std::unique_ptr<SamplerThread> thread;
};

// Environment teardown (exit, a worker thread ending): no sampling thread outlives it.
void stopAtTeardown(void* box) { static_cast<SamplerBox*>(box)->thread->stop(); }

SamplerBox* samplerArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal() || !info[0].As<Napi::External<SamplerBox>>().CheckTypeTag(&kSamplerTag)) {
    throw Napi::TypeError::New(info.Env(), "expected a handle returned by startSampling()");
  }
  return info[0].As<Napi::External<SamplerBox>>().Data();
}

std::string describeErrno(int error) { return errnoName(error) + " (" + std::strerror(error) + ")"; }

// An integer option in [min, 2^32); `fallback` when absent.
uint32_t integerField(Napi::Object o, const char* key, uint32_t min, uint32_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= min && d <= 4294967295.0 && d == std::floor(d))) {
    throw Napi::RangeError::New(o.Env(), std::string(key) + " must be an integer >= " + std::to_string(min));
  }
  return static_cast<uint32_t>(d);
}

// A minimum interval in ms (default 0: every tick) as ns.
int64_t intervalNs(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return 0;
  const double ms = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(ms >= 0 && ms <= 86400e3)) throw Napi::RangeError::New(o.Env(), std::string(key) + " must be between 0 and 86400000");
  return static_cast<int64_t>(std::llround(ms * 1e6));
}

// Closes the descriptors opened so far when start fails half way.
struct OpenedFiles {
  std::vector<SampledFile> files;
  ~OpenedFiles() {
    for (const SampledFile& f : files) close(f.fd);
  }
  std::vector<SampledFile> release() { return std::move(files); }
};

// The thread's own descriptor for a file: a duplicate of a kept fd (same open file, so a
// /proc/<pid> file still pins its process) or the path opened. Throws one clear line for a
// descriptor or path that cannot be re-read with pread.
int openSource(Napi::Env env, Napi::Object spec, uint32_t index) {
  Napi::Value fdValue = spec.Get("fd");
  Napi::Value pathValue = spec.Get("path");
  std::string what;
  int fd = -1;
  if (fdValue.IsNumber()) {
    const double d = fdValue.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 2147483647.0 && d == std::floor(d))) throw Napi::RangeError::New(env, "files[" + std::to_string(index) + "].fd must be a descriptor number");
    what = "fd " + std::to_string(static_cast<int>(d));
    fd = fcntl(static_cast<int>(d), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw Napi::Error::New(env, "cannot sample " + what + ": " + describeErrno(errno));
  } else if (pathValue.IsString()) {
    what = pathValue.As<Napi::String>().Utf8Value();
    fd = open(what.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Napi::Error::New(env, "cannot sample " + what + ": " + describeErrno(errno));
  } else {
    throw Napi::TypeError::New(env, "files[" + std::to_string(index) + "] needs an fd or a path");
  }
  // Re-readable with pread? A process that is gone (ESRCH) is not an error: its readings say so.
  char probe;
  if (pread(fd, &probe, 1, 0) < 0 && (errno == EBADF || errno == EISDIR || errno == ESPIPE || errno == EINVAL)) {
    const int error = errno;
    close(fd);
    throw Napi::Error::New(env, "cannot sample " + what + ": pread fails with " + describeErrno(error));
  }
  return fd;
}

Napi::Value StartSampling(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "startSampling(options)");
  Napi::Object options = info[0].As<Napi::Object>();

  Napi::Value periodValue = options.Get("periodMs");
  const double periodMs = periodValue.IsNumber() ? periodValue.As<Napi::Number>().DoubleValue() : NAN;
  if (!(periodMs >= 0.001 && periodMs <= 3600e3)) throw Napi::RangeError::New(env, "periodMs must be between 0.001 and 3600000");
  Napi::Value originValue = options.Get("originNs");
  if (!originValue.IsBigInt()) throw Napi::TypeError::New(env, "originNs must be a bigint (process.hrtime.bigint())");
  bool lossless = false;
  const int64_t originNs = originValue.As<Napi::BigInt>().Int64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(env, "originNs out of range");

  SamplerConfig config;
  config.periodNs = static_cast<int64_t>(std::llround(periodMs * 1e6));
  config.originNs = originNs;
  config.capacityTicks = integerField(options, "capacityTicks", 1, 1);
  config.perf = nullptr;
  config.perfMinIntervalNs = intervalNs(options, "perfMinIntervalMs");

  Napi::Value filesValue = options.Get("files");
  if (!filesValue.IsArray()) throw Napi::TypeError::New(env, "files must be an array");
  Napi::Array filesIn = filesValue.As<Napi::Array>();
  OpenedFiles opened;
  for (uint32_t i = 0; i < filesIn.Length(); ++i) {
    Napi::Value spec = filesIn.Get(i);
    if (!spec.IsObject()) throw Napi::TypeError::New(env, "files[" + std::to_string(i) + "] must be an object");
    const int64_t minIntervalNs = intervalNs(spec.As<Napi::Object>(), "minIntervalMs");
    opened.files.push_back({openSource(env, spec.As<Napi::Object>(), i), minIntervalNs});
  }

  Napi::Value peakValue = options.Get("peakWatch");
  if (peakValue.IsObject()) {
    Napi::Object peak = peakValue.As<Napi::Object>();
    const uint32_t statm = integerField(peak, "statm", 0, 0);
    const uint32_t status = integerField(peak, "status", 0, 0);
    if (!(statm < status && status < opened.files.size())) throw Napi::RangeError::New(env, "peakWatch: statm and status must be file indexes, statm first");
    config.peak = {static_cast<int32_t>(statm), static_cast<int32_t>(status), integerField(peak, "pageBytes", 1, 4096)};
  }

  auto box = std::make_unique<SamplerBox>();
  Napi::Value perfValue = options.Get("perf");
  if (!perfValue.IsUndefined() && !perfValue.IsNull()) {
    config.perf = countersFromHandle(env, perfValue);
    box->perfHandle = Napi::Persistent(perfValue);
  }
  config.files = opened.release();
  try {
    box->thread = std::make_unique<SamplerThread>(std::move(config));
  } catch (const std::exception& err) {
    throw Napi::Error::New(env, err.what());
  }
  napi_add_env_cleanup_hook(env, stopAtTeardown, box.get());
  auto handle = Napi::External<SamplerBox>::New(env, box.release(), [](Napi::Env finalizing, SamplerBox* b) {
    napi_remove_env_cleanup_hook(finalizing, stopAtTeardown, b);
    delete b;  // joins the thread if it still runs, closes its descriptors
  });
  handle.TypeTag(&kSamplerTag);
  return handle;
}

Napi::Value DrainSampling(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SamplerBox* box = samplerArg(info);
  Napi::Object result = Napi::Object::New(env);
  box->thread->drain([&](const uint8_t* data, size_t bytes, uint64_t dropped) {
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
    if (bytes > 0) std::memcpy(buffer.Data(), data, bytes);
    result.Set("buffer", buffer);
    result.Set("dropped", static_cast<double>(dropped));
  });
  return result;
}

Napi::Value MarkSampling(const Napi::CallbackInfo& info) {
  samplerArg(info)->thread->mark();
  return info.Env().Undefined();
}

Napi::Value StopSampling(const Napi::CallbackInfo& info) {
  SamplerBox* box = samplerArg(info);
  box->thread->stop();
  box->perfHandle.Reset();  // the thread no longer reads the counters: they may be collected
  return info.Env().Undefined();
}

Napi::Value RunningSamplingThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), SamplerThread::running());
}

}  // namespace

void exportSampler(Napi::Env env, Napi::Object exports) {
  exports.Set("startSampling", Napi::Function::New(env, StartSampling));
  exports.Set("drainSampling", Napi::Function::New(env, DrainSampling));
  exports.Set("markSampling", Napi::Function::New(env, MarkSampling));
  exports.Set("stopSampling", Napi::Function::New(env, StopSampling));
  exports.Set("runningSamplingThreads", Napi::Function::New(env, RunningSamplingThreads));
}

}  // namespace edgescope
