// Text analysis for the search read model: turns free text (case titles,
// descriptions, comments, queries) into the words the search index stores.
//
// Every word is folded the same way for documents and for queries:
//   1. invalid UTF-8 bytes become separators (they never fail a call),
//   2. NFKC normalisation ("ﬁ" -> "fi"), full Unicode case folding
//      ("Straße" -> "strasse"), accents and other marks stripped
//      ("Résumé" -> "resume"), default-ignorable code points (soft hyphen,
//      zero-width joiner, ...) removed,
//   3. split into maximal runs of Unicode letters and digits (categories L*
//      and N*); everything else (spaces, punctuation, symbols, emoji,
//      controls) separates words,
//   4. each word truncated to at most kMaxTermBytes bytes at a code-point
//      boundary,
//   5. stemmed with the Snowball English stemmer ("backups" -> "backup").
//
// Nothing here throws or crashes, whatever the input bytes.
//
// TextAnalyzer is not thread-safe (it owns one sb_stemmer, which keeps state
// between calls): use one analyzer per thread. TextAnalyzer::Fold() is static
// and thread-safe.
#ifndef DOCKET_PROJECTIONS_CASES_TEXT_H_
#define DOCKET_PROJECTIONS_CASES_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

struct sb_stemmer;

namespace docket::projections {

// Longest word (folded and stemmed), in bytes, that the index stores.
inline constexpr size_t kMaxTermBytes = 64;

// One search word of a query or a document.
struct Word {
  // Normalised: NFKC, case-folded, accents stripped, ≤ kMaxTermBytes bytes
  // (e.g. "résumé" -> "resume", "Backups" -> "backups").
  std::string folded;
  // The English Snowball stem of `folded` (e.g. "backups" -> "backup"),
  // ≤ kMaxTermBytes bytes.
  std::string stem;

  friend bool operator==(const Word& a, const Word& b) = default;
};

// Turns text into search words (see the file comment for the rules).
// Not thread-safe (one sb_stemmer per instance): use one analyzer per thread.
class TextAnalyzer {
 public:
  TextAnalyzer();
  ~TextAnalyzer();
  TextAnalyzer(const TextAnalyzer&) = delete;
  TextAnalyzer& operator=(const TextAnalyzer&) = delete;

  // Every word of `text`, in order, duplicates kept. Empty for text without
  // letters or digits.
  std::vector<Word> Words(std::string_view text);

  // Just the stems of Words(text), in order (what the index stores).
  std::vector<std::string> Terms(std::string_view text);

  // Folds one string without splitting (NFKC, case fold, strip accents,
  // drop default-ignorables). Returns "" for invalid UTF-8. Thread-safe.
  static std::string Fold(std::string_view text);

  // Whether `text` is entirely valid UTF-8 (no surrogates, no overlongs).
  // Thread-safe.
  static bool IsValidUtf8(std::string_view text);

 private:
  // Calls fn(std::string_view) with each folded, truncated word of `text`.
  template <typename Fn>
  void ForEachWord(std::string_view text, Fn fn);
  // The English stem of the folded word `word`; `word` itself if no stemmer
  // could be created or stemming failed (out of memory).
  std::string Stem(std::string_view word);

  sb_stemmer* stemmer_;  // Owned; may be null (then words are not stemmed).
};

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_TEXT_H_
