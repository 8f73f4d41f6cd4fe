// [catalog] in imgsync.toml (or --catalog): where the index of STAC Items lives.
//
//   [catalog]
//   url = "postgresql://imgsync@db.example:5432/photos"  # a shared PostgreSQL + PostGIS catalog
//   password_env = "IMGSYNC_CATALOG_PASSWORD"             # the variable holding its password
//
// Without a url, the local SQLite index in the state directory (catalog/search_index.h). The
// password is never written in the URL (the file, the command line and the process list would
// show it): it comes from the variable named by password_env, else from libpq's PGPASSWORD or
// ~/.pgpass. Messages name the server with redact_catalog_url().
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace imgsync::config {

inline constexpr const char* kDefaultCatalogPasswordEnv = "IMGSYNC_CATALOG_PASSWORD";

struct CatalogSettings {
  std::string url;  // empty: the local SQLite index
  std::string password_env = kDefaultCatalogPasswordEnv;
};

// true for postgresql:// and postgres:// URLs.
bool is_catalog_url(std::string_view url);
// The password written in the URL (userinfo, or a password= parameter); empty when none.
std::string catalog_url_password(std::string_view url);
// The URL with any password replaced by "***".
std::string redact_catalog_url(std::string_view url);
// kInvalidInput unless `url` is a PostgreSQL URL without a password; `where` names its origin
// ("--catalog", "imgsync.toml:12: catalog.url").
Status check_catalog_url(std::string_view url, const std::string& where);
// $password_env when set and not empty, else "" (libpq then reads PGPASSWORD or ~/.pgpass).
std::string catalog_password(const CatalogSettings& settings);

}  // namespace imgsync::config
