#include "thread_pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define EDGESCOPE_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define EDGESCOPE_PAUSE() asm volatile("yield")
#else
#define EDGESCOPE_PAUSE() std::this_thread::yield()
#endif

namespace edgescope {

namespace {
// How long an idle worker keeps polling for the next job before it sleeps: long enough for
// back-to-back products (a timing loop, consecutive sparse layers), short enough not to take
// a core from onnxruntime's threads when a dense layer runs between two sparse ones.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(100);

template <typename Done>
void spinUntil(Done done) {
  for (int spins = 0; !done(); ++spins) {
    if (spins < 20000) EDGESCOPE_PAUSE();
    else std::this_thread::yield();
  }
}
}  // namespace

ThreadPool& ThreadPool::instance() {
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

void ThreadPool::ensureWorkers(int count) {
  while (static_cast<int>(workers_.size()) < count) {
    const int index = static_cast<int>(workers_.size()) + 1;  // the caller is 0
    // The generation is read here, not in the new thread: the thread may start only after
    // the job it was created for has been published, and must not sleep through it.
    const uint64_t seen = generation_.load(std::memory_order_acquire);
    workers_.emplace_back([this, index, seen] { workerLoop(index, seen); });
    workers_.back().detach();
  }
}

void ThreadPool::work(Job& job) {
  for (;;) {
    const size_t chunk = job.next.fetch_add(1, std::memory_order_relaxed);
    if (chunk >= job.chunks) return;
    (*job.task)(chunk);
    job.done.fetch_add(1, std::memory_order_release);
  }
}

void ThreadPool::run(int threads, size_t chunks, const std::function<void(size_t)>& task) {
  if (threads <= 1 || chunks <= 1) {
    for (size_t c = 0; c < chunks; ++c) task(c);
    return;
  }
  std::lock_guard<std::mutex> dispatch(dispatchMutex_);
  ensureWorkers(threads - 1);
  Job job;
  job.task = &task;
  job.chunks = chunks;
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    job_ = &job;
    participants_ = threads;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  work(job);
  spinUntil([&] { return job.done.load(std::memory_order_acquire) == chunks; });
  // Retire the job: workers that have not joined yet will not; those inside leave at once
  // (no chunks left), and the job lives on this stack until they have.
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    job_ = nullptr;
  }
  spinUntil([&] { return active_.load(std::memory_order_acquire) == 0; });
}

void ThreadPool::workerLoop(int index, uint64_t seen) {
  for (;;) {
    // Poll first, then sleep until the generation moves.
    const auto sleepAt = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    int polls = 0;
    while (generation_.load(std::memory_order_acquire) == seen) {
      EDGESCOPE_PAUSE();
      if (++polls % 64 == 0 && std::chrono::steady_clock::now() > sleepAt) {
        std::unique_lock<std::mutex> lock(wakeMutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        break;
      }
    }
    // Generation and job are read together under the lock, and joining is counted there,
    // so the caller cannot retire the job between a worker seeing it and entering it.
    Job* job;
    {
      std::lock_guard<std::mutex> lock(wakeMutex_);
      seen = generation_.load(std::memory_order_acquire);
      job = index < participants_ ? job_ : nullptr;
      if (job) active_.fetch_add(1, std::memory_order_relaxed);
    }
    if (job) {
      work(*job);
      active_.fetch_sub(1, std::memory_order_release);
    }
  }
}

}  // namespace edgescope
