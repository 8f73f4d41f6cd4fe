#include "config/app_config.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "config/listen_address.h"
#include "config/toml_reader.h"
#include "util/byte_size.h"

namespace imgsync::config {

const char* to_string(SourceKind kind) {
  return kind == SourceKind::kRaw ? "raw" : "enhanced";
}

std::optional<SourceKind> source_kind_named(std::string_view word) {
  if (word == "raw") return SourceKind::kRaw;
  if (word == "enhanced") return SourceKind::kEnhanced;
  return std::nullopt;
}

const std::vector<std::string>& default_image_globs() {
  static const std::vector<std::string> globs = {
      "*.jpg", "*.jpeg", "*.png",  "*.tif", "*.tiff", "*.webp", "*.heic", "*.heif",
      "*.hif", "*.avif", "*.jxl",  "*.dng", "*.cr2",  "*.cr3",  "*.nef",  "*.arw",
      "*.orf", "*.rw2",  "*.raf",  "*.pef", "*.srw",  "*.jp2",  "*.gif",  "*.bmp",
      "*.crw", "*.psd",  "*.mpo",  "*.jxr", "*.wdp",  "*.hdp",  "*.hej2", "*.j2k",
      "*.jpf", "*.jpx",  "*.jfif", "*.nrw", "*.srf",  "*.sr2",  "*.x3f",  "*.kdc",
      "*.mrw", "*.3fr",  "*.erf",  "*.mos", "*.iiq",  "*.rwl",  "*.dcr"};
  return globs;
}

namespace {

Status read_upload(const TomlReader& reader, const toml::table& table, UploadSettings& upload) {
  const std::string section = "upload.";
  if (Status ok = reader.check_keys(table, section,
                                    {"jobs", "metadata_jobs", "part_size", "multipart_threshold",
                                     "storage_class", "sse", "sse_kms_key_id"});
      !ok.ok()) {
    return ok;
  }
  if (const toml::node* jobs = table.get("jobs")) {
    if (!jobs->is_integer() || jobs->as_integer()->get() < 1 || jobs->as_integer()->get() > 256) {
      return reader.error_at(*jobs, section + "jobs", "must be a whole number from 1 to 256");
    }
    upload.jobs = static_cast<int>(jobs->as_integer()->get());
  }
  if (const toml::node* jobs = table.get("metadata_jobs")) {
    if (!jobs->is_integer() || jobs->as_integer()->get() < 0 ||
        jobs->as_integer()->get() > kMaxMetadataJobs) {
      return reader.error_at(*jobs, section + "metadata_jobs",
                             fmt::format("must be a whole number from 0 (one worker process per "
                                         "core) to {}; 1 reads in the imgsync process itself",
                                         kMaxMetadataJobs));
    }
    upload.metadata_jobs = static_cast<int>(jobs->as_integer()->get());
  }
  auto part_size = reader.size_at(table, "part_size", section);
  if (!part_size.ok()) return part_size.take_error();
  if (*part_size) {
    constexpr std::uint64_t kMin = 5ULL << 20, kMax = 5ULL << 30;
    if (**part_size < kMin || **part_size > kMax) {
      return reader.error_at(*table.get("part_size"), section + "part_size",
                             "must be between 5MiB and 5GiB (the S3 limits for a part)");
    }
    upload.part_size = *part_size;
  }
  auto threshold = reader.size_at(table, "multipart_threshold", section);
  if (!threshold.ok()) return threshold.take_error();
  if (*threshold) {
    if (**threshold < (5ULL << 20)) {
      return reader.error_at(*table.get("multipart_threshold"), section + "multipart_threshold",
                             "must be at least 5MiB (the smallest part S3 accepts)");
    }
    upload.multipart_threshold = **threshold;
  }
  auto storage_class = reader.string_at(table, "storage_class", section);
  if (!storage_class.ok()) return storage_class.take_error();
  upload.storage_class = *storage_class;
  auto sse = reader.string_at(table, "sse", section);
  if (!sse.ok()) return sse.take_error();
  if (!sse->empty() && *sse != "AES256" && *sse != "aws:kms") {
    return reader.error_at(*table.get("sse"), section + "sse", R"(must be "AES256" or "aws:kms")");
  }
  upload.server_side_encryption = *sse;
  auto kms_key = reader.string_at(table, "sse_kms_key_id", section);
  if (!kms_key.ok()) return kms_key.take_error();
  upload.sse_kms_key_id = *kms_key;
  if (!kms_key->empty() && *sse != "aws:kms") {
    return reader.error_at(*table.get("sse_kms_key_id"), section + "sse_kms_key_id",
                           R"(needs sse = "aws:kms")");
  }
  return {};
}

Status read_thumbnails(const TomlReader& reader, const toml::table& table,
                       ThumbnailSettings& thumbnails) {
  const std::string section = "thumbnails.";
  if (Status ok = reader.check_keys(table, section, {"enabled", "long_edge", "quality"});
      !ok.ok()) {
    return ok;
  }
  if (const toml::node* enabled = table.get("enabled")) {
    if (!enabled->is_boolean()) {
      return reader.error_at(*enabled, section + "enabled", "must be true or false");
    }
    thumbnails.enabled = enabled->as_boolean()->get();
  }
  for (auto [key, field, low, high] : {std::tuple{"long_edge", &thumbnails.long_edge, 16, 4096},
                                       std::tuple{"quality", &thumbnails.quality, 1, 100}}) {
    if (const toml::node* node = table.get(key)) {
      if (!node->is_integer() || node->as_integer()->get() < low ||
          node->as_integer()->get() > high) {
        return reader.error_at(*node, section + key,
                               fmt::format("must be a whole number from {} to {}", low, high));
      }
      *field = static_cast<int>(node->as_integer()->get());
    }
  }
  return {};
}

Status read_s3(const TomlReader& reader, const toml::table& table, S3Overrides& s3) {
  const std::string section = "s3.";
  if (Status ok = reader.check_keys(
          table, section,
          {"profile", "region", "endpoint_url", "addressing_style", "ca_bundle", "verify_tls"});
      !ok.ok()) {
    return ok;
  }
  for (auto [key, target] :
       {std::pair{"profile", &s3.profile}, std::pair{"region", &s3.region},
        std::pair{"endpoint_url", &s3.endpoint_url}, std::pair{"ca_bundle", &s3.ca_bundle}}) {
    auto value = reader.string_at(table, key, section);
    if (!value.ok()) return value.take_error();
    *target = *value;
  }
  if (!s3.ca_bundle.empty()) s3.ca_bundle = reader.resolve(s3.ca_bundle).string();
  auto style = reader.string_at(table, "addressing_style", section);
  if (!style.ok()) return style.take_error();
  if (*style == "path")
    s3.addressing_style = AddressingStyle::kPath;
  else if (*style == "virtual")
    s3.addressing_style = AddressingStyle::kVirtual;
  else if (*style == "auto")
    s3.addressing_style = AddressingStyle::kAuto;
  else if (!style->empty()) {
    return reader.error_at(*table.get("addressing_style"), section + "addressing_style",
                           R"(must be "auto", "path" or "virtual")");
  }
  if (const toml::node* verify = table.get("verify_tls")) {
    if (!verify->is_boolean())
      return reader.error_at(*verify, section + "verify_tls", "must be true or false");
    s3.verify_tls = verify->as_boolean()->get();
  }
  return {};
}

Status read_catalog(const TomlReader& reader, const toml::table& table, CatalogSettings& catalog) {
  if (Status ok = reader.check_keys(table, "catalog.", {"url", "password_env"}); !ok.ok())
    return ok;
  auto url = reader.string_at(table, "url", "catalog.");
  if (!url.ok()) return url.take_error();
  if (!url->empty()) {
    // The message names the URL with its password taken out.
    if (Status ok = check_catalog_url(*url, "the URL"); !ok.ok()) {
      return reader.error_at(*table.get("url"), "catalog.url", ok.error().message);
    }
  }
  catalog.url = *url;
  auto variable = reader.string_at(table, "password_env", "catalog.");
  if (!variable.ok()) return variable.take_error();
  if (!variable->empty()) catalog.password_env = *variable;
  return {};
}

Result<SourceFolder> read_source(const TomlReader& reader, const toml::table& table) {
  const std::string section = "source.";
  if (Status ok =
          reader.check_keys(table, section, {"path", "kind", "include", "exclude", "ready_marker"});
      !ok.ok()) {
    return ok.error();
  }
  SourceFolder source;
  auto path = reader.string_at(table, "path", section);
  if (!path.ok()) return path.take_error();
  if (path->empty()) {
    return reader.error_at(table, "[[source]]", R"(needs a path, e.g. path = "out/enhanced")");
  }
  source.path = reader.resolve(*path);
  auto kind = reader.string_at(table, "kind", section);
  if (!kind.ok()) return kind.take_error();
  const auto named = kind->empty() ? SourceKind::kEnhanced : source_kind_named(*kind);
  if (!named) {
    return reader.error_at(*table.get("kind"), section + "kind", R"(must be "raw" or "enhanced")");
  }
  source.kind = *named;
  auto include = reader.strings_at(table, "include", section);
  if (!include.ok()) return include.take_error();
  source.include = *include;
  auto exclude = reader.strings_at(table, "exclude", section);
  if (!exclude.ok()) return exclude.take_error();
  source.exclude = *exclude;
  auto marker = reader.string_at(table, "ready_marker", section);
  if (!marker.ok()) return marker.take_error();
  if (!marker->empty() && *marker != "sidecar" &&
      ((*marker)[0] != '.' || marker->find('/') != std::string::npos || marker->size() < 2)) {
    return reader.error_at(*table.get("ready_marker"), section + "ready_marker",
                           R"(must be "sidecar" or a suffix starting with '.', e.g. ".done")");
  }
  source.ready_marker = *marker;
  return source;
}

// The top-level keys of `root`: the destination, the project, the name template, the state
// folder.
Status read_top_level_keys(const TomlReader& reader, const toml::table& root, AppConfig& config) {
  auto destination = reader.string_at(root, "destination", "");
  if (!destination.ok()) return destination.take_error();
  if (!destination->empty()) {
    auto uri = parse_s3_uri(*destination);
    if (!uri.ok())
      return reader.error_at(*root.get("destination"), "destination", uri.error().message);
    config.destination = *uri;
  }
  auto project = reader.string_at(root, "project", "");
  if (!project.ok()) return project.take_error();
  if (!project->empty()) config.project = *project;
  auto name_template = reader.string_at(root, "name_template", "");
  if (!name_template.ok()) return name_template.take_error();
  config.name_template = *name_template;
  auto state_dir = reader.string_at(root, "state_dir", "");
  if (!state_dir.ok()) return state_dir.take_error();
  if (!state_dir->empty()) config.state_dir = reader.resolve(*state_dir);
  return {};
}

// An array of tables ([[source]], [[notify]]) at `key` of `root`, each read by `read_one` into
// `into`; `advice` says how to write one when `key` is something else.
template <typename T, typename ReadOne>
Status read_array_of_tables(const TomlReader& reader, const toml::table& root, const char* key,
                            const char* advice, std::vector<T>& into, ReadOne read_one) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return {};
  const toml::array* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return reader.error_at(*node, key, advice);
  }
  for (const auto& element : *array) {
    auto one = read_one(reader, *element.as_table());
    if (!one.ok()) return one.take_error();
    into.push_back(std::move(*one));
  }
  return {};
}

