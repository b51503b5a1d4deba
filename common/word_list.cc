#include "common/word_list.h"

#include <fstream>

#include "common/text.h"

namespace docket {

Result<std::vector<std::string>> ReadWordList(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot read the word list " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const size_t e = line.find_last_not_of(" \t\r");
    out.push_back(Lower(line.substr(b, e - b + 1)));
  }
  if (out.empty()) return InvalidArgumentError("the word list " + path + " is empty");
  return out;
}

}  // namespace docket
