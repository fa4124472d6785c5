#include "tsdb/util/fault.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>

namespace promref::tsdb::fault {
namespace {

std::atomic<bool> armed{false};
std::mutex mu;
std::string armed_point;  // guarded by mu
int64_t remaining = 0;    // guarded by mu: hits left until the crash

}  // namespace

void Arm(std::string_view point, int64_t nth) {
  std::lock_guard lock(mu);
  armed_point = point;
  remaining = nth;
  armed.store(nth > 0, std::memory_order_relaxed);
}

bool Reached(const char* point) {
  if (!armed.load(std::memory_order_relaxed)) return false;
  std::lock_guard lock(mu);
  if (armed_point != point || remaining <= 0) return false;
  return --remaining == 0;
}

void Crash() {
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached: SIGKILL cannot be caught
}

}  // namespace promref::tsdb::fault
