#include "s3/s3_xml.h"

#include <charconv>

#include <fmt/format.h>

#include <pugixml.hpp>
#include <sstream>

#include "util/uri_encoding.h"

namespace imgsync::s3::xml {
namespace {

Result<pugi::xml_node> load_root(pugi::xml_document& document, const std::string& body,
                                 const char* root) {
  if (!document.load_buffer(body.data(), body.size())) {
    return make_error(ErrorCategory::kRetryable,
                      fmt::format("the server's {} response is not valid XML", root));
  }
  pugi::xml_node node = document.child(root);
  if (!node) {
    return make_error(ErrorCategory::kFatal,
                      fmt::format("expected a <{}> document from the server, got <{}>", root,
                                  document.first_child().name()));
  }
  return node;
}

// 0 for anything but a decimal count (from_chars: no exceptions, no locale, no sign).
std::uint64_t to_u64(const char* text) {
  const std::string_view digits(text);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return error == std::errc() && end == digits.data() + digits.size() ? value : 0;
}

bool to_bool(const char* text) {
  return std::string_view(text) == "true";
}

// Keys are requested with encoding-type=url so that any byte survives XML.
std::string decode_key(const char* text) {
  return uri_decode(text, true);
}

std::string to_string(const pugi::xml_document& document) {
  std::ostringstream out;
  document.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

pugi::xml_node add_root(pugi::xml_document& document, const char* name) {
  pugi::xml_node root = document.append_child(name);
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  return root;
}

void add_text(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text().set(value.c_str());
}

}  // namespace

std::string strip_quotes(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

Result<ListObjectsPage> parse_list_objects_v2(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "ListBucketResult");
  if (!root.ok()) return root.take_error();
  const bool url_encoded = std::string_view(root->child_value("EncodingType")) == "url";
  auto key_of = [url_encoded](const char* text) {
    return url_encoded ? decode_key(text) : std::string(text);
  };
  ListObjectsPage page;
  for (pugi::xml_node item : root->children("Contents")) {
    ObjectSummary summary;
    summary.key = key_of(item.child_value("Key"));
    summary.size = to_u64(item.child_value("Size"));
    summary.etag = strip_quotes(item.child_value("ETag"));
    summary.last_modified = item.child_value("LastModified");
    summary.storage_class = item.child_value("StorageClass");
    page.objects.push_back(std::move(summary));
  }
  for (pugi::xml_node prefix : root->children("CommonPrefixes")) {
    page.common_prefixes.push_back(key_of(prefix.child_value("Prefix")));
  }
  page.truncated = to_bool(root->child_value("IsTruncated"));
  page.next_continuation_token = root->child_value("NextContinuationToken");
  return page;
}

Result<DeleteObjectsResult> parse_delete_result(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "DeleteResult");
  if (!root.ok()) return root.take_error();
  DeleteObjectsResult result;
  for (pugi::xml_node deleted : root->children("Deleted")) {
    result.deleted.emplace_back(deleted.child_value("Key"));
  }
  for (pugi::xml_node error : root->children("Error")) {
    result.failed.emplace_back(
        error.child_value("Key"),
        fmt::format("{}: {}", error.child_value("Code"), error.child_value("Message")));
  }
  return result;
}

Result<std::string> parse_initiate_multipart(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "InitiateMultipartUploadResult");
  if (!root.ok()) return root.take_error();
  std::string upload_id = root->child_value("UploadId");
  if (upload_id.empty()) {
    return make_error(ErrorCategory::kFatal, "the server started a multipart upload without an id");
  }
  return upload_id;
}

Result<ListPartsPage> parse_list_parts(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "ListPartsResult");
  if (!root.ok()) return root.take_error();
  ListPartsPage page;
  for (pugi::xml_node part : root->children("Part")) {
    page.parts.push_back({static_cast<int>(to_u64(part.child_value("PartNumber"))),
                          strip_quotes(part.child_value("ETag")),
                          to_u64(part.child_value("Size"))});
  }
  page.truncated = to_bool(root->child_value("IsTruncated"));
  page.next_marker = root->child_value("NextPartNumberMarker");
  return page;
}

