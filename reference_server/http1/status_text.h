// Reason phrases of HTTP status codes, as Go's http.StatusText spells them.
#pragma once

#include <string_view>

namespace promref::http1 {

// "" for a code Go does not name.
std::string_view StatusText(int code);

}  // namespace promref::http1
