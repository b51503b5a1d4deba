// Key layouts of the case read models (internal to projections/).
//
// Case numbers are fixed width ("CS" + 11 digits), so they need no
// separator; account ids and terms are UTF-8 without NUL (the event decoder
// refuses NUL), so '\0' separates variable-width parts. Times sort newest
// first as 16 hex digits of (2^64 - 1 - µs).
//
//   cases        <number>                                  CaseHeadRow (case_rows.h)
//   bodies       <number>                                  CaseBodyRow (written once)
//   lists        a\0<account>\0u\0<inv updated><number>     ListEntry
//                a\0<account>\0o\0<inv opened><number>      ListEntry
//                g\0u\0<inv updated><number>                ListEntry (all accounts)
//                g\0o\0<inv opened><number>                 ListEntry
//                n\0<account>\0<number>                     "" (number prefix search)
//   counts       a\0<account>\0<state>   g\0<state>          counter (merged)
//   activity     <number><version %020>                     ActivityRow
//   updates      a\0<account>\0<inv time><number><version>   "" (a pointer to the activity
//                g\0<inv time><number><version>            item; no internal notes)
//   attachments  <number><attachment id>                    JSON
//   watchers     <number><email>                            JSON
//   search       f\0<term>                                  document frequency
//                d\0<number>                                "<length> <updated µs> <opened µs>"
//                s\0<number>                                the case's terms with their
//                                                          frequencies: "<term> <tf>\n"...
//                                                          (terms in byte order)
//                v\0<account>\0<term>                       the account's document frequency
//                m\0docs, m\0length                         collection statistics
//                m\0docs\0<account>, m\0length\0<account>   the account's statistics
//                (a customer's search ranks and expands prefixes with their
//                accounts' statistics only: nothing of other accounts shows)
//                (frequencies and statistics are 8-byte counters, merged)
//   postings     bitmaps of document ids (a case's id is its number's
//                digits, DocId; projections/bitmap.h):
//                t\0<term>                                  cases holding the term
//                x\0<term>\0<bit>                           cases whose frequency of the term,
//                                                          minus 1, has bit <bit> ('A' + k) set
//                l\0<bit>                                   cases whose length in terms has
//                                                          bit <bit> ('A' + k) set
//                a\0<account>                               the account's cases
//                q\0<state>                                 cases in a state (StateChar)
//                y\0<case type>                             cases of a case type
//                c\0<case type>\0<category>                 cases of a category
//   meta         offset/<partition %05d>                    next offset to consume
//   dead         (common to every context: projections/dead_keys.h)
#ifndef DOCKET_PROJECTIONS_CASES_KEYS_H_
#define DOCKET_PROJECTIONS_CASES_KEYS_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "projections/dead_keys.h"  // DeadKey, ParkedKey (the common dead family)

namespace docket::projections::keys {

inline constexpr size_t kNumberWidth = 13;  // "CS" + 11 digits

inline std::string InvTime(int64_t us) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(~static_cast<uint64_t>(us)));
  return buf;
}

inline std::string Version(uint64_t v) {
  char buf[21];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(v));
  return buf;
}

inline std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (auto p : parts) {
    if (!first) out.push_back('\0');
    out.append(p);
    first = false;
  }
  return out;
}

// lists: the prefix of an index (account "" = the global index), then the
// full key of a case in it.
inline std::string ListPrefix(std::string_view account, char sort) {
  std::string s = account.empty() ? std::string("g") : Join({"a", account});
  s.push_back('\0');
  s.push_back(sort);
  s.push_back('\0');
  return s;
}
inline std::string ListKey(std::string_view account, char sort, int64_t us,
                           std::string_view number) {
  return ListPrefix(account, sort) + InvTime(us) + std::string(number);
}
inline std::string NumberPrefix(std::string_view account) {
  return Join({"n", account, ""});
}

inline std::string CountKey(std::string_view account, char state) {
  std::string s = account.empty() ? std::string("g") : Join({"a", account});
  s.push_back('\0');
  s.push_back(state);
  return s;
}

inline std::string UpdatesPrefix(std::string_view account) {
  return account.empty() ? std::string("g") + '\0' : Join({"a", account, ""});
}

inline std::string DocFreqKey(std::string_view term) { return Join({"f", term}); }
inline std::string VocabPrefix(std::string_view account) { return Join({"v", account, ""}); }
inline std::string VocabKey(std::string_view account, std::string_view term) {
  return Join({"v", account, term});
}
inline std::string AccountDocsKey(std::string_view account) { return Join({"m", "docs", account}); }
inline std::string AccountLengthKey(std::string_view account) {
  return Join({"m", "length", account});
}
inline std::string DocKey(std::string_view number) { return Join({"d", number}); }
inline std::string DocTermsKey(std::string_view number) { return Join({"s", number}); }

// postings: bit-sliced numbers are sliced into bits 'A' + k.
inline char SliceBit(int k) { return static_cast<char>('A' + k); }
inline std::string TermBitsKey(std::string_view term) { return Join({"t", term}); }
inline std::string TermBitsPrefix(std::string_view stem) { return Join({"t", stem}); }
inline std::string ExcessTfBitsPrefix(std::string_view term) { return Join({"x", term, ""}); }
inline std::string ExcessTfBitsKey(std::string_view term, int k) {
  return Join({"x", term, std::string(1, SliceBit(k))});
}
inline std::string LengthBitsKey(int k) { return Join({"l", std::string(1, SliceBit(k))}); }
inline std::string AccountBitsKey(std::string_view account) { return Join({"a", account}); }
inline std::string StateBitsKey(char state) { return Join({"q", std::string(1, state)}); }
inline std::string TypeBitsKey(std::string_view case_type) { return Join({"y", case_type}); }
inline std::string CategoryBitsKey(std::string_view case_type, std::string_view category) {
  return Join({"c", case_type, category});
}
// Collection statistics of all accounts (merge counters in the search
// family): the number of documents and their total length in terms. Built
// by Join like every key ("m\0docs"); a string_view of a literal with an
// embedded NUL would stop at the NUL and make both the one-byte key "m".
inline std::string SearchDocsKey() { return Join({"m", "docs"}); }
inline std::string SearchLengthKey() { return Join({"m", "length"}); }

}  // namespace docket::projections::keys

#endif  // DOCKET_PROJECTIONS_CASES_KEYS_H_
