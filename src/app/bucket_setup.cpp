#include "app/bucket_setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "media/object_keys.h"
#include "util/hashing.h"

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
      if (statement.value("Sid", "") != kPolicySid) statements.push_back(statement);
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

Result<std::vector<BucketSetupStep>> set_up_bucket(s3::S3Client& client,
                                                   const BucketSetupOptions& options) {
  std::vector<BucketSetupStep> steps;
  const std::string bucket = options.destination.bucket;
  auto prefix = media::normalize_prefix(options.destination.key);
  if (!prefix.ok()) return prefix.take_error();
  std::vector<std::string> public_key_prefixes;
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
    public_key_prefixes.push_back(join_prefix(*prefix, public_prefix));
  }
  const bool any_public = !public_key_prefixes.empty();
  std::string public_list;
  for (const auto& key_prefix : public_key_prefixes) {
    public_list += (public_list.empty() ? "" : ", ") + key_prefix + "*";
  }
  const bool dry = options.dry_run;

  // 1. The bucket.
  Status exists = client.head_bucket(bucket);
  if (!exists.ok() && exists.error().category != ErrorCategory::kNotFound) {
    return explain("checking the bucket", exists.error(),
                   "check the credentials and that the bucket name is yours");
  }
  if (exists.ok()) {
    steps.push_back({"bucket", fmt::format("s3://{} exists", bucket), false, ""});
  } else {
    if (!dry) {
      if (Status made = client.create_bucket(bucket); !made.ok()) {
        return explain("creating the bucket", made.error(),
                       made.error().s3_code == "BucketAlreadyExists"
                           ? "bucket names are global: choose another name"
                           : "");
      }
    }
    steps.push_back({"bucket",
                     fmt::format("create s3://{} in {}", bucket, client.settings().region), !dry,
                     ""});
  }

  // 2. Versioning (optional: never turned off here, since that is a data decision).
  const bool versioning_on = options.versioning && exists.ok() && [&] {
    auto state = client.get_bucket_versioning(bucket);
    return state.ok() && *state == "Enabled";
  }();
  if (versioning_on) {
    steps.push_back({"versioning", "enabled", false, ""});
  } else if (options.versioning) {
    if (!dry) {
      if (Status ok = client.put_bucket_versioning(bucket, true); !ok.ok()) {
        return explain("enabling versioning", ok.error(), "");
      }
    }
    steps.push_back({"versioning", "enabled", !dry, ""});
  }

  // 3. Lifecycle: abort incomplete multipart uploads, keeping every other rule.
  std::vector<s3::LifecycleRule> rules;
  std::optional<s3::LifecycleRule> current_abort_rule;
  if (exists.ok()) {
    auto current = client.get_bucket_lifecycle(bucket);
    if (current.ok()) {
      for (auto& rule : *current) {
        if (rule.id != kLifecycleId) rules.push_back(rule);
        if (rule.id == kLifecycleId) current_abort_rule = rule;
      }
    } else if (current.error().category != ErrorCategory::kNotFound) {
      return explain("reading the lifecycle rules", current.error(), "");
    }
  }
  s3::LifecycleRule abort_rule;
  abort_rule.id = kLifecycleId;
  abort_rule.prefix = prefix->empty() ? "" : *prefix + "/";
  abort_rule.abort_incomplete_multipart_days = options.abort_incomplete_days;
  rules.push_back(abort_rule);
  const bool lifecycle_set = same_abort_rule(current_abort_rule, abort_rule);
  if (!dry && !lifecycle_set) {
    if (Status ok = client.put_bucket_lifecycle(bucket, rules); !ok.ok()) {
      return explain("setting the lifecycle rule", ok.error(), "");
    }
  }
  steps.push_back({"lifecycle",
                   fmt::format("abort incomplete multipart uploads under \"{}\" after {} days",
                               abort_rule.prefix, options.abort_incomplete_days),
                   !dry && !lifecycle_set, ""});

  // 4. CORS for the gallery: GET and HEAD from the given origins.
  s3::CorsRule cors;
  cors.allowed_origins = options.cors_origins;
  cors.allowed_methods = {"GET", "HEAD"};
  cors.allowed_headers = {"*"};
  cors.expose_headers = {"ETag"};
  cors.max_age_seconds = 3600;
  const bool cors_set = exists.ok() && [&] {
    auto current = client.get_bucket_cors(bucket);
    return current.ok() && same_cors(*current, cors);
  }();
  if (!dry && !cors_set) {
    if (Status ok = client.put_bucket_cors(bucket, {cors}); !ok.ok()) {
      return explain("setting CORS", ok.error(), "");
    }
  }
  steps.push_back({"cors",
                   "GET, HEAD from " + fmt::format("{}", fmt::join(cors.allowed_origins, ", ")),
                   !dry && !cors_set, ""});

  // 5. The README object, which also proves the credentials may write.
  auto write_readme = [&]() -> Status {
    s3::PutObjectRequest readme;
    readme.bucket = bucket;
    readme.key = join_prefix(*prefix, "README.txt");
    readme.body = s3::Body::from_string(readme_text(*prefix));
    readme.attributes.content_type = "text/plain; charset=utf-8";
    auto put = client.put_object(std::move(readme));
    return put.ok() ? Status{} : Status(put.take_error());
  };
  // A single PUT's ETag is the MD5 of its body: the same README is not written again.
  const auto current_readme =
      exists.ok() ? client.head_object(bucket, join_prefix(*prefix, "README.txt"))
                  : Result<s3::ObjectInfo>(make_error(ErrorCategory::kNotFound, "no bucket"));
  const bool readme_set =
      current_readme.ok() && current_readme->etag == to_hex(md5(readme_text(*prefix)));
  if (!dry && !readme_set) {
    if (Status ok = write_readme(); !ok.ok()) {
      return explain("writing README.txt", ok.error(),
                     "the credentials must allow s3:PutObject on the prefix");
    }
  }
  steps.push_back({"readme", "s3://" + bucket + "/" + join_prefix(*prefix, "README.txt"),
                   !dry && !readme_set, ""});

  // 6. Block Public Access: everything blocked, except policies when a public prefix is wanted.
  s3::PublicAccessBlock block;  // all four true by default
  if (any_public) {
    block.block_public_policy = false;
    block.restrict_public_buckets = false;
  }
  BucketSetupStep block_step{
      "public access block",
      !any_public ? "block all public access" : "block public ACLs; allow the public-read policy",
      !dry, ""};
  const auto current_block =
      exists.ok()
          ? client.get_public_access_block(bucket)
          : Result<s3::PublicAccessBlock>(make_error(ErrorCategory::kNotFound, "no bucket"));
  if (current_block.ok() && same_block(*current_block, block)) block_step.changed = false;
  if (!dry && block_step.changed) {
    if (Status ok = client.put_public_access_block(bucket, block); !ok.ok()) {
      return explain("setting Block Public Access", ok.error(), "");
    }
    // Ceph RGW before 17 refuses even the owner's uploads once a public access block exists
    // (ceph/ceph#30033). An archive nobody can write to is worse than no block: detect it and
    // take the block off again, saying so.
    if (Status probe = write_readme(); !probe.ok()) {
      if (probe.error().category == ErrorCategory::kAuth) {
        if (Status removed = client.delete_public_access_block(bucket); !removed.ok()) {
          return explain("removing the public access block this server cannot live with",
                         removed.error(), "");
        }
        block_step.changed = false;
        block_step.warning =
            "this server refuses uploads while a public access block is set (a Ceph RGW bug), so "
            "none is set; the bucket stays private through its policy and owner-only ACLs";
      } else {
        return explain("checking uploads after Block Public Access", probe.error(), "");
      }
    }
  }
  steps.push_back(block_step);

  // 7. The public-read policy on exactly the public prefix.
  if (any_public) {
    std::string existing;
    if (exists.ok()) {
      auto current = client.get_bucket_policy(bucket);
      if (current.ok()) existing = *current;
    }
    const std::string policy = merge_public_read_policy(existing, bucket, public_key_prefixes);
    const bool policy_set = !existing.empty() && nlohmann::json::parse(existing, nullptr, false) ==
                                                     nlohmann::json::parse(policy, nullptr, false);
    if (!dry && !policy_set) {
      if (Status ok = client.put_bucket_policy(bucket, policy); !ok.ok()) {
        return explain("setting the public-read policy", ok.error(),
                       ok.error().category == ErrorCategory::kAuth
                           ? "Block Public Access (on the account or bucket) forbids public "
                             "policies: allow public policies for this bucket, or publish a "
                             "private gallery with presigned URLs instead"
                           : "");
      }
    }
    steps.push_back(
        {"policy", "anonymous s3:GetObject on " + public_list, !dry && !policy_set, ""});
  }
  return steps;
}

}  // namespace imgsync::app
