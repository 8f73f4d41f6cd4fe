// SigV4Signer against published vectors: the AWS SigV4 test suite (botocore's copy) and the
// worked examples of the S3 API Reference, compared byte for byte; then the S3-specific rules.
#include "s3/sigv4_signer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/test_paths.h"
#include "util/hashing.h"
#include "util/time_format.h"
#include "util/uri_encoding.h"

namespace imgsync::s3 {
namespace {

namespace fs = std::filesystem;
using imgsync::testing::corpus_dir;
using imgsync::testing::read_file;

SystemTime at(std::string_view amz_date) {
  auto parsed = parse_amz_date(amz_date);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? *parsed : SystemTime{};
}

Credentials make_credentials(std::string access_key_id, std::string secret,
                             std::string session_token = "") {
  Credentials credentials;
  credentials.access_key_id = std::move(access_key_id);
  credentials.secret_access_key = std::move(secret);
  credentials.session_token = std::move(session_token);
  return credentials;
}

std::optional<std::string> header_value(const std::vector<HttpHeader>& headers,
                                        std::string_view lowercase_name) {
  for (const auto& header : headers) {
    std::string name = header.name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == lowercase_name) return header.value;
  }
  return std::nullopt;
}

// "/path?a=1&b" (raw or percent-encoded, as in the vectors) into decoded path and query.
void parse_target(std::string_view target, SigningInput& input) {
  const auto question = target.find('?');
  input.path = uri_decode(target.substr(0, question));
  if (question == std::string_view::npos) return;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const auto ampersand = rest.find('&');
    const std::string_view pair = rest.substr(0, ampersand);
    const auto equals = pair.find('=');
    input.query.emplace_back(
        uri_decode(pair.substr(0, equals)),
        equals == std::string_view::npos ? "" : uri_decode(pair.substr(equals + 1)));
    rest = ampersand == std::string_view::npos ? "" : rest.substr(ampersand + 1);
  }
}

// A suite .req: request line, "Name:value" headers (continuation lines start with spaces and are
// kept with their line break, for the signer to fold), a blank line, the body.
struct RawRequest {
  SigningInput input;
  std::string body;
};

