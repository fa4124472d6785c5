// The threads that run handlers: started on demand (a task that finds no idle thread starts
// one, up to a maximum) and kept until Join(), like Go's goroutine per request with a cap.
//
// Each thread gets a large stack (kHandlerStackBytes, 1 GiB), as Go gives a goroutine up to
// 1 GB of stack: the PromQL parser, type checker, printer and evaluator recurse once per
// nesting level of a query, and Prometheus answers queries nested 60,000 levels deep. The
// reservation is virtual memory only: the kernel commits the pages a thread actually touches.
// Where the system refuses so large a mapping the thread falls back to the default size (the
// parser's depth guard adapts to the stack it finds, so a smaller stack means a lower limit,
// never a crash).
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

namespace promref::http1::internal {

inline constexpr size_t kHandlerStackBytes = size_t{1} << 30;

// A joinable thread with a given stack size (std::thread cannot choose one).
class BigStackThread {
 public:
  BigStackThread(std::function<void()> fn, size_t stack_bytes) : fn_(std::move(fn)) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int rc = pthread_attr_setstacksize(&attr, stack_bytes);
    if (rc == 0) rc = pthread_create(&thread_, &attr, &BigStackThread::Start, this);
    pthread_attr_destroy(&attr);
    if (rc != 0) rc = pthread_create(&thread_, nullptr, &BigStackThread::Start, this);  // default stack
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_create");
  }
  ~BigStackThread() { Join(); }
  BigStackThread(const BigStackThread&) = delete;
  BigStackThread& operator=(const BigStackThread&) = delete;

  void Join() {
    if (joined_) return;
    joined_ = true;
    pthread_join(thread_, nullptr);
  }

 private:
  static void* Start(void* self) {
    static_cast<BigStackThread*>(self)->fn_();
    return nullptr;
  }

  std::function<void()> fn_;
  pthread_t thread_{};
  bool joined_ = false;
};

class HandlerPool {
 public:
  explicit HandlerPool(int max_threads) : max_threads_(max_threads < 1 ? 1 : max_threads) {}
  ~HandlerPool() { Join(); }
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  void Submit(std::function<void()> task) {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
    if (tasks_.size() > static_cast<size_t>(idle_) && threads_.size() < static_cast<size_t>(max_threads_)) {
      threads_.push_back(std::make_unique<BigStackThread>([this] { Work(); }, kHandlerStackBytes));
    } else {
      cv_.notify_one();
    }
  }

  // Runs the queued tasks to the end, then stops every thread.
  void Join() {
    std::vector<std::unique_ptr<BigStackThread>> threads;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads) t->Join();
  }

 private:
  void Work() {
    std::unique_lock lock(mu_);
    while (true) {
      ++idle_;
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      --idle_;
      if (tasks_.empty()) return;  // stopping, nothing left
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  const int max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::unique_ptr<BigStackThread>> threads_;
  int idle_ = 0;
  bool stopping_ = false;
};

}  // namespace promref::http1::internal
