#include "perf_group.h"

#include <dirent.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace edgescope {

namespace {

long perfEventOpen(perf_event_attr* attr, pid_t tid, int groupFd) {
  return syscall(SYS_perf_event_open, attr, tid, -1 /* any cpu */, groupFd, PERF_FLAG_FD_CLOEXEC);
}

// Opens one event on one thread; the caller decides what a failure means.
int openEvent(const EventSpec& spec, bool excludeKernel, pid_t tid, int groupFd) {
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = spec.type;
  attr.config = spec.config;
  // GROUP: one read() returns the whole group; TOTAL_TIME_*: how long the group was enabled
  // and actually on a counter, to scale multiplexed counts.
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_GROUP | PERF_FORMAT_ID;
  attr.inherit = 1;  // threads this thread creates later are counted into this event
  attr.exclude_hv = 1;
  attr.exclude_kernel = excludeKernel ? 1 : 0;
  const long fd = perfEventOpen(&attr, tid, groupFd);
  return fd < 0 ? -errno : static_cast<int>(fd);
}

std::vector<pid_t> listThreads(int pid) {
  std::vector<pid_t> tids;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (!d) return tids;
  while (dirent* entry = readdir(d)) {
    char* end = nullptr;
    const long tid = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && tid > 0) tids.push_back(static_cast<pid_t>(tid));
  }
  closedir(d);
  return tids;
}

}  // namespace

std::string errnoName(int error) {
  switch (error) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ESRCH: return "ESRCH";
    case EMFILE: return "EMFILE";
    case ENOSYS: return "ENOSYS";
    case EBUSY: return "EBUSY";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EISDIR: return "EISDIR";
    case ESPIPE: return "ESPIPE";
    case EFBIG: return "EFBIG";
    default: return "E" + std::to_string(error);
  }
}

ProcessCounters::ProcessCounters(int pid, const std::vector<std::vector<EventSpec>>& groups) : specs_(groups) {
  status_.resize(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    status_[g].resize(groups[g].size());
    if (groups[g].size() > maxGroupSize_) maxGroupSize_ = groups[g].size();
  }
  // The main thread first: which events open at all is decided there, once.
  std::vector<pid_t> tids = listThreads(pid);
  std::vector<pid_t> ordered{static_cast<pid_t>(pid)};
  for (pid_t tid : tids) {
    if (tid != pid) ordered.push_back(tid);
  }
  for (size_t t = 0; t < ordered.size(); ++t) {
    const bool first = t == 0;
    std::vector<ThreadGroup> row(groups.size());
    bool any = false;
    for (size_t g = 0; g < groups.size(); ++g) {
      ThreadGroup& group = row[g];
      group.fds.assign(groups[g].size(), -1);
      group.ids.assign(groups[g].size(), 0);
      for (size_t e = 0; e < groups[g].size(); ++e) {
        EventStatus& st = status_[g][e];
        if (!first && !st.opened) continue;
        const EventSpec& spec = groups[g][e];
        const bool excludeKernel = first ? !spec.kernel : st.userOnly;
        int fd = openEvent(spec, excludeKernel, ordered[t], group.leaderFd);
        // perf_event_paranoid >= 2 denies kernel-mode counting to unprivileged users: count user mode only.
        if (first && !excludeKernel && (fd == -EACCES || fd == -EPERM)) {
          fd = openEvent(spec, true, ordered[t], group.leaderFd);
          if (fd >= 0) st.userOnly = true;
        }
        if (fd < 0) {
          if (first) st.error = -fd;
          continue;  // on another thread: that thread exited meanwhile, or hit a limit
        }
        if (first) st.opened = true;
        uint64_t id = 0;
        ioctl(fd, PERF_EVENT_IOC_ID, &id);
        group.fds[e] = fd;
        group.ids[e] = id;
        if (group.leaderFd < 0) group.leaderFd = fd;
        any = true;
      }
    }
    if (any) {
      perThread_.push_back(std::move(row));
    } else if (first) {
      break;  // nothing opens on the main thread: nothing will on the others
    }
  }
  threads_ = perThread_.size();
}

ProcessCounters::~ProcessCounters() { close(); }

void ProcessCounters::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& row : perThread_) {
    for (auto& group : row) {
      for (int& fd : group.fds) {
        if (fd >= 0) ::close(fd);
        fd = -1;
      }
      group.leaderFd = -1;
    }
  }
  perThread_.clear();
}

size_t ProcessCounters::rowValuesLocked() const {
  size_t rows = 0;
  for (const auto& row : perThread_) {
    for (const ThreadGroup& group : row) rows += group.leaderFd >= 0 ? 1 : 0;
  }
  return rows * (3 + maxGroupSize_);
}

size_t ProcessCounters::rowValues() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rowValuesLocked();
}

void ProcessCounters::read(std::vector<double>& rows) const {
  // Sized and filled under one lock, so a close() in between cannot change the row count.
  std::lock_guard<std::mutex> lock(mutex_);
  const size_t start = rows.size();
  rows.resize(start + rowValuesLocked());
  readLocked(rows.data() + start);
}

size_t ProcessCounters::readInto(double* out, size_t capacity) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const size_t values = rowValuesLocked();
  if (values > capacity) return 0;
  readLocked(out);
  return values;
}

void ProcessCounters::readLocked(double* out) const {
  const size_t width = 3 + maxGroupSize_;
  readBuffer_.resize(3 + 2 * maxGroupSize_);  // allocates on the first read only
  uint64_t* buf = readBuffer_.data();
  const size_t bufWords = readBuffer_.size();
  for (const auto& row : perThread_) {
    for (size_t g = 0; g < row.size(); ++g) {
      const ThreadGroup& group = row[g];
      if (group.leaderFd < 0) continue;
      // Every opened (thread, group) gets its row, in the same order on every read, so the
      // caller can take differences row by row; a failed read leaves the row NaN.
      double* r = out;
      out += width;
      r[0] = static_cast<double>(g);
      for (size_t i = 1; i < width; ++i) r[i] = std::numeric_limits<double>::quiet_NaN();
      const ssize_t n = ::read(group.leaderFd, buf, bufWords * sizeof(uint64_t));
      if (n < static_cast<ssize_t>(3 * sizeof(uint64_t))) continue;
      const uint64_t nr = buf[0];
      r[1] = static_cast<double>(buf[1]);
      r[2] = static_cast<double>(buf[2]);
      // Values come as (value, id) pairs; ids say which event each is.
      for (uint64_t i = 0; i < nr && 3 + 2 * i + 1 < bufWords; ++i) {
        const uint64_t value = buf[3 + 2 * i];
        const uint64_t id = buf[3 + 2 * i + 1];
        for (size_t e = 0; e < group.ids.size(); ++e) {
          if (group.fds[e] >= 0 && group.ids[e] == id) r[3 + e] = static_cast<double>(value);
        }
      }
    }
  }
}

}  // namespace edgescope
