// The Prometheus text exposition format (0.0.4, and 1.0.0, which only adds quoted UTF-8 names),
// read as Prometheus 3.x reads it (model/textparse/promparse.go).
//
// Lenient where Prometheus is: blank lines, spaces and tabs between tokens, a missing final
// newline, any "#" line that is not HELP or TYPE is a comment, a trailing comma in a label
// list, and a NUL byte at the start of a line ends the body. Timestamps are integer
// milliseconds. There are no exemplars, units or start timestamps in this format.
#pragma once

#include <memory>
#include <string_view>

#include "ingest/exposition.h"

namespace promref::ingest {

// A parser over `body`, which must outlive it.
std::unique_ptr<Parser> NewTextParser(std::string_view body);

}  // namespace promref::ingest