RawRequest parse_raw_request(std::string_view text) {
  RawRequest request;
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  const std::string_view request_line = lines.at(0);
  const auto first_space = request_line.find(' ');
  const auto last_space = request_line.rfind(' ');  // paths may hold spaces ("get-space")
  request.input.method = std::string(request_line.substr(0, first_space));
  parse_target(request_line.substr(first_space + 1, last_space - first_space - 1), request.input);
  std::size_t index = 1;
  for (; index < lines.size() && !lines[index].empty(); ++index) {
    const std::string_view line = lines[index];
    if (line.front() == ' ' || line.front() == '\t') {
      request.input.headers.back().value += "\n" + std::string(line);
      continue;
    }
    const auto colon = line.find(':');
    request.input.headers.push_back(
        {std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  for (++index; index < lines.size(); ++index) {
    if (!request.body.empty()) request.body += '\n';
    request.body += lines[index];
  }
  // The Host header travels as SigningInput::host, as the S3 client passes it.
  auto& headers = request.input.headers;
  for (auto it = headers.begin(); it != headers.end(); ++it) {
    if (it->name == "Host") {
      request.input.host = it->value;
      headers.erase(it);
      break;
    }
  }
  request.input.payload_sha256_hex = sha256_hex(request.body);
  return request;
}

std::string authorization_of(const SignedRequest& signed_request) {
  return header_value(signed_request.headers_to_add, "authorization").value_or("<none>");
}

// ---------------------------------------------------------------- AWS SigV4 test suite

fs::path botocore_suite_dir() {
  return corpus_dir() / "sigv4" / "aws4_testsuite-botocore";
}

// Every directory holding a .req, relative to the suite ("normalize-path/get-slash").
std::vector<std::string> discover_botocore_cases() {
  std::vector<std::string> cases;
  std::error_code error;
  for (fs::recursive_directory_iterator it(botocore_suite_dir(), error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".req") {
      cases.push_back(fs::relative(it->path().parent_path(), botocore_suite_dir()).string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

class SigV4BotocoreSuiteTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4BotocoreSuiteTest, SignsByteExactly) {
  IMGSYNC_REQUIRE_CORPUS();
  const fs::path dir = botocore_suite_dir() / GetParam();
  const std::string stem = (dir / dir.filename()).string();
  const RawRequest request = parse_raw_request(read_file(stem + ".req"));

  // The session token is whatever the signed request (.sreq) carries: the post-sts-* cases use
  // the token of post-sts-token/readme.txt, get-vanilla-with-session-token another one.
  const RawRequest sent = parse_raw_request(read_file(stem + ".sreq"));
  const auto token = header_value(sent.input.headers, "x-amz-security-token");
  SigV4Signer::Options options;
  options.service = "service";
  options.normalize_path = true;
  // readme.txt: in post-sts-header-after the token is added after the signature is computed.
  options.sign_session_token = dir.filename() != "post-sts-header-after";
  const SigV4Signer signer(
      make_credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                       token.value_or("")),
      options);

  const SignedRequest signed_request = signer.sign(request.input, at("20150830T123600Z"));
  EXPECT_EQ(signed_request.canonical_request, read_file(stem + ".creq"));
  EXPECT_EQ(signed_request.string_to_sign, read_file(stem + ".sts"));
  EXPECT_EQ(authorization_of(signed_request), read_file(stem + ".authz"));

  // X-Amz-Date is in every .req: the signer uses it and must not send a second one.
  EXPECT_FALSE(header_value(signed_request.headers_to_add, "x-amz-date"));
  EXPECT_FALSE(header_value(signed_request.headers_to_add, "x-amz-content-sha256"));
  if (token) {
    const bool token_in_request =
        header_value(request.input.headers, "x-amz-security-token").has_value();
    const bool token_added =
        header_value(signed_request.headers_to_add, "x-amz-security-token") == token;
    EXPECT_NE(token_in_request, token_added) << "the token must be sent exactly once";
  }
}

std::string case_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  return name;
}

// Without the corpus there are no cases: SigV4BotocoreSuite.EveryCaseIsFound skips or fails.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SigV4BotocoreSuiteTest);
INSTANTIATE_TEST_SUITE_P(Vectors, SigV4BotocoreSuiteTest,
                         ::testing::ValuesIn(discover_botocore_cases()), case_test_name);

TEST(SigV4BotocoreSuite, EveryCaseIsFound) {
  IMGSYNC_REQUIRE_CORPUS();
  // 26 top-level entries, two of them groups (normalize-path: 8, post-sts-token: 2): 34 cases.
  EXPECT_EQ(discover_botocore_cases().size(), 34u)
      << "corpus missing or changed under " << botocore_suite_dir();
  const std::string readme = read_file(botocore_suite_dir() / "post-sts-token" / "readme.txt");
  const RawRequest before = parse_raw_request(read_file(
      botocore_suite_dir() / "post-sts-token/post-sts-header-before/post-sts-header-before.req"));
  const auto token = header_value(before.input.headers, "x-amz-security-token");
  ASSERT_TRUE(token);
  EXPECT_NE(readme.find(*token), std::string::npos);
}

// ---------------------------------------------------------------- S3 API Reference examples

nlohmann::json load_s3_examples() {
  return nlohmann::json::parse(
      read_file(corpus_dir() / "sigv4" / "s3-doc-examples" / "s3_sigv4_examples.json"));
}

const nlohmann::json& s3_examples() {
  static const nlohmann::json examples = load_s3_examples();
  return examples;
}

const nlohmann::json& s3_example(std::string_view name) {
  for (const auto& example : s3_examples().at("cases")) {
    if (example.at("name") == name) return example;
  }
  throw std::runtime_error("no S3 example named " + std::string(name));
}

SigV4Signer s3_example_signer() {
  const auto& credentials = s3_examples().at("credentials");
  return SigV4Signer(
      make_credentials(credentials.at("access_key_id"), credentials.at("secret_access_key")),
      {s3_examples().at("region"), s3_examples().at("service"), false, true});
}

SystemTime s3_example_time() {
  return at(s3_examples().at("amz_date").get<std::string>());
}

SigningInput s3_example_input(const nlohmann::json& example) {
  const auto& request = example.at("request");
  const std::string url = request.at("url");
  const auto host_start = url.find("://") + 3;
  const auto path_start = url.find('/', host_start);
  SigningInput input;
  input.method = request.at("method");
  input.host = url.substr(host_start, path_start - host_start);
  parse_target(url.substr(path_start), input);
  for (const auto& [name, value] : request.at("headers").items()) {
    if (name == "Host") continue;
    input.headers.push_back({name, value});
  }
  input.payload_sha256_hex = header_value(input.headers, "x-amz-content-sha256").value_or("");
  return input;
}

// The header-signed examples: every case with an Authorization header.
std::vector<std::string> header_signed_s3_examples() {
  std::vector<std::string> names;
  if (!imgsync::testing::corpus_available())
    return names;  // SigV4S3Examples.EveryExampleIsFound says so
  for (const auto& example : s3_examples().at("cases")) {
    if (example.contains("authorization")) names.push_back(example.at("name"));
  }
  return names;
}

class SigV4S3ExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4S3ExampleTest, SignsByteExactly) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto& example = s3_example(GetParam());
  // An hour off on purpose: the request's own x-amz-date header wins over `when`.
  const SignedRequest signed_request = s3_example_signer().sign(
      s3_example_input(example), s3_example_time() + std::chrono::hours(1));
  EXPECT_EQ(signed_request.canonical_request, example.at("canonical_request"));
  EXPECT_EQ(signed_request.string_to_sign, example.at("string_to_sign"));
  EXPECT_EQ(signed_request.signature, example.at("signature"));
  EXPECT_EQ(authorization_of(signed_request), example.at("authorization"));
  EXPECT_EQ(signed_request.headers_to_add.size(), 1u) << "date and content hash were given";
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SigV4S3ExampleTest);
INSTANTIATE_TEST_SUITE_P(Examples, SigV4S3ExampleTest,
                         ::testing::ValuesIn(header_signed_s3_examples()), case_test_name);

TEST(SigV4S3Examples, EveryExampleIsFound) {
  IMGSYNC_REQUIRE_CORPUS();
  EXPECT_EQ(s3_examples().at("cases").size(), 6u);
  EXPECT_EQ(header_signed_s3_examples().size(), 5u);
}

TEST(SigV4S3Examples, SignerAddsDateAndContentHashWhenTheRequestLacksThem) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto& example = s3_example("get-object-range");
  SigningInput input = s3_example_input(example);
  std::erase_if(input.headers, [](const HttpHeader& header) {
    return header.name == "x-amz-date" || header.name == "x-amz-content-sha256";
  });
  const SignedRequest signed_request = s3_example_signer().sign(input, s3_example_time());
  EXPECT_EQ(signed_request.canonical_request, example.at("canonical_request"));
  EXPECT_EQ(authorization_of(signed_request), example.at("authorization"));
  EXPECT_EQ(header_value(signed_request.headers_to_add, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(header_value(signed_request.headers_to_add, "x-amz-content-sha256"),
            s3_examples().at("empty_payload_sha256"));
}

TEST(SigV4S3Examples, PresignedGetUrlIsByteExact) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto& example = s3_example("presigned-get-object");
  auto presigned = s3_example_signer().presign_request(
      s3_example_input(example), std::chrono::seconds(example.at("request").at("expires_seconds")),
      s3_example_time(), "https");
  ASSERT_TRUE(presigned.ok()) << presigned.error().describe();
  EXPECT_EQ(presigned->canonical_request, example.at("canonical_request"));
  EXPECT_EQ(presigned->string_to_sign, example.at("string_to_sign"));
  EXPECT_EQ(presigned->signature, example.at("signature"));
  EXPECT_EQ(presigned->url, example.at("presigned_url"));
  auto url = s3_example_signer().presign(s3_example_input(example), std::chrono::seconds(86400),
                                         s3_example_time(), "https");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, example.at("presigned_url"));
}

TEST(SigV4S3Examples, ChunkSignaturesChainFromTheSeedSignature) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto& example = s3_example("chunked-upload-seed");
  const SigV4Signer signer = s3_example_signer();
  std::string previous = example.at("signature");
  for (const auto& chunk : example.at("chunks")) {
    const std::string data(chunk.at("chunk_size").get<std::size_t>(), 'a');
    EXPECT_EQ(signer.chunk_string_to_sign(previous, data, s3_example_time()),
              chunk.at("string_to_sign"));
    const std::string signature = signer.chunk_signature(previous, data, s3_example_time());
    EXPECT_EQ(signature, chunk.at("chunk_signature"));
    EXPECT_EQ(fmt::format("{:x};chunk-signature={}", data.size(), signature),
              chunk.at("chunk_header"));
    previous = signature;
  }
}

