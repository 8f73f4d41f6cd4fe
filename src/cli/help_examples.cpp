#include "cli/help_examples.h"

#include <map>
#include <string>

#include "cli/vocabulary.h"

namespace imgsync::cli {
namespace {

// Keyed by the command as typed after `imgsync`.
const std::map<std::string, std::string>& examples() {
  static const std::map<std::string, std::string> table = {
      {"put", R"(  imgsync put photo.jpg s3://my-bucket/raw/photo.jpg
  imgsync put scan.tif s3://my-bucket/scans/scan.tif --if-absent)"},
      {"ls", R"(  imgsync ls s3://my-bucket/
  imgsync ls s3://my-bucket/survey/metadata/ --json)"},
      {"mb", R"(  imgsync mb s3://my-bucket
  imgsync mb s3://my-bucket --endpoint-url http://127.0.0.1:7480)"},
      {"meta", R"(  imgsync meta IMG_0001.jpg
  imgsync meta *.CR3 --json)"},
      {"sync", R"(  imgsync sync ./out --to s3://my-bucket/survey
  imgsync sync ./out --raw ./camera --to s3://my-bucket/survey --project mars
  imgsync sync --dry-run          # with an imgsync.toml in the working directory)"},
      {"retry", R"(  imgsync retry --to s3://my-bucket/survey
  imgsync retry --all-failed ./out --to s3://my-bucket/survey)"},
      {"status", R"(  imgsync status --to s3://my-bucket/survey
  imgsync status --json)"},
      {"verify", R"(  imgsync verify --to s3://my-bucket/survey
  imgsync verify --deep --to s3://my-bucket/survey   # downloads and hashes every object)"},
      {"watch", R"(  imgsync watch ./out --to s3://my-bucket/survey
  imgsync watch --metrics 127.0.0.1:9184      # with an imgsync.toml
  imgsync watch ./out --to s3://my-bucket/survey --once)"},
      {"enqueue", R"(  imgsync enqueue ./out/IMG_0001.jpg --to s3://my-bucket/survey
  imgsync enqueue /scans/a.tif --kind raw)"},
      {"init", R"(  imgsync init --to s3://my-bucket/survey
  imgsync init --to s3://my-bucket/survey --public-prefix gallery/ --versioning
  imgsync init --to s3://my-bucket/survey --dry-run)"},
      {"share", R"(  imgsync share mars_img_0001_20260501 --to s3://my-bucket/survey --expires 24h
  imgsync share enhanced/2026/05/01/mars_img_0001_20260501.jpg --to s3://my-bucket/survey
  imgsync share s3://my-bucket/survey/metadata/2026/05/01/mars_img_0001_20260501.json)"},
      {"search",
       R"(  imgsync search --to s3://my-bucket/survey --since 2026-05-01 --until 2026-05-31
  imgsync search --near 47.37,8.54 --radius 5km --format urls --expires 1h
  imgsync search --camera nikon --tag survey --download ./picked)"},
      {"index", R"(  imgsync index rebuild --to s3://my-bucket/survey
  imgsync index publish --to s3://my-bucket/survey)"},
      {"index rebuild", R"(  imgsync index rebuild --to s3://my-bucket/survey
  imgsync index rebuild --to s3://my-bucket/survey --state-dir ./other-machine-state)"},
      {"index publish", R"(  imgsync index publish --to s3://my-bucket/survey)"},
      {"publish", R"(  imgsync publish --to s3://my-bucket/survey --expires 7d --title "May survey"
  imgsync publish --to s3://my-bucket/survey --filter "--since 2026-05-01 --camera nikon"
  imgsync publish --public --to s3://my-bucket/survey   # after init --public-prefix gallery/ ...)"},
      {"serve", R"(  imgsync serve --to s3://my-bucket/survey --listen 127.0.0.1:8080
  imgsync serve --listen 0.0.0.0:8080 --base-url https://stac.example.org --expires 30m
  imgsync serve --to s3://my-bucket/survey --listen 127.0.0.1:8080 --pull-every 30s)"},
      {"catalog", R"(  imgsync catalog compact --to s3://my-bucket/survey)"},
      {"catalog compact", R"(  imgsync catalog compact --to s3://my-bucket/survey
  imgsync catalog compact --to s3://my-bucket/survey --lease 1h)"},
      {"index pull", R"(  imgsync index pull --to s3://my-bucket/survey
  imgsync index pull --to s3://my-bucket/survey --state-dir ./analyst-state)"},
      {"index migrate",
       R"(  imgsync index migrate --to s3://my-bucket/survey --to-catalog postgresql://imgsync@db/photos
  IMGSYNC_CATALOG_PASSWORD=... imgsync index migrate --to-catalog postgresql://ana@db:5432/team)"},
      {"doctor", R"(  imgsync doctor
  imgsync doctor --to s3://my-bucket/survey
  imgsync doctor --to s3://my-bucket/survey --json)"},
  };
  return table;
}

void add_to(CLI::App& command) {
  const auto found = examples().find(command_path(command));
  if (found != examples().end()) command.footer("Examples:\n" + found->second);
  for (CLI::App* sub : command.get_subcommands({})) add_to(*sub);
}

}  // namespace

void add_help_examples(CLI::App& app) {
  for (CLI::App* command : app.get_subcommands({})) add_to(*command);
}

}  // namespace imgsync::cli
