#include "projections/cases/text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/text.h"

namespace docket::projections {
namespace {

using Terms = std::vector<std::string>;

std::vector<std::string> Folded(const std::vector<Word>& words) {
  std::vector<std::string> out;
  for (const Word& w : words) out.push_back(w.folded);
  return out;
}

// True if `s` is structurally valid UTF-8 (lead and continuation bytes).
bool IsValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3
             : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(TextAnalyzerTest, StemsEnglishWords) {
  TextAnalyzer a;
  std::vector<Word> words = a.Words("Backups failed");
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0], (Word{"backups", "backup"}));
  EXPECT_EQ(words[1], (Word{"failed", "fail"}));
  EXPECT_EQ(a.Terms("Backups failed"), (Terms{"backup", "fail"}));
}

TEST(TextAnalyzerTest, KnownStems) {
  TextAnalyzer a;
  EXPECT_EQ(a.Terms("resume resolution internet outage outages billing billed"),
            (Terms{"resum", "resolut", "internet", "outag", "outag", "bill",
                   "bill"}));
}

TEST(TextAnalyzerTest, StripsAccents) {
  TextAnalyzer a;
  std::vector<Word> words = a.Words("Résumé");
  ASSERT_EQ(words.size(), 1u);
  EXPECT_EQ(words[0].folded, "resume");
}

TEST(TextAnalyzerTest, CaseAndAccentVariantsShareAStem) {
  TextAnalyzer a;
  Terms upper = a.Terms("RÉSUMÉ");
  Terms plain = a.Terms("resume");
  ASSERT_EQ(upper.size(), 1u);
  EXPECT_EQ(upper, plain);
  // Decomposed input (e + U+0301 COMBINING ACUTE) is one word, not three.
  EXPECT_EQ(a.Terms("Re\u0301sume\u0301"), plain);
}

TEST(TextAnalyzerTest, NfkcFoldsLigatures) {
  TextAnalyzer a;
  EXPECT_EQ(Folded(a.Words("\uFB01ber")), (Terms{"fiber"}));  // "ﬁber"
  EXPECT_EQ(TextAnalyzer::Fold("\uFB01ber"), "fiber");
}

TEST(TextAnalyzerTest, FullCaseFolding) {
  TextAnalyzer a;
  EXPECT_EQ(Folded(a.Words("Straße")), (Terms{"strasse"}));
  EXPECT_EQ(Folded(a.Words("STRASSE")), (Terms{"strasse"}));
  EXPECT_EQ(TextAnalyzer::Fold("Straße"), "strasse");
}

TEST(TextAnalyzerTest, KeepsDigits) {
  TextAnalyzer a;
  std::vector<Word> words = a.Words("CS00000050455");
  ASSERT_EQ(words.size(), 1u);
  EXPECT_EQ(words[0].folded, "cs00000050455");
  EXPECT_EQ(words[0].stem, "cs00000050455");
}

TEST(TextAnalyzerTest, PunctuationAndEmojiSeparateWords) {
  TextAnalyzer a;
  EXPECT_EQ(Folded(a.Words("disk,full;node-7 (prod)!")),
            (Terms{"disk", "full", "node", "7", "prod"}));
  EXPECT_EQ(Folded(a.Words("fire\U0001F525alarm \U0001F600")),
            (Terms{"fire", "alarm"}));
  EXPECT_EQ(Folded(a.Words("don't")), (Terms{"don", "t"}));
  EXPECT_TRUE(a.Words("... --- !!! \U0001F600 \t\n").empty());
}

TEST(TextAnalyzerTest, NonLatinLettersAreWords) {
  TextAnalyzer a;
  EXPECT_EQ(Folded(a.Words("Привет, МИР")), (Terms{"привет", "мир"}));
}

TEST(TextAnalyzerTest, DefaultIgnorablesDoNotSplitWords) {
  TextAnalyzer a;
  // U+00AD SOFT HYPHEN is default-ignorable and is dropped, not a separator.
  EXPECT_EQ(Folded(a.Words("inter\u00ADnet")), (Terms{"internet"}));
}

TEST(TextAnalyzerTest, InvalidUtf8IsASeparator) {
  TextAnalyzer a;
  EXPECT_EQ(Folded(a.Words("\xff\xfe abc")), (Terms{"abc"}));
  EXPECT_EQ(Folded(a.Words("ab\xc3(cd")), (Terms{"ab", "cd"}));  // Truncated.
  EXPECT_EQ(Folded(a.Words("x\xed\xa0\x80y")), (Terms{"x", "y"}));  // Surrogate.
  EXPECT_EQ(Folded(a.Words("x\xc0\xafy")), (Terms{"x", "y"}));  // Overlong.
  EXPECT_EQ(Folded(a.Words("end\xe2\x82")), (Terms{"end"}));  // Cut at end.
  EXPECT_TRUE(a.Words("\xff\xfe\xfd").empty());
}

TEST(TextAnalyzerTest, EmbeddedNulIsASeparator) {
  TextAnalyzer a;
  EXPECT_EQ(Folded(a.Words(std::string_view("ab\0cd", 5))),
            (Terms{"ab", "cd"}));
}

