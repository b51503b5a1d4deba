// Mail templates, in files a non-programmer can edit (config/mail/README.md):
// for each mail `<name>`, `<name>.subject`, `<name>.txt` and `<name>.html`
// in one directory. `{{var}}` is replaced by the mail's variable `var`
// (HTML-escaped in the .html part; a newline in the subject becomes a
// space). An unknown variable is an error, so a typo in a template shows up
// as a failed mail (docketctl notifications list), never as a mail with a
// hole in it.
//
// Immutable after Load; thread-safe.
#ifndef DOCKET_CONSUMERS_NOTIFIER_TEMPLATES_H_
#define DOCKET_CONSUMERS_NOTIFIER_TEMPLATES_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace docket::notifier {

struct Rendered {
  std::string subject;
  std::string text;
  std::string html;
};

class Templates {
 public:
  // Every complete template in `dir`. kNotFound when `dir` has none;
  // kInvalidArgument naming a template that lacks one of its three files.
  static Result<Templates> Load(const std::string& dir);
  // kNotFound for an unknown template; kInvalidArgument naming a variable
  // the template uses but `vars` lacks (values: strings or numbers).
  Result<Rendered> Render(const std::string& name, const nlohmann::json& vars) const;
  bool Has(const std::string& name) const { return parts_.count(name) > 0; }

 private:
  std::map<std::string, Rendered> parts_;  // the raw files
};

// {{var}} substitution (exposed for tests).
Result<std::string> Substitute(const std::string& text, const nlohmann::json& vars, bool html);

}  // namespace docket::notifier

#endif  // DOCKET_CONSUMERS_NOTIFIER_TEMPLATES_H_
