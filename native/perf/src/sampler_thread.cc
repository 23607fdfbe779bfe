#include "sampler_thread.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <system_error>

namespace edgescope {

namespace {

std::atomic<int> runningThreads{0};

int64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

timespec toTimespec(int64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  return ts;
}

size_t padded(size_t bytes) { return (bytes + 7) & ~static_cast<size_t>(7); }

// Room for one reading of a file: four times its size now (files like /proc/<pid>/stat grow as
// their numbers do), at least 256 bytes, a power of two. A reading that fills it reads as EFBIG.
uint32_t slotFor(int fd) {
  std::vector<char> probe(4096);
  ssize_t n;
  while ((n = pread(fd, probe.data(), probe.size(), 0)) == static_cast<ssize_t>(probe.size())) probe.resize(probe.size() * 2);
  if (n < 0) return 4096;  // unreadable now (a process already gone): its readings carry the errno
  uint32_t slot = 256;
  while (slot < 4 * static_cast<size_t>(n)) slot *= 2;
  return slot;
}

// The second number of /proc/<pid>/statm: resident pages (proc(5)).
bool residentPages(const uint8_t* text, size_t bytes, uint64_t* pages) {
  const char* p = reinterpret_cast<const char*>(text);
  const char* end = p + bytes;
  while (p < end && *p != ' ') ++p;  // size
  if (p == end) return false;
  ++p;
  uint64_t value = 0;
  const char* digits = p;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) value = value * 10 + static_cast<uint64_t>(*p - '0');
  if (p == digits) return false;
  *pages = value;
  return true;
}

// VmHWM of /proc/<pid>/status in bytes (the kernel prints kB).
bool peakRssBytes(const uint8_t* text, size_t bytes, uint64_t* peak) {
  static const char kKey[] = "\nVmHWM:";
  const void* found = memmem(text, bytes, kKey, sizeof kKey - 1);
  if (!found) return false;
  const char* p = static_cast<const char*>(found) + sizeof kKey - 1;
  const char* end = reinterpret_cast<const char*>(text) + bytes;
  while (p < end && (*p == ' ' || *p == '\t')) ++p;  // "VmHWM:\t   43876 kB"
  uint64_t kb = 0;
  const char* digits = p;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) kb = kb * 10 + static_cast<uint64_t>(*p - '0');
  if (p == digits) return false;
  *peak = kb * 1024;
  return true;
}

}  // namespace

int SamplerThread::running() { return runningThreads.load(); }

void* SamplerThread::entry(void* self) {
  pthread_setname_np(pthread_self(), "es-sampler");  // how tests find it in /proc/self/task
  static_cast<SamplerThread*>(self)->run();
  return nullptr;
}

SamplerThread::SamplerThread(SamplerConfig config) : config_(std::move(config)) {
  pthread_mutex_init(&mutex_, nullptr);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);  // deadlines on process.hrtime's clock
  pthread_cond_init(&wake_, &attr);
  pthread_condattr_destroy(&attr);

  size_t tickBytes = sizeof(RecordHeader);
  for (const SampledFile& file : config_.files) {
    slotBytes_.push_back(slotFor(file.fd));
    tickBytes += sizeof(EntryHeader) + slotBytes_.back();
  }
  // Never read: due at once (half the range, so that now - last cannot overflow).
  lastReadNs_.assign(config_.files.size(), INT64_MIN / 2);
  perfLastReadNs_ = INT64_MIN / 2;
  if (config_.perf) {
    perfBytes_ = config_.perf->rowValues() * sizeof(double);
    tickBytes += sizeof(EntryHeader) + perfBytes_;
  }
  capacity_ = tickBytes * (config_.capacityTicks > 0 ? config_.capacityTicks : 1);
  buffer_.reset(new uint8_t[capacity_]);

  startNs_ = monotonicNs();
  pthread_mutex_lock(&mutex_);
  record(startNs_, false);
  lastTickNs_ = startNs_;
  pthread_mutex_unlock(&mutex_);

  // Signals go to Node's threads, never to this one (it has no handlers to run).
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const int rc = pthread_create(&thread_, nullptr, entry, this);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (rc != 0) {
    // No destructor runs for an object whose constructor threw: release what it owns here.
    for (const SampledFile& file : config_.files) close(file.fd);
    pthread_cond_destroy(&wake_);
    pthread_mutex_destroy(&mutex_);
    throw std::system_error(rc, std::generic_category(), "cannot start the sampling thread");
  }
  runningThreads.fetch_add(1);
}

SamplerThread::~SamplerThread() {
  stop();
  pthread_cond_destroy(&wake_);
  pthread_mutex_destroy(&mutex_);
}