TEST(SigV4S3Examples, SigningKeyAndDatesMatch) {
  IMGSYNC_REQUIRE_CORPUS();
  EXPECT_EQ(s3_example_signer().signing_key_hex(s3_example_time()),
            s3_examples().at("signing_key_hex"));
  EXPECT_EQ(format_http_date(s3_example_time()), s3_examples().at("date_header"));
  auto parsed = parse_http_date(s3_examples().at("date_header").get<std::string>());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, s3_example_time());
}

// ---------------------------------------------------------------- S3 rules and failure modes

constexpr std::string_view kSecret = "s3cr3t/Key+Never=Shown";
constexpr std::string_view kToken = "FQoGZXIvYXdz//token+with=special/chars";

SigningInput s3_get(std::string path) {
  SigningInput input;
  input.method = "GET";
  input.host = "127.0.0.1:9000";
  input.path = std::move(path);
  input.payload_sha256_hex = "UNSIGNED-PAYLOAD";
  return input;
}

std::string canonical_uri_line(const SignedRequest& signed_request) {
  const auto first = signed_request.canonical_request.find('\n') + 1;
  return signed_request.canonical_request.substr(
      first, signed_request.canonical_request.find('\n', first) - first);
}

const SystemTime kWhen =
    std::chrono::sys_days{std::chrono::year{2026} / 5 / 1} + std::chrono::hours{12};

