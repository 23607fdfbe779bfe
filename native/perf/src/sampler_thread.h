// A native sampling thread: re-reads kept files (and, optionally, the perf_event_open groups of
// a ProcessCounters) on absolute CLOCK_MONOTONIC deadlines into a preallocated buffer, which
// JavaScript drains every ~100 ms. Waking a C thread costs a fraction of waking Node's event loop,
// and a tick allocates nothing and runs no JavaScript. No N-API here: sampler_binding.cc converts.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "perf_group.h"

namespace edgescope {

// The drained buffer is a sequence of records, each 8-byte aligned, in the machine's byte order:
//   RecordHeader, then `entries` x (EntryHeader, `length` bytes of data padded to a multiple of 8).
// Records are in time order: ticks and marks are appended under one lock, stamped under it.
struct RecordHeader {
  double tMs;        // (CLOCK_MONOTONIC ns - originNs) / 1e6: the job clock
  uint32_t entries;
  uint32_t flags;    // kMarkRecord: taken by mark(), carrying only the perf rows
};
struct EntryHeader {
  int32_t source;    // index into the files given at start, or kPerfSource
  int32_t length;    // bytes of data; negative: -errno of a failed read (no data)
};
constexpr int32_t kPerfSource = -1;
constexpr uint32_t kMarkRecord = 1;

// One file re-read with pread at offset 0 (procfs and sysfs regenerate it on each read).
struct SampledFile {
  int fd;              // owned: closed by stop()
  int64_t minIntervalNs; // read on a tick at least this long after its last reading (0: every tick)
};

// The VmHWM rule of the JS reader (proc-reader.ts): /proc/<pid>/status is dear to generate, so
// besides its own cadence it is read only when the RSS in statm, read earlier in the same tick,
// has risen above the peak status last gave (the high-water mark is moving).
struct PeakWatch {
  int32_t statmFile = -1;   // index into files; -1: no watch
  int32_t statusFile = -1;  // a higher index: read after statm in a tick
  uint64_t pageBytes = 4096;
};

struct SamplerConfig {
  int64_t periodNs;
  int64_t originNs;                // the job clock's zero, on CLOCK_MONOTONIC (process.hrtime's clock)
  std::vector<SampledFile> files;
  const ProcessCounters* perf;     // not owned, must outlive the SamplerThread; null: none
  int64_t perfMinIntervalNs;
  uint32_t capacityTicks;          // the buffer holds at least this many ticks reading everything
  PeakWatch peak;
};

class SamplerThread {
 public:
  // Takes the first reading (the baseline, every source) on the calling thread, then starts the
  // thread; its deadlines are that reading's time + k * period. Throws std::system_error when
  // the thread cannot be created.
  explicit SamplerThread(SamplerConfig config);
  ~SamplerThread();  // stop()
  SamplerThread(const SamplerThread&) = delete;
  SamplerThread& operator=(const SamplerThread&) = delete;

  // Wakes the thread, joins it and closes the files. Idempotent; the buffer stays drainable.
  void stop();
  // Appends a record of the perf rows read now (a run-window boundary). No-op without perf, and
  // after stop() (the perf counters need not outlive it).
  void mark();
  // Hands the records since the last drain, and how many ticks were dropped because the buffer
  // was full, to `take` (called under the lock, once), then empties the buffer.
  void drain(const std::function<void(const uint8_t* data, size_t bytes, uint64_t dropped)>& take);

  // Sampling threads running in this process (started and not yet joined).
  static int running();

 private:
  static void* entry(void* self);
  void run();
  // Under mutex_: appends one record of the sources due at nowNs (markOnly: the perf rows alone).
  // False when it did not fit (counted in dropped_; its files stay due).
  bool record(int64_t nowNs, bool markOnly);

  SamplerConfig config_;
  std::vector<uint32_t> slotBytes_;     // the most one reading of each file may take
  std::vector<int64_t> lastReadNs_;     // per file: when it was last read
  int64_t perfLastReadNs_;
  uint64_t peakBytes_ = 0;              // VmHWM as status last gave it (PeakWatch)
  size_t perfBytes_ = 0;
  std::unique_ptr<uint8_t[]> buffer_;   // not zeroed: pages are touched only as records fill it
  size_t capacity_ = 0;
  size_t used_ = 0;
  uint64_t dropped_ = 0;
  int64_t startNs_ = 0;
  int64_t lastTickNs_ = 0;
  pthread_mutex_t mutex_;
  pthread_cond_t wake_;                 // signalled by stop(); waits on CLOCK_MONOTONIC deadlines
  pthread_t thread_;
  bool stopping_ = false;
  bool joined_ = false;
};

}  // namespace edgescope
