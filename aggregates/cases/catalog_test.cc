#include "aggregates/cases/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace docket::aggregates {
namespace {

using ::testing::HasSubstr;

TEST(CatalogTest, RepositoryCatalogHasThePortalsFourRequestTypes) {
  auto c = Catalog::Load(DOCKET_CATALOG_PATH);
  ASSERT_TRUE(c.ok()) << c.status();
  std::vector<std::string> names;
  for (const auto& t : c->request_types()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Technical Support", "Account & Billing Support",
                                             "Add New Service or Location",
                                             "Change Existing Service"}));
  ASSERT_NE(c->FindCategory("technical-support", "backups"), nullptr);
  EXPECT_EQ(c->FindCategory("technical-support", "backups")->name, "Backups");
  EXPECT_NE(c->FindCategory("technical-support", "msx-wan"), nullptr);
  EXPECT_NE(c->FindCategory("account-billing", "bill-inquiry"), nullptr);
  EXPECT_EQ(c->FindCategory("account-billing", "backups"), nullptr);
  EXPECT_GE(c->version(), 1u);
}

TEST(CatalogTest, ErrorsNameTheJsonPath) {
  EXPECT_THAT(Catalog::FromJson("{").status().message(), HasSubstr("malformed JSON"));
  EXPECT_THAT(Catalog::FromJson(R"({"request_types":[]})").status().message(),
              HasSubstr("$.version is missing"));
  EXPECT_THAT(Catalog::FromJson(R"({"version":1,"request_types":[{"id":"a","name":"A",
                "categories":[{"id":"x","name":"X"},{"id":"x","name":"X2"}]}]})")
                  .status()
                  .message(),
              HasSubstr("$.request_types[0].categories[1].id 'x' is a duplicate"));
  EXPECT_THAT(Catalog::FromJson(R"({"version":1,"request_types":[{"id":"a","name":"A",
                "categories":[{"id":"x","name":"X","fields":[{"key":1}]}]}]})")
                  .status()
                  .message(),
              HasSubstr("fields[0].key has the wrong type"));
  EXPECT_THAT(Catalog::FromJson(R"({"version":1,"request_types":[{"id":"a","name":"A",
                "categories":[{"id":"x","name":"X","fields":[{"key":"k","label":"K",
                "required":"yes"}]}]}]})")
                  .status()
                  .message(),
              HasSubstr("fields[0].required has the wrong type"));
  EXPECT_THAT(Catalog::FromJson(R"({"version":99999999999,"request_types":[]})")
                  .status()
                  .message(),
              HasSubstr("$.version is out of range"));
  EXPECT_EQ(Catalog::Load("/nonexistent.json").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace docket::aggregates
