#include "tsdb/chunks/histogram_appender.h"

namespace promref::tsdb {

void HistogramAppender::Apply(ChunkBuffer* buf, int64_t t, const Plan& plan) {
  using Action = model::HistogramChunkTail::Action;
  switch (plan.action) {
    case Action::kNewChunk: enc_.Start(buf, plan.kind, plan.header); break;
    case Action::kRecode:
      RecodeHistogramChunk(buf, &enc_, plan.positive_forward, plan.negative_forward,
                           plan.sample.positive_spans, plan.sample.negative_spans);
      break;
    case Action::kAppend: break;
  }
  enc_.Append(buf, t, plan.sample);
  tail_.Commit(plan);
}

}  // namespace promref::tsdb
