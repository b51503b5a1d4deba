#include "consumers/notifier/templates.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace docket::notifier {
namespace {

namespace fs = std::filesystem;

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<std::string> Substitute(const std::string& text, const nlohmann::json& vars, bool html) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t open = text.find("{{", at);
    if (open == std::string::npos) break;
    const size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) break;
    out += text.substr(at, open - at);
    std::string name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    auto it = vars.find(name);
    if (it == vars.end()) return InvalidArgumentError("template variable '" + name + "' is not set");
    const std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    out += html ? Escape(value) : value;
    at = close + 2;
  }
  return out + text.substr(at);
}

Result<Templates> Templates::Load(const std::string& dir) {
  Templates t;
  std::error_code ec;
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const fs::path p = e.path();
    const std::string ext = p.extension().string();
    if (ext == ".subject" || ext == ".txt" || ext == ".html") names.insert(p.stem().string());
  }
  if (ec || names.empty()) return NotFoundError("no mail templates in " + dir);
  for (const std::string& name : names) {
    Rendered r;
    for (auto [ext, into] : {std::pair<const char*, std::string*>{".subject", &r.subject},
                             {".txt", &r.text},
                             {".html", &r.html}}) {
      std::ifstream in(fs::path(dir) / (name + ext));
      if (!in) return InvalidArgumentError("mail template " + name + " has no " + ext + " file");
      std::stringstream ss;
      ss << in.rdbuf();
      *into = ss.str();
    }
    r.subject = Trim(r.subject);
    t.parts_[name] = std::move(r);
  }
  return t;
}

Result<Rendered> Templates::Render(const std::string& name, const nlohmann::json& vars) const {
  auto it = parts_.find(name);
  if (it == parts_.end()) return NotFoundError("no mail template " + name);
  Rendered r;
  DOCKET_ASSIGN_OR_RETURN(r.subject, Substitute(it->second.subject, vars, false));
  for (char& c : r.subject) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  DOCKET_ASSIGN_OR_RETURN(r.text, Substitute(it->second.text, vars, false));
  DOCKET_ASSIGN_OR_RETURN(r.html, Substitute(it->second.html, vars, true));
  return r;
}

}  // namespace docket::notifier
