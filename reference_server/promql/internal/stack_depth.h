// How deeply a query may nest on the current thread's stack (internal to promql).
//
// The parser, type checker, printer, engine preprocessing and evaluator all recurse once (or
// a few times) per nesting level of an expression. Prometheus runs on goroutine stacks that
// grow to 1 GB; a C++ thread has a fixed stack, so the parser refuses, with a parse error,
// an expression nested deeper than what every later pass can run on the stack that is left.
// The limit follows the stack actually available, not a fixed number: about 8 MB on a main
// thread, 1 GiB on the HTTP handler threads (http1/internal/handler_pool.h), where it is well
// above the 60,000 levels Prometheus is known to answer (262,000 levels in release builds).
//
// AddressSanitizer builds are limited to kAsanStackBytes of stack (about 2,300 levels): ASan
// cannot unwind an exception through a deeper stack (it skips its stack cleanup past 64 MB,
// google/sanitizers#189, and then reports false stack-buffer-overflows from the landing pads
// of the frames being unwound), and the parser and evaluator report errors by exceptions.
#pragma once

#include <pthread.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace promref::promql::internal {

#if defined(__SANITIZE_ADDRESS__)
#define PROMREF_STACK_DEPTH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROMREF_STACK_DEPTH_ASAN 1
#endif
#endif

// The stack one nesting level (as the parser counts them) may take in the passes that follow,
// with a safety factor of two or more over what was measured through /api/v1/query: release
// builds about 0.5 KB (`-(-(x))`) to 1.2 KB (`sum(sum(x))`) a level, ASan builds 5 KB (`x+x+x`)
// to 11 KB (`sum(sum(x))`).
#ifdef PROMREF_STACK_DEPTH_ASAN
inline constexpr size_t kStackBytesPerLevel = 24 * 1024;
inline constexpr size_t kStackReserveBytes = 2 * 1024 * 1024;
inline constexpr size_t kAsanStackBytes = 56 * 1024 * 1024;  // of the stack from its top
#else
inline constexpr size_t kStackBytesPerLevel = 4 * 1024;
inline constexpr size_t kStackReserveBytes = 512 * 1024;
#endif

// The lowest address of this thread's stack; 0 when it cannot be found.
inline uintptr_t StackLow() {
  thread_local uintptr_t stack_low = 0;
  if (stack_low == 0) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      size_t size = 0;
      if (pthread_attr_getstack(&attr, &addr, &size) == 0) stack_low = reinterpret_cast<uintptr_t>(addr);
      pthread_attr_destroy(&attr);
    }
  }
  return stack_low;
}

// Bytes of stack between the caller's frame and the end of this thread's stack; 0 when the
// thread's stack cannot be found.
inline size_t StackBytesLeft() {
  const uintptr_t low = StackLow();
  // The frame address, not a local's: under ASan a local may live on a fake stack.
  const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  return low != 0 && here > low ? here - low : 0;
}

// The deepest nesting an expression parsed now, on this thread, may have. Never below 64
// (a thread so short of stack would not get far anyway) or above 10 million.
inline int MaxNestingDepth() {
  size_t left = StackBytesLeft();
#ifdef PROMREF_STACK_DEPTH_ASAN
  {
    pthread_attr_t attr;
    void* addr = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      if (pthread_attr_getstack(&attr, &addr, &size) != 0) size = 0;
      pthread_attr_destroy(&attr);
    }
    const size_t used = size > left ? size - left : 0;
    left = kAsanStackBytes > used ? std::min(left, kAsanStackBytes - used) : 0;
  }
#endif
  size_t levels = left > kStackReserveBytes ? (left - kStackReserveBytes) / kStackBytesPerLevel : 0;
  if (StackLow() == 0) levels = 1000;  // unknown stack: what 8 MB comfortably holds
  if (levels < 64) levels = 64;
  if (levels > 10'000'000) levels = 10'000'000;
  return static_cast<int>(levels);
}

}  // namespace promref::promql::internal