Status read_watch(const TomlReader& reader, const toml::table& table, AppConfig& config) {
  if (Status ok = reader.check_keys(table, "watch.", {"settle", "metrics"}); !ok.ok()) return ok;
  auto metrics = reader.string_at(table, "metrics", "watch.");
  if (!metrics.ok()) return metrics.take_error();
  if (!metrics->empty()) {
    auto address = parse_listen_address(*metrics);
    if (!address.ok())
      return reader.error_at(*table.get("metrics"), "watch.metrics", address.error().message);
    config.metrics_address = *metrics;
  }
  if (const toml::node* settle = table.get("settle")) {
    const auto seconds = settle->value<double>();
    if (!seconds || *seconds < 0 || *seconds > 3600) {
      return reader.error_at(*settle, "watch.settle", "must be a number of seconds from 0 to 3600");
    }
    config.settle_seconds = *seconds;
  }
  return {};
}

// Everything in `root`, stopping at the first problem (reader.last_error_node() names where).
Result<AppConfig> read_app_config(const toml::table& root, const std::filesystem::path& file,
                                  const TomlReader& reader) {
  AppConfig config;
  config.config_file = file;
  config.state_dir = file.parent_path() / ".imgsync";
  if (Status ok =
          reader.check_keys(root, "",
                            {"destination", "project", "name_template", "state_dir", "source",
                             "upload", "thumbnails", "s3", "watch", "notify", "catalog"});
      !ok.ok()) {
    return ok.error();
  }
  if (Status ok = read_top_level_keys(reader, root, config); !ok.ok()) return ok.error();
  if (Status ok =
          read_array_of_tables(reader, root, "source", "write each folder as a [[source]] table",
                               config.sources, read_source);
      !ok.ok()) {
    return ok.error();
  }
  if (Status ok =
          read_array_of_tables(reader, root, "notify", "write each notifier as a [[notify]] table",
                               config.notifiers, read_notifier);
      !ok.ok()) {
    return ok.error();
  }
  if (const toml::node* upload = root.get("upload")) {
    if (!upload->is_table()) return reader.error_at(*upload, "upload", "must be an [upload] table");
    if (Status ok = read_upload(reader, *upload->as_table(), config.upload); !ok.ok())
      return ok.error();
  }
  if (const toml::node* thumbnails = root.get("thumbnails")) {
    if (!thumbnails->is_table()) {
      return reader.error_at(*thumbnails, "thumbnails", "must be a [thumbnails] table");
    }
    if (Status ok = read_thumbnails(reader, *thumbnails->as_table(), config.thumbnails); !ok.ok())
      return ok.error();
  }
  if (const toml::node* watch = root.get("watch")) {
    if (!watch->is_table()) return reader.error_at(*watch, "watch", "must be a [watch] table");
    if (Status ok = read_watch(reader, *watch->as_table(), config); !ok.ok()) return ok.error();
  }
  if (const toml::node* catalog = root.get("catalog")) {
    if (!catalog->is_table())
      return reader.error_at(*catalog, "catalog", "must be a [catalog] table");
    if (Status ok = read_catalog(reader, *catalog->as_table(), config.catalog); !ok.ok())
      return ok.error();
  }
  if (const toml::node* s3 = root.get("s3")) {
    if (!s3->is_table()) return reader.error_at(*s3, "s3", "must be an [s3] table");
    if (Status ok = read_s3(reader, *s3->as_table(), config.s3); !ok.ok()) return ok.error();
  }
  return config;
}

