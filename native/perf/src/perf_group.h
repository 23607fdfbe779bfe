// Counting groups of perf events on every thread of one process (Linux perf_event_open).
// No N-API here: addon.cc converts to and from JavaScript.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace edgescope {

struct EventSpec {
  uint32_t type;    // PERF_TYPE_*
  uint64_t config;  // event id; hybrid CPUs put the core PMU's type in bits 32-63
  bool kernel;      // try to count kernel mode too; falls back to user only when denied
};

struct EventStatus {
  bool opened = false;
  bool userOnly = false;  // counted with exclude_kernel after the kernel-mode open was denied
  int error = 0;          // errno of the failed open on the process's main thread
};

// One group on one thread: fds[e] is -1 for events that did not open.
struct ThreadGroup {
  int leaderFd = -1;
  std::vector<int> fds;
  std::vector<uint64_t> ids;
};

class ProcessCounters {
 public:
  // Opens every group on every thread listed in /proc/<pid>/task (inherit=1 covers the threads
  // they create later). Events that fail on the main thread are reported in status() and not
  // tried on other threads; a thread that exits meanwhile is skipped.
  ProcessCounters(int pid, const std::vector<std::vector<EventSpec>>& groups);
  ~ProcessCounters();
  ProcessCounters(const ProcessCounters&) = delete;
  ProcessCounters& operator=(const ProcessCounters&) = delete;

  const std::vector<std::vector<EventStatus>>& status() const { return status_; }
  size_t threadCount() const { return threads_; }
  size_t maxGroupSize() const { return maxGroupSize_; }

  // Appends one row per (thread, group) opened: [group, enabled ns, running ns, value per event
  // of the group (NaN where the event is not open)], each row 3 + maxGroupSize() long.
  // One read() per row; a row whose read failed is NaN after its group index.
  void read(std::vector<double>& rows) const;
  // The same rows written to out, which has room for `capacity` values; returns how many were
  // written (0 after close()). Allocates nothing: the sampling thread calls it on every tick.
  size_t readInto(double* out, size_t capacity) const;
  // How many values read() produces (rows x row width); 0 after close().
  size_t rowValues() const;
  // Safe while another thread reads: reads and close() take one lock.
  void close();

 private:
  std::vector<std::vector<EventSpec>> specs_;
  std::vector<std::vector<EventStatus>> status_;
  std::vector<std::vector<ThreadGroup>> perThread_;  // [thread][group]
  size_t threads_ = 0;
  size_t maxGroupSize_ = 0;
  // The JS thread (read, close) and the sampling thread (readInto) share these counters.
  mutable std::mutex mutex_;
  mutable std::vector<uint64_t> readBuffer_;  // one group's read(), reused under mutex_

  size_t rowValuesLocked() const;
  void readLocked(double* out) const;  // writes rowValuesLocked() values
};

// "ENOENT" for ENOENT, etc.; "E<number>" for anything unnamed here.
std::string errnoName(int error);

}  // namespace edgescope
