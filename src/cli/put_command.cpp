// `imgsync put FILE s3://bucket/key`: upload one file, verified, with its SHA-256 as metadata.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/s3_flags.h"
#include "config/s3_uri.h"
#include "s3/s3_client.h"
#include "util/error_predicates.h"
#include "util/hashing.h"

namespace imgsync::cli {
namespace {

struct PutOptions {
  std::string file;
  std::string destination;
  std::string content_type;
  bool if_absent = false;
  S3Flags s3;
};

std::string content_type_for(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension == ".jpg" || extension == ".jpeg") return "image/jpeg";
  if (extension == ".png") return "image/png";
  if (extension == ".tif" || extension == ".tiff") return "image/tiff";
  if (extension == ".webp") return "image/webp";
  if (extension == ".heic" || extension == ".hif") return "image/heic";
  if (extension == ".json") return "application/json";
  return "application/octet-stream";
}

int run_put(const PutOptions& options) {
  auto destination = config::parse_s3_uri(options.destination);
  if (!destination.ok()) {
    fmt::print(stderr, "imgsync put: {}\n", destination.error().message);
    return kExitUsage;
  }
  std::filesystem::path file = options.file;
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    fmt::print(stderr, "imgsync put: {} is not a readable file\n", file.string());
    return kExitUsage;
  }
  std::string key = destination->key;
  if (key.empty() || key.back() == '/') key += file.filename().string();

  auto settings = resolve_s3_flags(options.s3);
  if (!settings.ok()) return fail_setup("put", settings.error());
  const std::uint64_t size = std::filesystem::file_size(file, error);
  constexpr std::uint64_t kMaxSinglePut = 5ULL * 1024 * 1024 * 1024;
  if (size > kMaxSinglePut) {
    fmt::print(stderr,
               "imgsync put: {} is larger than 5 GiB, the limit of one PUT; use 'imgsync sync', "
               "which uploads in parts\n",
               file.string());
    return kExitUsage;
  }
  auto digests = digest_file(file.string());
  if (!digests.ok()) {
    fmt::print(stderr, "imgsync put: {}\n", digests.error().message);
    return kExitSomeFailed;
  }
  s3::S3Client client(std::move(*settings));
  s3::PutObjectRequest request;
  request.bucket = destination->bucket;
  request.key = key;
  request.body = s3::Body::from_file({file, 0, digests->bytes});
  request.body.digests = *digests;
  request.attributes.content_type =
      options.content_type.empty() ? content_type_for(file) : options.content_type;
  request.attributes.metadata["imgsync-sha256"] = to_hex(digests->sha256);
  request.if_none_match = options.if_absent;
  auto result = client.put_object(std::move(request));
  if (!result.ok() && options.if_absent && is_conflict(result.error())) {
    fmt::print(stderr,
               "imgsync put: s3://{}/{} exists already and --if-absent keeps it; drop --if-absent "
               "to replace it\n",
               destination->bucket, key);
    return kExitSomeFailed;
  }
  if (!result.ok()) {
    fmt::print(stderr, "imgsync put: {}\n", result.error().describe());
    return exit_code_for(result.error());
  }
  fmt::print("uploaded {} to s3://{}/{} ({} bytes, sha256 {})\n", file.string(),
             destination->bucket, key, digests->bytes, to_hex(digests->sha256));
  return kExitOk;
}

}  // namespace

void add_put_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PutOptions>();
  CLI::App* command = app.add_subcommand("put", "upload one file to S3, verified by Content-MD5");
  command->add_option("file", options->file, "local file")->required();
  command
      ->add_option("destination", options->destination,
                   "s3://bucket/key, or s3://bucket/prefix/ to keep the file name")
      ->required();
  command->add_option("--content-type", options->content_type, "default: from the extension");
  command->add_flag("--if-absent", options->if_absent,
                    "fail instead of overwriting an existing object (If-None-Match: *)");
  add_s3_flags(*command, options->s3);
  command->callback([options, &exit_code] { exit_code = run_put(*options); });
}

}  // namespace imgsync::cli
