#include "projections/cases/text.h"

#include <libstemmer.h>
#include <utf8proc.h>

#include <cstdlib>
#include <utility>

#include "common/text.h"

namespace docket::projections {
namespace {

const utf8proc_uint8_t* Bytes(std::string_view s) {
  return reinterpret_cast<const utf8proc_uint8_t*>(s.data());
}

// Decodes the code point at the start of `s`. Returns the number of bytes it
// takes, or a negative value if `s` does not start with valid UTF-8.
utf8proc_ssize_t Decode(std::string_view s, utf8proc_int32_t* cp) {
  utf8proc_ssize_t n =
      utf8proc_iterate(Bytes(s), static_cast<utf8proc_ssize_t>(s.size()), cp);
  if (n > 0 && !utf8proc_codepoint_valid(*cp)) return -1;
  return n;
}

// Copy of `text` with every byte that is not part of a valid UTF-8 sequence
// replaced by a space (a separator).
std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = Decode(text, &cp);
    if (n <= 0) {
      out.push_back(' ');
      text.remove_prefix(1);
    } else {
      out.append(text.data(), static_cast<size_t>(n));
      text.remove_prefix(static_cast<size_t>(n));
    }
  }
  return out;
}

// Folds valid UTF-8 `text` (common/text.h); "" if utf8proc reports an error.
std::string MapFold(std::string_view text) { return FoldUnicode(text); }

// True for Unicode letters (L*) and digits/numbers (N*).
bool IsWordCodePoint(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// The longest prefix of valid UTF-8 `s` that is at most `max_bytes` long and
// ends on a code-point boundary.
std::string_view TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

// ASCII is its own NFKC form, has no marks and no default-ignorables, and
// folds by lowering A-Z; its word characters are the letters and digits.
// TextAnalyzerTest.AsciiFastPathMatchesUtf8proc checks this against
// utf8proc for every ASCII character.
bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool IsAsciiWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string AsciiFold(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

TextAnalyzer::TextAnalyzer() : stemmer_(sb_stemmer_new("english", "UTF_8")) {}

TextAnalyzer::~TextAnalyzer() {
  if (stemmer_ != nullptr) sb_stemmer_delete(stemmer_);
}

std::string TextAnalyzer::Fold(std::string_view text) {
  // utf8proc_map rejects invalid UTF-8 as a whole, which is what we want.
  return IsAscii(text) ? AsciiFold(text) : MapFold(text);
}

std::string TextAnalyzer::Stem(std::string_view word) {
  if (stemmer_ == nullptr || word.empty()) return std::string(word);
  const sb_symbol* stem = sb_stemmer_stem(
      stemmer_, reinterpret_cast<const sb_symbol*>(word.data()),
      static_cast<int>(word.size()));
  if (stem == nullptr) return std::string(word);  // Out of memory.
  int length = sb_stemmer_length(stemmer_);
  if (length <= 0) return std::string(word);
  std::string_view stemmed(reinterpret_cast<const char*>(stem),
                           static_cast<size_t>(length));
  return std::string(TruncateUtf8(stemmed, kMaxTermBytes));
}

template <typename Fn>
void TextAnalyzer::ForEachWord(std::string_view text, Fn fn) {
  // Folding after splitting would cut decomposed accents ("e" + U+0301) out
  // of their words, so fold the whole text first and split the result.
  const std::string folded =
      IsAscii(text) ? AsciiFold(text) : MapFold(ReplaceInvalidUtf8(text));
  std::string_view rest = folded;
  size_t word_start = std::string_view::npos;
  auto emit = [&](size_t end) {
    if (word_start == std::string_view::npos) return;
    std::string_view word = TruncateUtf8(
        std::string_view(folded).substr(word_start, end - word_start),
        kMaxTermBytes);
    word_start = std::string_view::npos;
    if (!word.empty()) fn(word);
  };
  while (!rest.empty()) {
    const size_t pos = folded.size() - rest.size();
    const auto byte = static_cast<unsigned char>(rest.front());
    bool in_word = false;
    size_t n = 1;
    if (byte < 0x80) {
      in_word = IsAsciiWordByte(byte);
    } else {
      utf8proc_int32_t cp;
      const utf8proc_ssize_t len = Decode(rest, &cp);
      // A bad sequence cannot follow MapFold; it would separate words.
      if (len > 0) {
        in_word = IsWordCodePoint(cp);
        n = static_cast<size_t>(len);
      }
    }
    if (in_word) {
      if (word_start == std::string_view::npos) word_start = pos;
    } else {
      emit(pos);
    }
    rest.remove_prefix(n);
  }
  emit(folded.size());
}

std::vector<Word> TextAnalyzer::Words(std::string_view text) {
  std::vector<Word> words;
  ForEachWord(text, [&](std::string_view word) {
    words.push_back(Word{.folded = std::string(word), .stem = Stem(word)});
  });
  return words;
}

std::vector<std::string> TextAnalyzer::Terms(std::string_view text) {
  std::vector<std::string> terms;
  ForEachWord(text, [&](std::string_view word) { terms.push_back(Stem(word)); });
  return terms;
}

bool TextAnalyzer::IsValidUtf8(std::string_view text) {
  while (!text.empty()) {
    utf8proc_int32_t cp;
    const utf8proc_ssize_t n = Decode(text, &cp);
    if (n <= 0) return false;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace docket::projections
