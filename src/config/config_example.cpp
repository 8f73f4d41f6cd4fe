#include "config/config_example.h"

namespace imgsync::config {

std::string_view annotated_example_config() {
  return R"toml(# imgsync.toml: imgsync reads it from the working directory (or --config FILE). Every key is
# optional; a flag overrides the key it names. docs/configuration.md describes each one.

destination = "s3://my-bucket/survey"   # --to: the archive, s3://BUCKET[/PREFIX]
project = "survey"                      # --project: {project} in names (default "imgsync")
name_template = "{project}_{slug}_{date:%Y%m%d}"  # --name-template (this is the default)
state_dir = ".imgsync"                  # --state-dir: journal and index, relative to this file

[[source]]                              # one table per folder (positional SRC... replaces them)
path = "out"                            # relative to this file
kind = "enhanced"                       # "enhanced" (processed, default) or "raw" (--raw DIR)
include = ["*.jpg", "*.tif"]            # file name globs (default: common image extensions)
exclude = ["*_tmp.*"]
ready_marker = ".done"                  # watch: wait for IMG.done; or "sidecar"; default: none

[[source]]
path = "camera"
kind = "raw"

[upload]
jobs = 16                               # --jobs: concurrent requests, 1..256
metadata_jobs = 0                       # --metadata-jobs: metadata readers, 0 = one per core
part_size = "16MiB"                     # --part-size: 5MiB..5GiB (default: chosen per file)
multipart_threshold = "64MiB"           # --multipart-threshold: from this size up, in parts
storage_class = "STANDARD"              # --storage-class, e.g. STANDARD_IA
sse = "AES256"                          # --sse: "AES256" or "aws:kms"
# sse_kms_key_id = "arn:aws:kms:..."    # --sse-kms-key-id: with sse = "aws:kms" only

[thumbnails]
enabled = true                          # --no-thumbnails turns them off
long_edge = 512                         # --thumbnail-size: pixels, 16..4096
quality = 80                            # JPEG quality, 1..100

[watch]
settle = 2.0                            # --settle: seconds a closed file must stay unchanged
metrics = "127.0.0.1:9184"              # --metrics: Prometheus /metrics and /healthz

# [catalog]                             # a team's shared PostgreSQL + PostGIS catalog
# url = "postgresql://imgsync@db.example:5432/photos"  # --catalog; no password in the URL
# password_env = "IMGSYNC_CATALOG_PASSWORD"  # its password (else PGPASSWORD, ~/.pgpass)

[s3]                                    # over the AWS environment and ~/.aws; flags over these
profile = "default"                     # --profile
region = "us-east-1"                    # --region
endpoint_url = "http://127.0.0.1:7480"  # --endpoint-url: any S3-compatible store
addressing_style = "auto"               # --addressing-style: "auto", "path" or "virtual"
ca_bundle = "certs/ca.pem"              # --ca-bundle: relative to this file
verify_tls = true                       # false = --no-verify-ssl (test endpoints only)

[[notify]]                              # who hears about a run; any number of tables
type = "webhook"                        # "webhook", "slack", "exec" or "email"
url = "https://hooks.example.com/imgsync"
when = "failure"                        # "failure" (default) or "always"

[[notify]]
type = "email"
smtp_url = "smtp://mail.example.com:587"  # or smtps://host:465
starttls = true                         # smtp://: require STARTTLS (default)
from = "imgsync@example.com"
to = ["ops@example.com"]
username = "imgsync"
password_env = "IMGSYNC_SMTP_PASSWORD"  # the password comes from this variable, never the file
)toml";
}

}  // namespace imgsync::config
