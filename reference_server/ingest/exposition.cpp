#include "ingest/exposition.h"

namespace promref::ingest {

Result<std::vector<Entry>> ParseAll(Parser& parser) {
  std::vector<Entry> entries;
  Entry entry;
  while (true) {
    Result<bool> more = parser.Next(&entry);
    if (!more.ok()) return more.error();
    if (!*more) return entries;
    entries.push_back(entry);
  }
}

}  // namespace promref::ingest