Result<ListMultipartUploadsPage> parse_list_multipart_uploads(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "ListMultipartUploadsResult");
  if (!root.ok()) return root.take_error();
  ListMultipartUploadsPage page;
  for (pugi::xml_node upload : root->children("Upload")) {
    page.uploads.push_back({upload.child_value("Key"), upload.child_value("UploadId"),
                            upload.child_value("Initiated")});
  }
  page.truncated = to_bool(root->child_value("IsTruncated"));
  page.next_key_marker = root->child_value("NextKeyMarker");
  page.next_upload_id_marker = root->child_value("NextUploadIdMarker");
  return page;
}

Result<std::string> parse_etag_result(const std::string& body, const char* root_name) {
  pugi::xml_document document;
  auto root = load_root(document, body, root_name);
  if (!root.ok()) return root.take_error();
  return strip_quotes(root->child_value("ETag"));
}

Result<PublicAccessBlock> parse_public_access_block(const std::string& body) {
  pugi::xml_document document;
  // Ceph RGW names the root BlockPublicAccessBlockConfiguration.
  const bool ceph = document.load_buffer(body.data(), body.size()) &&
                    document.child("BlockPublicAccessBlockConfiguration");
  auto root =
      load_root(document, body,
                ceph ? "BlockPublicAccessBlockConfiguration" : "PublicAccessBlockConfiguration");
  if (!root.ok()) return root.take_error();
  PublicAccessBlock block;
  block.block_public_acls = to_bool(root->child_value("BlockPublicAcls"));
  block.ignore_public_acls = to_bool(root->child_value("IgnorePublicAcls"));
  block.block_public_policy = to_bool(root->child_value("BlockPublicPolicy"));
  block.restrict_public_buckets = to_bool(root->child_value("RestrictPublicBuckets"));
  return block;
}