SigV4Signer s3_signer(std::string_view session_token = "", SigV4Signer::Options options = {}) {
  return {make_credentials("AKID", std::string(kSecret), std::string(session_token)), options};
}

TEST(SigV4Signer, S3PathsAreEncodedButNeverNormalized) {
  const SigV4Signer s3 = s3_signer();
  EXPECT_EQ(canonical_uri_line(s3.sign(s3_get("/bucket/a//b/../c/./d"), kWhen)),
            "/bucket/a//b/../c/./d");
  EXPECT_EQ(canonical_uri_line(s3.sign(s3_get("/bucket/my photo+1 é.jpg"), kWhen)),
            "/bucket/my%20photo%2B1%20%C3%A9.jpg");
  const SigV4Signer generic = s3_signer("", {"us-east-1", "service", true, true});
  EXPECT_EQ(canonical_uri_line(generic.sign(s3_get("/bucket/a//b/../c/./d"), kWhen)),
            "/bucket/a/c/d");
}

TEST(SigV4Signer, QueryIsSortedByEncodedNameThenValue) {
  SigningInput input = s3_get("/bucket");
  // Decoded, "a~" sorts before "aé"; encoded, "a%C3%A9" sorts before "a~".
  input.query = {{"a~", "1"}, {"aé", "2"},       {"b", "z"},
                 {"b", "y"},  {"lifecycle", ""}, {"prefix", "x/y z"}};
  const SignedRequest signed_request = s3_signer().sign(input, kWhen);
  EXPECT_NE(signed_request.canonical_request.find(
                "\na%C3%A9=2&a~=1&b=y&b=z&lifecycle=&prefix=x%2Fy%20z\n"),
            std::string::npos)
      << signed_request.canonical_request;
}

TEST(SigV4Signer, AddsDateContentHashAndAuthorizationAndSignsTheirValues) {
  SigningInput input = s3_get("/bucket/key");
  input.headers = {{"Host", "ignored.example"}, {"Content-Type", " image/jpeg "}};
  const SignedRequest signed_request = s3_signer().sign(input, kWhen);
  ASSERT_EQ(signed_request.headers_to_add.size(), 3u);
  EXPECT_EQ(signed_request.headers_to_add[0].name, "X-Amz-Date");
  EXPECT_EQ(signed_request.headers_to_add[0].value, "20260501T120000Z");
  EXPECT_EQ(signed_request.headers_to_add[1].value, "UNSIGNED-PAYLOAD");
  EXPECT_EQ(signed_request.headers_to_add[2].name, "Authorization");
  EXPECT_NE(signed_request.canonical_request.find(
                "content-type:image/jpeg\nhost:127.0.0.1:9000\n"
                "x-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:20260501T120000Z\n\n"
                "content-type;host;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD"),
            std::string::npos)
      << signed_request.canonical_request;
  EXPECT_NE(signed_request.headers_to_add[2].value.find(
                "Credential=AKID/20260501/us-east-1/s3/aws4_request, "),
            std::string::npos);
}