// Takes `target` out of the tree under `parent`; false when it is not there.
bool erase_node(toml::node& parent, const toml::node* target) {
  if (toml::table* table = parent.as_table()) {
    for (auto it = table->begin(); it != table->end(); ++it) {
      if (&it->second == target) {
        table->erase(it);
        return true;
      }
      if (erase_node(it->second, target)) return true;
    }
  } else if (toml::array* array = parent.as_array()) {
    for (auto it = array->begin(); it != array->end(); ++it) {
      if (&*it == target) {
        array->erase(it);
        return true;
      }
      if (erase_node(*it, target)) return true;
    }
  }
  return false;
}

constexpr int kMaxReportedProblems = 50;

}  // namespace

std::string toml_problem_without_input(std::string_view description) {
  // toml++ quotes what it found ("saw 'x'", "'\\q'"): everything from the first quote goes.
  std::string_view problem = description.substr(0, description.find_first_of("'\"`"));
  for (std::string_view tail : {"; saw ", ", saw ", " saw ", ": ", " "}) {
    if (problem.ends_with(tail)) problem.remove_suffix(tail.size());
  }
  while (!problem.empty() && (problem.back() == ' ' || problem.back() == ',' ||
                              problem.back() == ';' || problem.back() == ':')) {
    problem.remove_suffix(1);
  }
  if (problem.empty()) problem = "unreadable TOML";
  return std::string(problem) + " (the text there is not shown: it may be a secret)";
}

