// An alert of an alerting rule and its states (Prometheus' rules.Alert).
#pragma once

#include <chrono>
#include <cstdint>

#include "model/labels.h"

namespace promref::rules {

enum class AlertState { kUnknown, kInactive, kPending, kFiring };
// "unknown", "inactive", "pending", "firing".
const char* AlertStateName(AlertState s);

using TimePoint = std::chrono::system_clock::time_point;  // zero (epoch): not set

struct Alert {
  AlertState state = AlertState::kInactive;
  model::Labels labels;       // the series' labels without __name__, the rule's labels, alertname
  model::Labels annotations;  // expanded
  double value = 0;
  TimePoint active_at{};
  TimePoint fired_at{};
  TimePoint resolved_at{};
  TimePoint last_sent_at{};
  TimePoint valid_until{};
  TimePoint keep_firing_since{};

  // Whether the notifier should be told about this alert at `ts` (never while pending; a
  // resolution at once; otherwise every resend delay).
  bool NeedsSending(TimePoint ts, std::chrono::milliseconds resend_delay) const;
};

inline bool IsZero(TimePoint t) {
  return t.time_since_epoch().count() == 0;
}

}  // namespace promref::rules
