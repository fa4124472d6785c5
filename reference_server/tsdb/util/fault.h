// Crash points: named places in the storage code where a crash-safety test can make the
// process die, so that a kill lands exactly inside a WAL write, a block write, a checkpoint or
// a compaction rather than wherever a timer happens to fire (tsdb/tests/fault_injection_test).
//
// Nothing is armed in a normal run, and then a point costs one relaxed atomic load. A test
// arms one point in a child process it forked; the child kills itself with SIGKILL (no
// destructors, no flushing: what a power cut or the OOM killer leaves) the nth time it passes
// the point.
#pragma once

#include <cstdint>
#include <string_view>

namespace promref::tsdb::fault {

// Arms `point`: the `nth` time (1-based) the process reaches it, Reached() answers true and
// CrashPoint() kills the process.
void Arm(std::string_view point, int64_t nth);

// True exactly once: when this is the armed point's nth hit. For points that must do
// something partial before dying (a torn write), followed by Crash().
bool Reached(const char* point);

// Kills the process with SIGKILL.
[[noreturn]] void Crash();

inline void CrashPoint(const char* point) {
  if (Reached(point)) Crash();
}

}  // namespace promref::tsdb::fault
