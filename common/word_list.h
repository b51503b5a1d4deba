// A word list in a text file: one entry per line, blank lines and lines
// starting with '#' skipped, surrounding spaces trimmed, lower-cased.
// Thread-compatible.
#ifndef DOCKET_COMMON_WORD_LIST_H_
#define DOCKET_COMMON_WORD_LIST_H_

#include <string>
#include <vector>

#include "common/status.h"

namespace docket {

// kNotFound when the file cannot be read; kInvalidArgument when it has no
// entry.
Result<std::vector<std::string>> ReadWordList(const std::string& path);

}  // namespace docket

#endif  // DOCKET_COMMON_WORD_LIST_H_
