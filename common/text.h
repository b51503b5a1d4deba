// Text utilities shared by every module: ASCII case folding, UTF-8 length
// and a pragmatic e-mail address check. Pure functions, thread-safe.
#ifndef DOCKET_COMMON_TEXT_H_
#define DOCKET_COMMON_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace docket {

// ASCII lower case; bytes >= 0x80 are left as they are.
std::string Lower(std::string s);

// Number of code points, or -1 when `s` is not valid UTF-8 or holds NUL.
int64_t Utf8Length(std::string_view s);

// A pragmatic address check: local@domain.tld, no spaces or controls,
// at most 254 bytes (RFC 5321 path limit).
bool ValidEmail(std::string_view e);

// Unicode folding for comparisons: NFKC, case folded, accents stripped,
// default-ignorables dropped (utf8proc). "" for invalid UTF-8.
std::string FoldUnicode(std::string_view s);
// FoldUnicode, with every run of white space made one space and the ends
// trimmed: "  Café  au LAIT " and "cafe au lait" compare equal.
std::string NormalizeForMatch(std::string_view s);

}  // namespace docket

#endif  // DOCKET_COMMON_TEXT_H_
