#include "app/journal_upkeep.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "media/object_keys.h"

namespace imgsync::app {

Result<std::optional<std::string>> adopt_legacy_rows(const config::AppConfig& config,
                                                     catalog::JournalStore& journal,
                                                     s3::S3Client& client) {
  using Note = std::optional<std::string>;
  auto count = journal.legacy_row_count();
  if (!count.ok()) return count.take_error();
  if (*count == 0 || journal.destination().empty()) return Note();
  auto sample = journal.legacy_uploaded_sample(3);
  if (!sample.ok()) return sample.take_error();
  auto prefix = media::normalize_prefix(config.destination->key);
  const std::string under = prefix.ok() && !prefix->empty() ? *prefix + "/" : "";
  for (const auto& record : *sample) {
    if (record.object_key.rfind(under, 0) != 0) continue;  // another prefix's object
    auto head = client.head_object(config.destination->bucket, record.object_key);
    if (head.ok() && head->metadata["imgsync-sha256"] == record.sha256) {
      if (Status ok = journal.adopt_legacy_rows(); !ok.ok()) return ok.error();
      return Note(fmt::format(
          "the journal's {} records from before destinations were recorded belong to s3://{}/{} "
          "(its objects are there): adopted",
          *count, config.destination->bucket, config.destination->key));
    }
  }
  return Note();
}

Result<int> abort_abandoned_uploads(const config::AppConfig& config, catalog::JournalStore& journal,
                                    s3::S3Client& client) {
  const std::string bucket = config.destination->bucket;
  auto prefix = media::normalize_prefix(config.destination->key);
  auto uploads = client.list_multipart_uploads(bucket, prefix.ok() ? *prefix : "");
  if (!uploads.ok() || uploads->empty()) return 0;
  auto records = journal.all();
  if (!records.ok()) return records.take_error();
  std::map<std::string, std::set<std::string>> live;  // key -> upload ids the journal continues
  for (const auto& record : *records) {
    if (!record.object_key.empty()) live[record.object_key].insert(record.upload_id);
  }
  int aborted = 0;
  for (const auto& upload : *uploads) {
    auto owner = live.find(upload.key);
    if (owner == live.end() || owner->second.count(upload.upload_id) > 0) continue;
    if (client.abort_multipart_upload(bucket, upload.key, upload.upload_id).ok()) ++aborted;
  }
  return aborted;
}

}  // namespace imgsync::app