Result<std::vector<LifecycleRule>> parse_lifecycle(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "LifecycleConfiguration");
  if (!root.ok()) return root.take_error();
  std::vector<LifecycleRule> rules;
  for (pugi::xml_node node : root->children("Rule")) {
    LifecycleRule rule;
    rule.id = node.child_value("ID");
    rule.prefix = node.child("Filter") ? node.child("Filter").child_value("Prefix")
                                       : node.child_value("Prefix");
    rule.enabled = std::string_view(node.child_value("Status")) == "Enabled";
    if (auto abort = node.child("AbortIncompleteMultipartUpload")) {
      rule.abort_incomplete_multipart_days =
          static_cast<int>(to_u64(abort.child_value("DaysAfterInitiation")));
    }
    if (auto expiration = node.child("Expiration"); expiration && expiration.child("Days")) {
      rule.expiration_days = static_cast<int>(to_u64(expiration.child_value("Days")));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<std::vector<CorsRule>> parse_cors(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "CORSConfiguration");
  if (!root.ok()) return root.take_error();
  std::vector<CorsRule> rules;
  for (pugi::xml_node node : root->children("CORSRule")) {
    CorsRule rule;
    for (auto child : node.children("AllowedOrigin"))
      rule.allowed_origins.emplace_back(child.text().get());
    for (auto child : node.children("AllowedMethod"))
      rule.allowed_methods.emplace_back(child.text().get());
    for (auto child : node.children("AllowedHeader"))
      rule.allowed_headers.emplace_back(child.text().get());
    for (auto child : node.children("ExposeHeader"))
      rule.expose_headers.emplace_back(child.text().get());
    if (node.child("MaxAgeSeconds")) {
      rule.max_age_seconds = static_cast<int>(to_u64(node.child_value("MaxAgeSeconds")));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<std::string> parse_versioning_status(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "VersioningConfiguration");
  if (!root.ok()) return root.take_error();
  return std::string(root->child_value("Status"));
}

Result<std::map<std::string, std::string>> parse_tagging(const std::string& body) {
  pugi::xml_document document;
  auto root = load_root(document, body, "Tagging");
  if (!root.ok()) return root.take_error();
  std::map<std::string, std::string> tags;
  for (pugi::xml_node tag : root->child("TagSet").children("Tag")) {
    tags[tag.child_value("Key")] = tag.child_value("Value");
  }
  return tags;
}

std::string delete_objects_body(const std::vector<std::string>& keys) {
  pugi::xml_document document;
  pugi::xml_node root = add_root(document, "Delete");
  add_text(root, "Quiet", "false");
  for (const auto& key : keys) add_text(root.append_child("Object"), "Key", key);
  return to_string(document);
}

std::string complete_multipart_body(const std::vector<CompletedPart>& parts) {
  pugi::xml_document document;
  pugi::xml_node root = add_root(document, "CompleteMultipartUpload");
  for (const auto& part : parts) {
    pugi::xml_node node = root.append_child("Part");
    add_text(node, "PartNumber", std::to_string(part.part_number));
    add_text(node, "ETag", "\"" + part.etag + "\"");
  }
  return to_string(document);
}

std::string create_bucket_body(const std::string& region) {
  if (region.empty() || region == "us-east-1") return {};
  pugi::xml_document document;
  add_text(add_root(document, "CreateBucketConfiguration"), "LocationConstraint", region);
  return to_string(document);
}

std::string public_access_block_body(const PublicAccessBlock& block) {
  pugi::xml_document document;
  pugi::xml_node root = add_root(document, "PublicAccessBlockConfiguration");
  add_text(root, "BlockPublicAcls", block.block_public_acls ? "true" : "false");
  add_text(root, "IgnorePublicAcls", block.ignore_public_acls ? "true" : "false");
  add_text(root, "BlockPublicPolicy", block.block_public_policy ? "true" : "false");
  add_text(root, "RestrictPublicBuckets", block.restrict_public_buckets ? "true" : "false");
  return to_string(document);
}

std::string lifecycle_body(const std::vector<LifecycleRule>& rules) {
  pugi::xml_document document;
  pugi::xml_node root = add_root(document, "LifecycleConfiguration");
  for (const auto& rule : rules) {
    pugi::xml_node node = root.append_child("Rule");
    add_text(node, "ID", rule.id);
    add_text(node.append_child("Filter"), "Prefix", rule.prefix);
    add_text(node, "Status", rule.enabled ? "Enabled" : "Disabled");
    if (rule.expiration_days) {
      add_text(node.append_child("Expiration"), "Days", std::to_string(*rule.expiration_days));
    }
    if (rule.abort_incomplete_multipart_days) {
      add_text(node.append_child("AbortIncompleteMultipartUpload"), "DaysAfterInitiation",
               std::to_string(*rule.abort_incomplete_multipart_days));
    }
  }
  return to_string(document);
}

std::string cors_body(const std::vector<CorsRule>& rules) {
  pugi::xml_document document;
  pugi::xml_node root = add_root(document, "CORSConfiguration");
  for (const auto& rule : rules) {
    pugi::xml_node node = root.append_child("CORSRule");
    for (const auto& value : rule.allowed_origins) add_text(node, "AllowedOrigin", value);
    for (const auto& value : rule.allowed_methods) add_text(node, "AllowedMethod", value);
    for (const auto& value : rule.allowed_headers) add_text(node, "AllowedHeader", value);
    for (const auto& value : rule.expose_headers) add_text(node, "ExposeHeader", value);
    if (rule.max_age_seconds)
      add_text(node, "MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
  }
  return to_string(document);
}

std::string versioning_body(bool enabled) {
  pugi::xml_document document;
  add_text(add_root(document, "VersioningConfiguration"), "Status",
           enabled ? "Enabled" : "Suspended");
  return to_string(document);
}

}  // namespace imgsync::s3::xml
