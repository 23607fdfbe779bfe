// A persistent pool of worker threads for the sparse kernels. A product can take
// 100 us, far less than creating threads, so the threads live for the process and
// spin briefly after each job before sleeping (the next call in a timing loop or a
// layer-by-layer inference usually follows at once).
//
// A job is a number of chunks that the caller and the workers take in order from a shared
// counter. A worker that is not on a CPU when the job starts (another process has its core,
// or the VM has parked its vCPU) leaves its chunks to the others instead of holding the job
// up: the caller never waits for a thread that has not started.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgescope {

class ThreadPool {
 public:
  // The process-wide pool (never destroyed: its threads may still sleep at exit).
  static ThreadPool& instance();

  // Runs task(c) for every chunk c in [0, chunks) on at most `threads` threads: the caller
  // and threads - 1 pool workers. Returns when every chunk has run. Jobs from several
  // callers are serialized.
  void run(int threads, size_t chunks, const std::function<void(size_t)>& task);

 private:
  struct Job {
    const std::function<void(size_t)>* task;
    size_t chunks;
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
  };

  ThreadPool() = default;
  void ensureWorkers(int count);
  void workerLoop(int index, uint64_t seen);
  static void work(Job& job);

  std::mutex dispatchMutex_;
  std::mutex wakeMutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  // Workers inside the current job; the caller waits for them before the job goes away.
  std::atomic<int> active_{0};
  Job* job_ = nullptr;  // guarded by wakeMutex_
  int participants_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace edgescope
