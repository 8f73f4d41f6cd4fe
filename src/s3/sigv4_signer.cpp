#include "s3/sigv4_signer.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "util/hashing.h"
#include "util/time_format.h"
#include "util/uri_encoding.h"

namespace imgsync::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kChunkAlgorithm = "AWS4-HMAC-SHA256-PAYLOAD";
constexpr std::string_view kScopeTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

std::string to_lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return lower;
}

bool is_named(const HttpHeader& header, std::string_view lowercase_name) {
  return to_lower(header.name) == lowercase_name;
}

std::optional<std::string> find_header(const std::vector<HttpHeader>& headers,
                                       std::string_view lowercase_name) {
  for (const auto& header : headers) {
    if (is_named(header, lowercase_name)) return header.value;
  }
  return std::nullopt;
}

bool is_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Trims and turns every run of whitespace into one space. Collapsing line breaks too is what
// folds an obsolete multi-line value ("value1\n  value2") into "value1 value2".
std::string canonical_header_value(std::string_view value) {
  std::string canonical;
  canonical.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (is_whitespace(c)) {
      pending_space = !canonical.empty();
      continue;
    }
    if (pending_space) canonical += ' ';
    pending_space = false;
    canonical += c;
  }
  return canonical;
}

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per header, sorted by name
  std::string signed_headers;  // "name1;name2"
};

// Repeated headers become one line with their values joined by ',' in the order they came.
CanonicalHeaders canonicalize_headers(const std::vector<HttpHeader>& headers) {
  std::vector<HttpHeader> lowered;
  lowered.reserve(headers.size());
  for (const auto& header : headers) {
    lowered.push_back({to_lower(header.name), canonical_header_value(header.value)});
  }
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const HttpHeader& a, const HttpHeader& b) { return a.name < b.name; });
  CanonicalHeaders canonical;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    if (i > 0 && lowered[i].name == lowered[i - 1].name) {
      canonical.block.back() = ',';  // replaces the previous line's '\n'
    } else {
      if (!canonical.signed_headers.empty()) canonical.signed_headers += ';';
      canonical.signed_headers += lowered[i].name;
      canonical.block += lowered[i].name + ':';
    }
    canonical.block += lowered[i].value + '\n';
  }
  return canonical;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(uri_encode(name), uri_encode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string canonical;
  for (const auto& [name, value] : encoded) {
    if (!canonical.empty()) canonical += '&';
    canonical += name + '=' + value;
  }
  return canonical;
}

// RFC 3986 dot-segment removal plus collapsing of empty segments, keeping a trailing '/'.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string normalized;
  for (const auto segment : segments) {
    normalized += '/';
    normalized += segment;
  }
  if (normalized.empty()) return "/";
  if (path.ends_with('/')) normalized += '/';
  return normalized;
}

// The path is encoded once, the S3 way; generic services would double-encode a path that
// already holds escapes, but SigningInput paths are decoded so a single pass is the whole rule.
std::string canonical_uri(std::string_view path, bool normalize) {
  std::string absolute = path.starts_with('/') ? std::string(path) : "/" + std::string(path);
  if (normalize) absolute = normalize_path(absolute);
  return uri_encode(absolute, /*encode_slash=*/false);
}

// Host first, then the caller's headers; Host and Authorization entries there are not signed
// again (input.host is the Host header, and Authorization is what is being computed).
std::vector<HttpHeader> headers_to_sign(const SigningInput& input) {
  std::vector<HttpHeader> headers;
  headers.reserve(input.headers.size() + 4);
  headers.push_back({"host", input.host});
  for (const auto& header : input.headers) {
    if (!is_named(header, "host") && !is_named(header, "authorization")) headers.push_back(header);
  }
  return headers;
}

std::string build_canonical_request(std::string_view method, std::string_view uri,
                                    std::string_view query, const CanonicalHeaders& headers,
                                    std::string_view payload_hash) {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", method, uri, query, headers.block,
                     headers.signed_headers, payload_hash);
}

std::string_view as_key(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// The key is scoped to one day, region and service, so a leaked key cannot sign beyond them.
Sha256Digest derive_signing_key(const std::string& secret_access_key, std::string_view date_stamp,
                                std::string_view region, std::string_view service) {
  const Sha256Digest date_key = hmac_sha256("AWS4" + secret_access_key, date_stamp);
  const Sha256Digest region_key = hmac_sha256(as_key(date_key), region);
  const Sha256Digest service_key = hmac_sha256(as_key(region_key), service);
  return hmac_sha256(as_key(service_key), kScopeTerminator);
}

}  // namespace

SigV4Signer::SigV4Signer(Credentials credentials, Options options)
    : credentials_(std::move(credentials)), options_(std::move(options)) {}

std::string SigV4Signer::credential_scope(std::string_view date_stamp) const {
  return fmt::format("{}/{}/{}/{}", date_stamp, options_.region, options_.service,
                     kScopeTerminator);
}

std::string SigV4Signer::signature_of(std::string_view string_to_sign,
                                      std::string_view date_stamp) const {
  const Sha256Digest signing_key = derive_signing_key(credentials_.secret_access_key, date_stamp,
                                                      options_.region, options_.service);
  return to_hex(hmac_sha256(as_key(signing_key), string_to_sign));
}

std::string SigV4Signer::signing_key_hex(std::chrono::system_clock::time_point when) const {
  return to_hex(derive_signing_key(credentials_.secret_access_key, format_date_stamp(when),
                                   options_.region, options_.service));
}