// Every problem at once, in file order: read, and after each problem take its node out and read
// again, so that one run names all the mistakes of a hand-written file.
Result<AppConfig> parse_app_config(std::string_view text, const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("{}:{}:{}: not valid TOML: {}", file.string(), error.source().begin.line,
                    error.source().begin.column, toml_problem_without_input(error.description())));
  }
  std::vector<std::pair<std::uint32_t, std::string>> problems;  // line, message
  for (int round = 0; round < kMaxReportedProblems; ++round) {
    TomlReader reader(file);
    auto config = read_app_config(root, file, reader);
    if (config.ok() && problems.empty()) return config;
    if (config.ok()) break;
    problems.emplace_back(reader.last_error_line(), config.error().message);
    const toml::node* node = reader.last_error_node();
    if (node == nullptr || node == &root || !erase_node(root, node)) break;
  }
  if (problems.size() == 1) return make_error(ErrorCategory::kInvalidInput, problems[0].second);
  std::stable_sort(problems.begin(), problems.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string message =
      fmt::format("{} has {} problems, in file order:", file.string(), problems.size());
  for (const auto& [line, problem] : problems) message += "\n  " + problem;
  return make_error(ErrorCategory::kInvalidInput, message);
}

Result<AppConfig> load_app_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::error_code error;
  if (!in || std::filesystem::is_directory(file, error)) {
    return make_error(ErrorCategory::kInvalidInput,
                      std::filesystem::exists(file, error)
                          ? fmt::format("config file {} cannot be read", file.string())
                          : fmt::format("config file {} does not exist", file.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_app_config(text.str(), file);
}

Result<AppConfig> load_app_config_from_directory(const std::filesystem::path& directory) {
  const auto file = directory / "imgsync.toml";
  std::error_code error;
  if (std::filesystem::exists(file, error)) return load_app_config(file);
  AppConfig config;
  return config;
}

}  // namespace imgsync::config