TEST(SigV4Signer, SessionTokenIsSignedInHeadersUnlessAskedToAddItAfter) {
  const SignedRequest signed_request = s3_signer(kToken).sign(s3_get("/bucket/key"), kWhen);
  EXPECT_EQ(header_value(signed_request.headers_to_add, "x-amz-security-token"), kToken);
  EXPECT_NE(signed_request.canonical_request.find("x-amz-security-token:" + std::string(kToken)),
            std::string::npos);
  EXPECT_NE(authorization_of(signed_request).find(";x-amz-security-token,"), std::string::npos);

  const SignedRequest unsigned_token =
      s3_signer(kToken, {"us-east-1", "s3", false, false}).sign(s3_get("/bucket/key"), kWhen);
  EXPECT_EQ(header_value(unsigned_token.headers_to_add, "x-amz-security-token"), kToken);
  EXPECT_EQ(unsigned_token.canonical_request.find("x-amz-security-token"), std::string::npos);
}

TEST(SigV4Signer, SessionTokenIsSignedInPresignedUrl) {
  const SigV4Signer signer = s3_signer(kToken);
  auto presigned =
      signer.presign_request(s3_get("/bucket/key"), std::chrono::seconds(300), kWhen, "http");
  ASSERT_TRUE(presigned.ok());
  const std::string encoded_token = "X-Amz-Security-Token=" + uri_encode(kToken);
  EXPECT_NE(presigned->url.find(encoded_token), std::string::npos) << presigned->url;
  EXPECT_NE(presigned->canonical_request.find(encoded_token), std::string::npos);
  EXPECT_TRUE(presigned->url.starts_with("http://127.0.0.1:9000/bucket/key?"));
  EXPECT_TRUE(presigned->url.ends_with("&X-Amz-Signature=" + presigned->signature));
}

TEST(SigV4Signer, PresignAcceptsOneSecondToSevenDaysOnly) {
  const SigV4Signer signer = s3_signer(kToken);
  for (const auto seconds : {0, -5, 604801}) {
    auto url = signer.presign(s3_get("/b/k"), std::chrono::seconds(seconds), kWhen, "https");
    ASSERT_FALSE(url.ok()) << seconds;
    EXPECT_EQ(url.error().category, ErrorCategory::kInvalidInput);
    EXPECT_NE(url.error().message.find("604800"), std::string::npos) << url.error().message;
  }
  for (const auto seconds : {1, 604800}) {
    EXPECT_TRUE(signer.presign(s3_get("/b/k"), std::chrono::seconds(seconds), kWhen, "https").ok());
  }
}

TEST(SigV4Signer, NoErrorMessageOrOutputContainsTheSecret) {
  const SigV4Signer signer = s3_signer(kToken);
  std::vector<Error> errors;
  for (const auto& [seconds, scheme] : std::vector<std::pair<int, std::string_view>>{
           {0, "https"}, {604801, "https"}, {60, "ftp"}}) {
    auto url = signer.presign(s3_get("/b/k"), std::chrono::seconds(seconds), kWhen, scheme);
    ASSERT_FALSE(url.ok());
    errors.push_back(url.error());
  }
  auto anonymous = SigV4Signer(make_credentials("", std::string(kSecret)), {})
                       .presign(s3_get("/b/k"), std::chrono::seconds(60), kWhen, "https");
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.error().category, ErrorCategory::kAuth);
  errors.push_back(anonymous.error());
  for (const auto& error : errors) {
    EXPECT_EQ(error.describe().find(kSecret), std::string::npos) << error.describe();
    EXPECT_EQ(error.describe().find(kToken), std::string::npos) << error.describe();
  }
  const SignedRequest signed_request = signer.sign(s3_get("/b/k"), kWhen);
  EXPECT_EQ(signed_request.canonical_request.find(kSecret), std::string::npos);
  for (const auto& header : signed_request.headers_to_add) {
    EXPECT_EQ(header.value.find(kSecret), std::string::npos) << header.name;
  }
}

}  // namespace
}  // namespace imgsync::s3
