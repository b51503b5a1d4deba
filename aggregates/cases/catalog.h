// The request catalog: the portal's request types, their categories and the
// extra form fields of each category. Loaded from a versioned JSON file in
// the repository (config/catalog.json). Immutable once loaded; thread-safe.
#ifndef DOCKET_AGGREGATES_CASES_CATALOG_H_
#define DOCKET_AGGREGATES_CASES_CATALOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace docket::aggregates {

struct CatalogField {
  std::string key;
  std::string label;
  bool required = false;
};

struct CatalogCategory {
  std::string id;
  std::string name;
  std::vector<CatalogField> fields;
};

struct CatalogRequestType {
  std::string id;
  std::string name;
  std::vector<CatalogCategory> categories;
};

class Catalog {
 public:
  // Errors: kInvalidArgument naming the JSON path of the first problem
  // (malformed JSON, missing or mistyped member, duplicate id).
  static Result<Catalog> FromJson(std::string_view json);
  static Result<Catalog> Load(const std::string& path);

  uint32_t version() const { return version_; }
  const std::vector<CatalogRequestType>& request_types() const { return types_; }
  const CatalogRequestType* FindType(std::string_view type_id) const;
  // nullptr when the type or the category does not exist.
  const CatalogCategory* FindCategory(std::string_view type_id,
                                      std::string_view category_id) const;

 private:
  uint32_t version_ = 0;
  std::vector<CatalogRequestType> types_;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_CASES_CATALOG_H_
