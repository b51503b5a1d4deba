#include "aggregates/cases/catalog.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace docket::aggregates {
namespace {

using nlohmann::json;

Status Need(const json& j, const char* key, json::value_t type,
            const std::string& path) {
  if (!j.is_object() || !j.contains(key)) {
    return InvalidArgumentError("catalog: " + path + "." + key + " is missing");
  }
  const json& v = j.at(key);
  bool ok = type == json::value_t::number_unsigned ? v.is_number_unsigned()
                                                   : v.type() == type;
  if (!ok) {
    return InvalidArgumentError("catalog: " + path + "." + key + " has the wrong type");
  }
  return Status::Ok();
}

Status NeedId(const json& j, const std::string& path) {
  DOCKET_RETURN_IF_ERROR(Need(j, "id", json::value_t::string, path));
  DOCKET_RETURN_IF_ERROR(Need(j, "name", json::value_t::string, path));
  if (j["id"].get<std::string>().empty()) {
    return InvalidArgumentError("catalog: " + path + ".id is empty");
  }
  return Status::Ok();
}

}  // namespace

Result<Catalog> Catalog::FromJson(std::string_view text) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return InvalidArgumentError("catalog: malformed JSON");
  DOCKET_RETURN_IF_ERROR(Need(root, "version", json::value_t::number_unsigned, "$"));
  DOCKET_RETURN_IF_ERROR(Need(root, "request_types", json::value_t::array, "$"));
  if (root["version"].get<uint64_t>() > UINT32_MAX) {
    return InvalidArgumentError("catalog: $.version is out of range");
  }
  Catalog c;
  c.version_ = root["version"].get<uint32_t>();
  std::set<std::string> type_ids;
  for (size_t i = 0; i < root["request_types"].size(); ++i) {
    const json& t = root["request_types"][i];
    const std::string tp = "$.request_types[" + std::to_string(i) + "]";
    DOCKET_RETURN_IF_ERROR(NeedId(t, tp));
    DOCKET_RETURN_IF_ERROR(Need(t, "categories", json::value_t::array, tp));
    CatalogRequestType type{t["id"], t["name"], {}};
    if (!type_ids.insert(type.id).second) {
      return InvalidArgumentError("catalog: " + tp + ".id '" + type.id + "' is a duplicate");
    }
    std::set<std::string> cat_ids;
    for (size_t k = 0; k < t["categories"].size(); ++k) {
      const json& cat = t["categories"][k];
      const std::string cp = tp + ".categories[" + std::to_string(k) + "]";
      DOCKET_RETURN_IF_ERROR(NeedId(cat, cp));
      CatalogCategory category{cat["id"], cat["name"], {}};
      if (!cat_ids.insert(category.id).second) {
        return InvalidArgumentError("catalog: " + cp + ".id '" + category.id +
                                    "' is a duplicate");
      }
      if (cat.contains("fields")) {
        DOCKET_RETURN_IF_ERROR(Need(cat, "fields", json::value_t::array, cp));
        for (size_t f = 0; f < cat["fields"].size(); ++f) {
          const json& field = cat["fields"][f];
          const std::string fp = cp + ".fields[" + std::to_string(f) + "]";
          DOCKET_RETURN_IF_ERROR(Need(field, "key", json::value_t::string, fp));
          DOCKET_RETURN_IF_ERROR(Need(field, "label", json::value_t::string, fp));
          bool required = false;
          if (field.contains("required")) {
            if (!field["required"].is_boolean()) {
              return InvalidArgumentError("catalog: " + fp + ".required has the wrong type");
            }
            required = field["required"].get<bool>();
          }
          category.fields.push_back({field["key"], field["label"], required});
        }
      }
      type.categories.push_back(std::move(category));
    }
    c.types_.push_back(std::move(type));
  }
  return c;
}

Result<Catalog> Catalog::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("catalog: cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  Result<Catalog> c = FromJson(ss.str());
  if (!c.ok()) return c.status().Annotate(path);
  return c;
}

const CatalogRequestType* Catalog::FindType(std::string_view type_id) const {
  for (const auto& t : types_) {
    if (t.id == type_id) return &t;
  }
  return nullptr;
}

const CatalogCategory* Catalog::FindCategory(std::string_view type_id,
                                             std::string_view category_id) const {
  const CatalogRequestType* t = FindType(type_id);
  if (!t) return nullptr;
  for (const auto& c : t->categories) {
    if (c.id == category_id) return &c;
  }
  return nullptr;
}

}  // namespace docket::aggregates
