#include "app/bucket_setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "media/object_keys.h"
#include "util/error_predicates.h"
#include "util/hashing.h"
#include "util/json_fields.h"

namespace imgsync::app {
namespace {

constexpr const char* kLifecycleId = "imgsync-abort-incomplete-uploads";
constexpr const char* kPolicySid = "imgsync-public-read";

std::string join_prefix(const std::string& prefix, const std::string& rest) {
  if (prefix.empty()) return rest;
  return prefix + "/" + rest;
}

Error explain(const std::string& step, const Error& error, const std::string& advice) {
  Error explained = error;
  explained.message = fmt::format("init: {} failed: {}{}", step, error.message,
                                  advice.empty() ? "" : "; " + advice);
  return explained;
}

std::string readme_text(const std::string& prefix) {
  const std::string root = prefix.empty() ? "" : prefix + "/";
  return fmt::format(
      "This prefix is managed by imgsync.\n\n"
      "  {0}raw/YYYY/MM/DD/<name>.<ext>        original captures\n"
      "  {0}enhanced/YYYY/MM/DD/<name>.<ext>   processed outputs\n"
      "  {0}metadata/YYYY/MM/DD/<name>.json    one STAC Item per capture, linking its assets\n"
      "  {0}thumbnails/YYYY/MM/DD/<name>.jpg   previews\n"
      "  {0}catalog/catalog.json               STAC catalog; catalog/items.ndjson: every Item\n"
      "  {0}gallery/                           the published web gallery\n\n"
      "Every object carries x-amz-meta-imgsync-sha256 (its content hash) and, for images,\n"
      "x-amz-meta-imgsync-item (the key of its Item). `imgsync index rebuild` recreates a local\n"
      "search index from metadata/ alone.\n",
      root);
}

bool same_cors(const std::vector<s3::CorsRule>& current, const s3::CorsRule& wanted) {
  if (current.size() != 1) return false;
  const auto& rule = current.front();
  return rule.allowed_origins == wanted.allowed_origins &&
         rule.allowed_methods == wanted.allowed_methods &&
         rule.allowed_headers == wanted.allowed_headers &&
         rule.expose_headers == wanted.expose_headers &&
         rule.max_age_seconds == wanted.max_age_seconds;
}

bool same_abort_rule(const std::optional<s3::LifecycleRule>& current,
                     const s3::LifecycleRule& wanted) {
  return current && current->enabled && current->prefix == wanted.prefix &&
         current->abort_incomplete_multipart_days == wanted.abort_incomplete_multipart_days &&
         !current->expiration_days;
}

bool same_block(const s3::PublicAccessBlock& a, const s3::PublicAccessBlock& b) {
  return a.block_public_acls == b.block_public_acls &&
         a.ignore_public_acls == b.ignore_public_acls &&
         a.block_public_policy == b.block_public_policy &&
         a.restrict_public_buckets == b.restrict_public_buckets;
}

}  // namespace

std::string merge_public_read_policy(const std::string& existing, const std::string& bucket,
                                     const std::vector<std::string>& key_prefixes) {
  nlohmann::json policy = nlohmann::json::parse(existing.empty() ? "{}" : existing, nullptr, false);
  if (policy.is_discarded() || !policy.is_object()) policy = nlohmann::json::object();
  policy["Version"] = "2012-10-17";
  nlohmann::json statements = nlohmann::json::array();
  if (policy.contains("Statement") && policy["Statement"].is_array()) {
    for (const auto& statement : policy["Statement"]) {
      if (json_string(statement, "Sid") != kPolicySid) statements.push_back(statement);
    }
  }
  nlohmann::json resources = nlohmann::json::array();
  for (const auto& key_prefix : key_prefixes) {
    resources.push_back(fmt::format("arn:aws:s3:::{}/{}*", bucket, key_prefix));
  }
  statements.push_back({{"Sid", kPolicySid},
                        {"Effect", "Allow"},
                        {"Principal", "*"},
                        {"Action", "s3:GetObject"},
                        {"Resource", resources}});
  policy["Statement"] = statements;
  return policy.dump();
}

namespace {

// What every step of set_up_bucket works on.
struct BucketSetup {
  s3::S3Client& client;
  const BucketSetupOptions& options;
  std::string bucket;
  std::string prefix;                        // normalised, without a trailing slash
  std::vector<std::string> public_prefixes;  // key prefixes under `prefix`
  bool exists = false;                       // the bucket was there before this run
  bool dry = false;
};

Result<std::vector<std::string>> public_key_prefixes(const BucketSetupOptions& options,
                                                     const std::string& prefix) {
  std::vector<std::string> key_prefixes;
  for (std::string public_prefix : options.public_prefixes) {
    while (!public_prefix.empty() && public_prefix.front() == '/') public_prefix.erase(0, 1);
    if (public_prefix.find("..") != std::string::npos) {
      return make_error(ErrorCategory::kInvalidInput, "--public-prefix must not contain \"..\"");
    }
    if (public_prefix.empty()) {
      return make_error(ErrorCategory::kInvalidInput,
                        "--public-prefix is empty: name the folders to make public, e.g. "
                        "--public-prefix gallery/ --public-prefix thumbnails/");
    }
    key_prefixes.push_back(join_prefix(prefix, public_prefix));
  }
  return key_prefixes;
}

// 1. The bucket.
Result<BucketSetupStep> bucket_step(BucketSetup& setup) {
  Status exists = setup.client.head_bucket(setup.bucket);
  if (!exists.ok() && !is_not_found(exists.error())) {
    return explain("checking the bucket", exists.error(),
                   "check the credentials and that the bucket name is yours");
  }
  setup.exists = exists.ok();
  if (setup.exists) {
    return BucketSetupStep{.name = "bucket", .detail = fmt::format("s3://{} exists", setup.bucket)};
  }
  if (!setup.dry) {
    if (Status made = setup.client.create_bucket(setup.bucket); !made.ok()) {
      return explain("creating the bucket", made.error(),
                     made.error().s3_code == "BucketAlreadyExists"
                         ? "bucket names are global: choose another name"
                         : "");
    }
  }
  return BucketSetupStep{
      .name = "bucket",
      .detail = fmt::format("create s3://{} in {}", setup.bucket, setup.client.settings().region),
      .changed = !setup.dry};
}

// 2. Versioning (optional: never turned off here, since that is a data decision); nullopt when
// not asked for.
Result<std::optional<BucketSetupStep>> versioning_step(const BucketSetup& setup) {
  if (!setup.options.versioning) return std::optional<BucketSetupStep>();
  const bool versioning_on = setup.exists && [&] {
    auto state = setup.client.get_bucket_versioning(setup.bucket);
    return state.ok() && *state == "Enabled";
  }();
  if (versioning_on)
    return std::optional(BucketSetupStep{.name = "versioning", .detail = "enabled"});
  if (!setup.dry) {
    if (Status ok = setup.client.put_bucket_versioning(setup.bucket, true); !ok.ok()) {
      return explain("enabling versioning", ok.error(), "");
    }
  }
  return std::optional(
      BucketSetupStep{.name = "versioning", .detail = "enabled", .changed = !setup.dry});
}

// 3. Lifecycle: abort incomplete multipart uploads, keeping every other rule.
Result<BucketSetupStep> lifecycle_step(const BucketSetup& setup) {
  std::vector<s3::LifecycleRule> rules;
  std::optional<s3::LifecycleRule> current_abort_rule;
  if (setup.exists) {
    auto current = setup.client.get_bucket_lifecycle(setup.bucket);
    if (current.ok()) {
      for (auto& rule : *current) {
        if (rule.id != kLifecycleId) rules.push_back(rule);
        if (rule.id == kLifecycleId) current_abort_rule = rule;
      }
    } else if (!is_not_found(current.error())) {
      return explain("reading the lifecycle rules", current.error(), "");
    }
  }
  s3::LifecycleRule abort_rule;
  abort_rule.id = kLifecycleId;
  abort_rule.prefix = setup.prefix.empty() ? "" : setup.prefix + "/";
  abort_rule.abort_incomplete_multipart_days = setup.options.abort_incomplete_days;
  rules.push_back(abort_rule);
  const bool lifecycle_set = same_abort_rule(current_abort_rule, abort_rule);
  if (!setup.dry && !lifecycle_set) {
    if (Status ok = setup.client.put_bucket_lifecycle(setup.bucket, rules); !ok.ok()) {
      return explain("setting the lifecycle rule", ok.error(), "");
    }
  }
  return BucketSetupStep{
      .name = "lifecycle",
      .detail = fmt::format("abort incomplete multipart uploads under \"{}\" after {} days",
                            abort_rule.prefix, setup.options.abort_incomplete_days),
      .changed = !setup.dry && !lifecycle_set};
}

// 4. CORS for the gallery: GET and HEAD from the given origins.
Result<BucketSetupStep> cors_step(const BucketSetup& setup) {
  s3::CorsRule cors;
  cors.allowed_origins = setup.options.cors_origins;
  cors.allowed_methods = {"GET", "HEAD"};
  cors.allowed_headers = {"*"};
  cors.expose_headers = {"ETag"};
  cors.max_age_seconds = 3600;
  const bool cors_set = setup.exists && [&] {
    auto current = setup.client.get_bucket_cors(setup.bucket);
    return current.ok() && same_cors(*current, cors);
  }();
  if (!setup.dry && !cors_set) {
    if (Status ok = setup.client.put_bucket_cors(setup.bucket, {cors}); !ok.ok()) {
      return explain("setting CORS", ok.error(), "");
    }
  }
  return BucketSetupStep{
      .name = "cors",
      .detail = "GET, HEAD from " + fmt::format("{}", fmt::join(cors.allowed_origins, ", ")),
      .changed = !setup.dry && !cors_set};
}

Status write_readme(const BucketSetup& setup) {
  s3::PutObjectRequest readme;
  readme.bucket = setup.bucket;
  readme.key = join_prefix(setup.prefix, "README.txt");
  readme.body = s3::Body::from_string(readme_text(setup.prefix));
  readme.attributes.content_type = "text/plain; charset=utf-8";
  auto put = setup.client.put_object(std::move(readme));
  return put.ok() ? Status{} : Status(put.take_error());
}

// 5. The README object, which also proves the credentials may write.
Result<BucketSetupStep> readme_step(const BucketSetup& setup) {
  const std::string key = join_prefix(setup.prefix, "README.txt");
  // A single PUT's ETag is the MD5 of its body: the same README is not written again.
  const auto current_readme =
      setup.exists ? setup.client.head_object(setup.bucket, key)
                   : Result<s3::ObjectInfo>(make_error(ErrorCategory::kNotFound, "no bucket"));
  const bool readme_set =
      current_readme.ok() && current_readme->etag == to_hex(md5(readme_text(setup.prefix)));
  if (!setup.dry && !readme_set) {
    if (Status ok = write_readme(setup); !ok.ok()) {
      return explain("writing README.txt", ok.error(),
                     "the credentials must allow s3:PutObject on the prefix");
    }
  }
  return BucketSetupStep{.name = "readme",
                         .detail = "s3://" + setup.bucket + "/" + key,
                         .changed = !setup.dry && !readme_set};
}

// 6. Block Public Access: everything blocked, except policies when a public prefix is wanted.
Result<BucketSetupStep> public_access_block_step(const BucketSetup& setup) {
  const bool any_public = !setup.public_prefixes.empty();
  s3::PublicAccessBlock block;  // all four true by default
  if (any_public) {
    block.block_public_policy = false;
    block.restrict_public_buckets = false;
  }
  BucketSetupStep step{.name = "public access block",
                       .detail = !any_public ? "block all public access"
                                             : "block public ACLs; allow the public-read policy",
                       .changed = !setup.dry};
  const auto current_block =
      setup.exists
          ? setup.client.get_public_access_block(setup.bucket)
          : Result<s3::PublicAccessBlock>(make_error(ErrorCategory::kNotFound, "no bucket"));
  if (current_block.ok() && same_block(*current_block, block)) step.changed = false;
  if (setup.dry || !step.changed) return step;
  if (Status ok = setup.client.put_public_access_block(setup.bucket, block); !ok.ok()) {
    return explain("setting Block Public Access", ok.error(), "");
  }
  // Ceph RGW before 17 refuses even the owner's uploads once a public access block exists
  // (ceph/ceph#30033). An archive nobody can write to is worse than no block: detect it and
  // take the block off again, saying so.
  Status probe = write_readme(setup);
  if (probe.ok()) return step;
  if (!is_credentials_error(probe.error())) {
    return explain("checking uploads after Block Public Access", probe.error(), "");
  }
  if (Status removed = setup.client.delete_public_access_block(setup.bucket); !removed.ok()) {
    return explain("removing the public access block this server cannot live with", removed.error(),
                   "");
  }
  step.changed = false;
  step.warning =
      "this server refuses uploads while a public access block is set (a Ceph RGW bug), so "
      "none is set; the bucket stays private through its policy and owner-only ACLs";
  return step;
}

// 7. The public-read policy on exactly the public prefixes.
Result<BucketSetupStep> policy_step(const BucketSetup& setup) {
  std::string existing;
  if (setup.exists) {
    auto current = setup.client.get_bucket_policy(setup.bucket);
    if (current.ok()) existing = *current;
  }
  const std::string policy =
      merge_public_read_policy(existing, setup.bucket, setup.public_prefixes);
  const bool policy_set = !existing.empty() && nlohmann::json::parse(existing, nullptr, false) ==
                                                   nlohmann::json::parse(policy, nullptr, false);
  if (!setup.dry && !policy_set) {
    if (Status ok = setup.client.put_bucket_policy(setup.bucket, policy); !ok.ok()) {
      return explain("setting the public-read policy", ok.error(),
                     is_credentials_error(ok.error())
                         ? "Block Public Access (on the account or bucket) forbids public "
                           "policies: allow public policies for this bucket, or publish a "
                           "private gallery with presigned URLs instead"
                         : "");
    }
  }
  std::string public_list;
  for (const auto& key_prefix : setup.public_prefixes) {
    public_list += (public_list.empty() ? "" : ", ") + key_prefix + "*";
  }
  return BucketSetupStep{.name = "policy",
                         .detail = "anonymous s3:GetObject on " + public_list,
                         .changed = !setup.dry && !policy_set};
}

}  // namespace

Result<std::vector<BucketSetupStep>> set_up_bucket(s3::S3Client& client,
                                                   const BucketSetupOptions& options) {
  auto prefix = media::normalize_prefix(options.destination.key);
  if (!prefix.ok()) return prefix.take_error();
  auto public_prefixes = public_key_prefixes(options, *prefix);
  if (!public_prefixes.ok()) return public_prefixes.take_error();
  BucketSetup setup{.client = client,
                    .options = options,
                    .bucket = options.destination.bucket,
                    .prefix = *prefix,
                    .public_prefixes = std::move(*public_prefixes),
                    .dry = options.dry_run};
  std::vector<BucketSetupStep> steps;
  auto bucket = bucket_step(setup);
  if (!bucket.ok()) return bucket.take_error();
  steps.push_back(std::move(*bucket));
  auto versioning = versioning_step(setup);
  if (!versioning.ok()) return versioning.take_error();
  if (*versioning) steps.push_back(std::move(**versioning));
  using Step = Result<BucketSetupStep> (*)(const BucketSetup&);
  for (Step next :
       {Step{lifecycle_step}, Step{cors_step}, Step{readme_step}, Step{public_access_block_step}}) {
    auto step = next(setup);
    if (!step.ok()) return step.take_error();
    steps.push_back(std::move(*step));
  }
  if (!setup.public_prefixes.empty()) {
    auto policy = policy_step(setup);
    if (!policy.ok()) return policy.take_error();
    steps.push_back(std::move(*policy));
  }
  return steps;
}

}  // namespace imgsync::app
