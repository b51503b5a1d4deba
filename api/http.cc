// Request targets and reply headers (api/http.h).
#include <boost/beast/core/string.hpp>

#include "api/http.h"
#include "common/text.h"

namespace docket::api {

namespace beast = boost::beast;

const std::string* Reply::FindHeader(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return &v;
  }
  return nullptr;
}

namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int h = Hex(in[i + 1]), l = Hex(in[i + 2]);
      if (h < 0 || l < 0) return false;
      char d = static_cast<char>(h * 16 + l);
      if (d == '\0') return false;
      out->push_back(d);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return Utf8Length(*out) >= 0;  // valid UTF-8 (NUL was refused above)
}

std::string PercentEncode(std::string_view in) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

void ParseTarget(std::string_view target, Request* r) {
  const size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (raw_path.empty() || raw_path[0] != '/' || !PercentDecode(raw_path, false, &r->path)) {
    r->bad_target = true;
  }
  for (std::string_view rest = raw_path.empty() ? raw_path : raw_path.substr(1);;) {
    const size_t slash = rest.find('/');
    std::string seg;
    if (!PercentDecode(rest.substr(0, slash), false, &seg)) r->bad_target = true;
    r->segments.push_back(std::move(seg));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (r->segments.size() == 1 && r->segments[0].empty()) r->segments.clear();
  if (q == std::string_view::npos) return;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string k, v;
    if (!PercentDecode(pair.substr(0, eq), true, &k) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &v))) {
      r->bad_target = true;
      continue;
    }
    r->query.emplace_back(std::move(k), std::move(v));
  }
}

}  // namespace docket::api