SignedRequest SigV4Signer::sign(const SigningInput& input,
                                std::chrono::system_clock::time_point when) const {
  SignedRequest result;
  std::vector<HttpHeader> headers = headers_to_sign(input);
  // Headers this signer adds are signed (except an unsigned session token) and handed back.
  const auto add_header = [&](std::string name, std::string value, bool signed_header) {
    if (signed_header) headers.push_back({name, value});
    result.headers_to_add.push_back({std::move(name), std::move(value)});
  };

  std::string amz_date;
  if (auto given = find_header(input.headers, "x-amz-date")) {
    amz_date = canonical_header_value(*given);
  } else {
    amz_date = format_amz_date(when);
    add_header("X-Amz-Date", amz_date, true);
  }

  std::string payload_hash = input.payload_sha256_hex;
  const auto given_content_hash = find_header(input.headers, "x-amz-content-sha256");
  if (payload_hash.empty()) {
    payload_hash =
        given_content_hash ? canonical_header_value(*given_content_hash) : sha256_hex("");
  }
  if (options_.service == "s3" && !given_content_hash) {
    add_header("X-Amz-Content-SHA256", payload_hash, true);
  }

  if (!credentials_.session_token.empty() && !find_header(input.headers, "x-amz-security-token")) {
    add_header("X-Amz-Security-Token", credentials_.session_token, options_.sign_session_token);
  }

  const CanonicalHeaders canonical_headers = canonicalize_headers(headers);
  result.canonical_request =
      build_canonical_request(input.method, canonical_uri(input.path, options_.normalize_path),
                              canonical_query(input.query), canonical_headers, payload_hash);

  const std::string date_stamp = amz_date.substr(0, 8);
  const std::string scope = credential_scope(date_stamp);
  result.string_to_sign = fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope,
                                      sha256_hex(result.canonical_request));
  result.signature = signature_of(result.string_to_sign, date_stamp);
  result.headers_to_add.push_back(
      {"Authorization", fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}",
                                    kAlgorithm, credentials_.access_key_id, scope,
                                    canonical_headers.signed_headers, result.signature)});
  return result;
}

Result<PresignedRequest> SigV4Signer::presign_request(const SigningInput& input,
                                                      std::chrono::seconds expires,
                                                      std::chrono::system_clock::time_point when,
                                                      std::string_view scheme) const {
  if (expires < kMinPresignExpiry || expires > kMaxPresignExpiry) {
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("a presigned URL must expire between {} s and {} s (7 days) "
                    "after signing; {} s was asked",
                    kMinPresignExpiry.count(), kMaxPresignExpiry.count(), expires.count()));
  }
  if (scheme != "https" && scheme != "http") {
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("a presigned URL's scheme must be https or http, not '{}'", scheme));
  }
  if (credentials_.empty()) {
    return make_error(ErrorCategory::kAuth,
                      "cannot presign a URL without credentials: set an access key id and a "
                      "secret access key");
  }

  const std::string amz_date = format_amz_date(when);
  const std::string date_stamp = amz_date.substr(0, 8);
  const std::string scope = credential_scope(date_stamp);
  const CanonicalHeaders canonical_headers = canonicalize_headers(headers_to_sign(input));

  auto query = input.query;
  query.emplace_back("X-Amz-Algorithm", kAlgorithm);
  query.emplace_back("X-Amz-Credential", credentials_.access_key_id + "/" + scope);
  query.emplace_back("X-Amz-Date", amz_date);
  query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  query.emplace_back("X-Amz-SignedHeaders", canonical_headers.signed_headers);
  if (!credentials_.session_token.empty()) {
    query.emplace_back("X-Amz-Security-Token", credentials_.session_token);
  }
  const std::string query_string = canonical_query(query);
  const std::string uri = canonical_uri(input.path, options_.normalize_path);

  PresignedRequest presigned;
  presigned.canonical_request =
      build_canonical_request(input.method, uri, query_string, canonical_headers, kUnsignedPayload);
  presigned.string_to_sign = fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope,
                                         sha256_hex(presigned.canonical_request));
  presigned.signature = signature_of(presigned.string_to_sign, date_stamp);
  presigned.url = fmt::format("{}://{}{}?{}&X-Amz-Signature={}", scheme, input.host, uri,
                              query_string, presigned.signature);
  return presigned;
}

Result<std::string> SigV4Signer::presign(const SigningInput& input, std::chrono::seconds expires,
                                         std::chrono::system_clock::time_point when,
                                         std::string_view scheme) const {
  auto presigned = presign_request(input, expires, when, scheme);
  if (!presigned.ok()) return presigned.take_error();
  return std::move(presigned->url);
}

std::string SigV4Signer::chunk_string_to_sign(std::string_view previous_signature,
                                              std::string_view chunk,
                                              std::chrono::system_clock::time_point when) const {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", kChunkAlgorithm, format_amz_date(when),
                     credential_scope(format_date_stamp(when)), previous_signature, sha256_hex(""),
                     sha256_hex(chunk));
}

std::string SigV4Signer::chunk_signature(std::string_view previous_signature,
                                         std::string_view chunk,
                                         std::chrono::system_clock::time_point when) const {
  return signature_of(chunk_string_to_sign(previous_signature, chunk, when),
                      format_date_stamp(when));
}

}  // namespace imgsync::s3
