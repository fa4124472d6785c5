#include "model/error.h"

namespace promref {

std::string_view ErrorTypeName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadData: return "bad_data";
    case ErrorKind::kExecution: return "execution";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kCanceled: return "canceled";
    case ErrorKind::kInternal: return "internal";
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kUnavailable: return "unavailable";
  }
  return "internal";
}

int HttpStatusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadData: return 400;
    case ErrorKind::kExecution: return 422;
    case ErrorKind::kTimeout: return 503;
    case ErrorKind::kCanceled: return 499;
    case ErrorKind::kInternal: return 500;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kUnavailable: return 500;
  }
  return 500;
}

}  // namespace promref