TEST(TextAnalyzerTest, NeverCrashesOnArbitraryBytes) {
  TextAnalyzer a;
  std::string bytes;
  unsigned state = 12345;
  for (int i = 0; i < 20000; ++i) {
    state = state * 1103515245u + 12345u;
    bytes.push_back(static_cast<char>(state >> 16));
  }
  for (const Word& w : a.Words(bytes)) {
    EXPECT_FALSE(w.folded.empty());
    EXPECT_LE(w.folded.size(), kMaxTermBytes);
    EXPECT_LE(w.stem.size(), kMaxTermBytes);
    EXPECT_TRUE(IsValidUtf8(w.folded));
    EXPECT_TRUE(IsValidUtf8(w.stem));
  }
}

TEST(TextAnalyzerTest, TruncatesLongWordsAtCodePointBoundary) {
  TextAnalyzer a;
  std::string long_word;
  for (int i = 0; i < 150; ++i) long_word += "é";  // 300 bytes.
  ASSERT_EQ(long_word.size(), 300u);
  std::vector<Word> words = a.Words("x " + long_word + " y");
  ASSERT_EQ(words.size(), 3u);
  const Word& w = words[1];
  // "é" folds to "e" (1 byte), so the folded word is 64 "e"s.
  EXPECT_EQ(w.folded, std::string(kMaxTermBytes, 'e'));
  EXPECT_LE(w.stem.size(), kMaxTermBytes);
  EXPECT_EQ(words[2].folded, "y");
}

TEST(TextAnalyzerTest, TruncatesMultiByteLettersAtCodePointBoundary) {
  TextAnalyzer a;
  // "ж" stays two bytes after folding; 150 of them = 300 bytes. An odd byte
  // at the start shifts the boundary so a naive cut at 64 would split one.
  std::string long_word = "q";
  for (int i = 0; i < 150; ++i) long_word += "ж";
  std::vector<Word> words = a.Words(long_word);
  ASSERT_EQ(words.size(), 1u);
  const Word& w = words[0];
  EXPECT_EQ(w.folded.size(), 63u);  // "q" + 31 * "ж"; 64 would split a "ж".
  EXPECT_TRUE(IsValidUtf8(w.folded));
  EXPECT_EQ(w.folded.substr(0, 3), "qж");
  EXPECT_LE(w.stem.size(), kMaxTermBytes);
  EXPECT_TRUE(IsValidUtf8(w.stem));
}

TEST(TextAnalyzerTest, EmptyText) {
  TextAnalyzer a;
  EXPECT_TRUE(a.Words("").empty());
  EXPECT_TRUE(a.Terms("").empty());
  EXPECT_TRUE(a.Words("   ").empty());
  EXPECT_EQ(TextAnalyzer::Fold(""), "");
}

TEST(TextAnalyzerTest, KeepsOrderAndDuplicates) {
  TextAnalyzer a;
  EXPECT_EQ(a.Terms("fail failed FAILING fail"),
            (Terms{"fail", "fail", "fail", "fail"}));
}

TEST(TextAnalyzerTest, FoldDoesNotSplit) {
  EXPECT_EQ(TextAnalyzer::Fold("Ünïcödé"), "unicode");
  EXPECT_EQ(TextAnalyzer::Fold("Hello, Wörld!"), "hello, world!");
}

TEST(TextAnalyzerTest, FoldRejectsInvalidUtf8) {
  EXPECT_EQ(TextAnalyzer::Fold("abc\xff"), "");
  EXPECT_EQ(TextAnalyzer::Fold("\xc3"), "");
}

// ASCII text skips utf8proc (text.cc). A trailing " é" sends the same text
// through utf8proc, adding the word "e": the words before it must be the
// ASCII path's, for every ASCII character between letters and for random
// ASCII text; and Fold must agree with utf8proc's folding.
TEST(TextAnalyzerTest, AsciiFastPathMatchesUtf8proc) {
  TextAnalyzer a;
  auto through_utf8proc = [&](const std::string& text) {
    std::vector<Word> words = a.Words(text + " \u00e9");
    EXPECT_FALSE(words.empty());
    if (!words.empty()) {
      EXPECT_EQ(words.back().folded, "e");
      words.pop_back();
    }
    return words;
  };
  for (int c = 0; c < 0x80; ++c) {
    const std::string text = std::string("aB") + static_cast<char>(c) + "Cd";
    EXPECT_EQ(a.Words(text), through_utf8proc(text)) << "character " << c;
    EXPECT_EQ(TextAnalyzer::Fold(text), FoldUnicode(text)) << "character " << c;
  }
  unsigned state = 777;
  for (int i = 0; i < 200; ++i) {
    std::string text;
    for (int k = 0; k < 80; ++k) {
      state = state * 1103515245u + 12345u;
      text.push_back(static_cast<char>((state >> 16) % 0x80));
    }
    EXPECT_EQ(a.Words(text), through_utf8proc(text)) << text;
    EXPECT_EQ(TextAnalyzer::Fold(text), FoldUnicode(text)) << text;
  }
}

TEST(TextAnalyzerTest, AnalyzerIsReusable) {
  TextAnalyzer a;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.Terms("Backups failed"), (Terms{"backup", "fail"}));
    EXPECT_EQ(a.Terms("internet outage"), (Terms{"internet", "outag"}));
  }
}

}  // namespace
}  // namespace docket::projections