void SamplerThread::run() {
  pthread_mutex_lock(&mutex_);
  int64_t tick = 1;
  while (!stopping_) {
    const timespec deadline = toTimespec(startNs_ + tick * config_.periodNs);
    int rc = 0;
    // Absolute deadlines: lateness does not accumulate. 0 is a signal or a spurious wake-up.
    while (!stopping_ && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&wake_, &mutex_, &deadline);
    if (stopping_) break;
    const int64_t now = monotonicNs();
    // As the JS timer does: a reading less than half a period after the last carries no
    // information (CPU time moves in 10 ms ticks); wait for the next deadline instead.
    if (now - lastTickNs_ >= config_.periodNs / 2 && record(now, false)) lastTickNs_ = now;
    tick += 1;
    // Descheduled for a whole period or more: skip the missed deadlines rather than burst.
    if (startNs_ + tick * config_.periodNs <= now - config_.periodNs) tick = (now - startNs_) / config_.periodNs + 1;
  }
  pthread_mutex_unlock(&mutex_);
}

bool SamplerThread::record(int64_t nowNs, bool markOnly) {
  const PeakWatch& peak = config_.peak;
  // The readers' own cadence rule (tMs - lastReadMs >= minInterval): the same samples as the JS timer.
  auto periodicDue = [&](size_t f) { return nowNs - lastReadNs_[f] >= config_.files[f].minIntervalNs; };
  // Room is reserved for every file that may be read (status may become due once statm is read)
  // before anything is written, so a tick that does not fit leaves its files due for the next one.
  size_t need = sizeof(RecordHeader);
  for (size_t f = 0; f < config_.files.size() && !markOnly; ++f) {
    if (periodicDue(f) || static_cast<int32_t>(f) == peak.statusFile) need += sizeof(EntryHeader) + slotBytes_[f];
  }
  const bool perfDue = config_.perf && (markOnly || nowNs - perfLastReadNs_ >= config_.perfMinIntervalNs);
  if (perfDue) need += sizeof(EntryHeader) + perfBytes_;
  if (markOnly && !perfDue) return true;
  if (used_ + need > capacity_) {
    dropped_ += 1;
    return false;
  }

  uint8_t* const start = buffer_.get() + used_;
  uint8_t* at = start + sizeof(RecordHeader);
  RecordHeader header{static_cast<double>(nowNs - config_.originNs) / 1e6, 0, markOnly ? kMarkRecord : 0};
  bool rssAbovePeak = false;
  for (size_t f = 0; f < config_.files.size() && !markOnly; ++f) {
    const int32_t source = static_cast<int32_t>(f);
    if (!periodicDue(f) && !(source == peak.statusFile && rssAbovePeak)) continue;
    lastReadNs_[f] = nowNs;
    uint8_t* data = at + sizeof(EntryHeader);
    const ssize_t n = pread(config_.files[f].fd, data, slotBytes_[f], 0);
    const int32_t length = n < 0 ? -errno : n == static_cast<ssize_t>(slotBytes_[f]) ? -EFBIG : static_cast<int32_t>(n);
    uint64_t value = 0;
    if (length > 0 && source == peak.statmFile && residentPages(data, length, &value)) rssAbovePeak = value * peak.pageBytes > peakBytes_;
    if (length > 0 && source == peak.statusFile && peakRssBytes(data, length, &value)) peakBytes_ = value;
    EntryHeader entry{source, length};
    std::memcpy(at, &entry, sizeof entry);
    at = data + padded(length > 0 ? static_cast<size_t>(length) : 0);
    header.entries += 1;
  }
  if (perfDue) {
    if (!markOnly) perfLastReadNs_ = nowNs;
    // The data after an 8-byte header at an 8-byte aligned offset: aligned for doubles.
    uint8_t* data = at + sizeof(EntryHeader);
    const size_t values = config_.perf->readInto(reinterpret_cast<double*>(data), perfBytes_ / sizeof(double));
    EntryHeader entry{kPerfSource, static_cast<int32_t>(values * sizeof(double))};
    std::memcpy(at, &entry, sizeof entry);
    at = data + values * sizeof(double);
    header.entries += 1;
  }
  std::memcpy(start, &header, sizeof header);
  used_ = static_cast<size_t>(at - buffer_.get());
  return true;
}

void SamplerThread::mark() {
  pthread_mutex_lock(&mutex_);
  // Stamped under the lock, like the ticks: records stay in time order. After stop() the perf
  // counters may be gone (the caller no longer keeps them for the thread).
  if (!stopping_) record(monotonicNs(), true);
  pthread_mutex_unlock(&mutex_);
}

void SamplerThread::drain(const std::function<void(const uint8_t*, size_t, uint64_t)>& take) {
  pthread_mutex_lock(&mutex_);
  try {
    take(buffer_.get(), used_, dropped_);
  } catch (...) {
    pthread_mutex_unlock(&mutex_);
    throw;
  }
  used_ = 0;
  dropped_ = 0;
  pthread_mutex_unlock(&mutex_);
}

void SamplerThread::stop() {
  pthread_mutex_lock(&mutex_);
  const bool join = !joined_;
  joined_ = true;
  stopping_ = true;
  pthread_cond_signal(&wake_);
  pthread_mutex_unlock(&mutex_);
  if (!join) return;
  pthread_join(thread_, nullptr);
  runningThreads.fetch_sub(1);
  // Nothing reads them any more: the descriptors are not left to the garbage collector.
  for (SampledFile& file : config_.files) {
    close(file.fd);
    file.fd = -1;
  }
}

}  // namespace edgescope
