#include "remote_promqltest/wire_histogram.h"

#include "model/sample.h"
#include "wire/received_histogram.h"

namespace promconform::remote_promqltest {
namespace {

namespace model = promref::model;
namespace wire = promref::wire;

}  // namespace

wire::Histogram ToWireHistogram(const model::FloatHistogram& h, int64_t t) {
  return wire::ToWireHistogram(h, t);
}

wire::Histogram StaleWireHistogram(int64_t t) {
  wire::Histogram out;
  out.is_float = true;
  out.sum = model::StaleNaN();
  out.timestamp = t;
  return out;
}

}  // namespace promconform::remote_promqltest
