#include "common/text.h"

#include <utf8proc.h>

#include <cstdlib>

#include <algorithm>
#include <cctype>

namespace docket {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
  });
  return s;
}

int64_t Utf8Length(std::string_view s) {
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  int64_t n = 0;
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p, left, &cp);
    if (len <= 0 || cp == 0) return -1;
    p += len;
    left -= len;
    ++n;
  }
  return n;
}

bool ValidEmail(std::string_view e) {
  if (e.empty() || e.size() > 254) return false;
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view domain = e.substr(at + 1);
  auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  for (unsigned char c : e) {
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';') {
      return false;
    }
  }
  return domain.find("..") == std::string_view::npos && domain[0] != '.' && domain[0] != '-';
}

std::string FoldUnicode(std::string_view text) {
  // NFKC (COMPAT + COMPOSE), full case folding, marks stripped (needs
  // COMPOSE), default-ignorables dropped. No NULLTERM: lengths are given.
  constexpr auto kOptions = static_cast<utf8proc_option_t>(
      UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
      UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
  if (text.empty()) return {};
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &mapped, kOptions);
  std::string out;
  if (n > 0 && mapped != nullptr) out.assign(reinterpret_cast<const char*>(mapped), n);
  std::free(mapped);  // utf8proc allocates with malloc
  return out;
}

std::string NormalizeForMatch(std::string_view text) {
  const std::string folded = FoldUnicode(text);
  std::string out;
  bool space = false;
  for (char c : folded) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace docket
