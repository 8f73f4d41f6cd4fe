#include "app/verify_service.h"

#include <fmt/format.h>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <set>

#include "app/item_merge.h"
#include "app/object_writes.h"
#include "transfer/task_queue.h"
#include "util/error_predicates.h"
#include "util/hashing.h"

namespace imgsync::app {
namespace {

struct Check {
  std::string path;
  std::string key;
  std::uint64_t size = 0;
  std::string sha256;
  bool item = false;
  std::string name;         // the capture (for an Item)
  std::string item_json{};  // the Item as this journal last wrote it
};

// What verify checks: every uploaded file's object, and each capture's Item once (an Item never
// uploaded is reported at once). The number of Items reported that way.
Result<int> collect_checks(catalog::JournalStore& journal, std::deque<Check>& checks,
                           const std::function<void(const VerifyProblem&)>& on_problem) {
  auto uploaded = journal.all(catalog::FileState::kUploaded);
  if (!uploaded.ok()) return uploaded.take_error();
  std::set<std::string> items;
  int never_uploaded = 0;
  for (const auto& record : *uploaded) {
    checks.push_back(
        {record.path, record.object_key, record.stat.size, record.sha256, false, record.name});
    if (record.item_key.empty() || !items.insert(record.name).second) continue;
    auto capture = journal.capture_by_name(record.name);
    if (!capture.ok()) return capture.take_error();
    if (*capture && !(*capture)->item_sha256.empty()) {
      checks.push_back({"", (*capture)->item_key, (*capture)->item_json.size(),
                        (*capture)->item_sha256, true, record.name, (*capture)->item_json});
    } else {
      ++never_uploaded;
      on_problem({"", record.item_key, "the Item of " + record.name + " was never uploaded"});
    }
  }
  return never_uploaded;
}

// What verify found: each problem counted, reported, and (when it can be) queued for repair.
struct VerifyFindings {
  catalog::JournalStore& journal;
  const std::function<void(const VerifyProblem&)>& on_problem;
  VerifyReport report;

  void problem(const Check& check, std::string what, bool repairable = true) {
    ++report.problems;
    bool queued = false;
    if (repairable) {
      queued = (check.item ? journal.mark_item_dirty(check.name)
                           : journal.mark_for_repair(check.path, "verify: " + what))
                   .ok();
      if (queued) ++report.queued_for_repair;
    }
    on_problem({check.path, check.key, std::move(what), queued});
  }

  // An Item another writer of its capture extended (it names every asset of ours: a machine
  // with the same bytes, app/item_merge.h) is recorded as it is, not a problem.
  bool adopted(const Check& check, const Result<s3::GetObjectResult>& got) {
    if (!got.ok() || !names_every_asset(nlohmann::json::parse(got->body, nullptr, false),
                                        nlohmann::json::parse(check.item_json, nullptr, false))) {
      return false;
    }
    if (!journal
             .set_item_uploaded(check.name, check.item_json, got->body, to_hex(sha256(got->body)),
                                got->info.etag)
             .ok()) {
      return false;
    }
    ++report.items_adopted;
    return true;
  }

  // The object as the server describes it (`info`) against the journal's record of it; with
  // --deep, also the bytes downloaded to `download` (removed here).
  void compare(const Check& check, const s3::ObjectInfo& info, const VerifyOptions& options,
               const std::filesystem::path& download) {
    auto stored = info.metadata.find("imgsync-sha256");
    if (stored == info.metadata.end() || stored->second != check.sha256) {
      problem(check,
              fmt::format("stored sha256 {} differs from the journal's {}",
                          stored == info.metadata.end() ? "(none)" : stored->second, check.sha256));
    } else if (!options.deep && info.size != check.size) {
      problem(check, fmt::format("size {} differs from the journal's {}", info.size, check.size));
    }
    if (!options.deep) return;
    auto digests = digest_file(download.string());
    std::error_code ignored;
    std::filesystem::remove(download, ignored);
    if (!digests.ok()) return problem(check, digests.error().message, false);
    report.bytes_downloaded += digests->bytes;
    if (digests->bytes != check.size) {
      problem(check, fmt::format("downloaded {} bytes, expected {}", digests->bytes, check.size));
    } else if (to_hex(digests->sha256) != check.sha256) {
      problem(check, fmt::format("downloaded content hashes to {}, expected {}",
                                 to_hex(digests->sha256), check.sha256));
    }
  }
};

// verify --deep downloads each object into the scratch folder to hash it.
Status make_scratch_dir(const VerifyOptions& options) {
  if (!options.deep) return {};
  std::error_code error;
  std::filesystem::create_directories(options.scratch_dir, error);
  if (!error) return {};
  return make_error(ErrorCategory::kLocalIo,
                    fmt::format("cannot create {} to download objects into: {}",
                                options.scratch_dir.string(), error.message()));
}

}  // namespace

Result<VerifyReport> verify_uploads(catalog::JournalStore& journal, s3::S3Client& client,
                                    const std::string& bucket, const VerifyOptions& options,
                                    const std::function<void(const VerifyProblem&)>& on_problem) {
  std::deque<Check> checks;
  auto never_uploaded = collect_checks(journal, checks, on_problem);
  if (!never_uploaded.ok()) return never_uploaded.take_error();
  if (Status made = make_scratch_dir(options); !made.ok()) return made.error();

  VerifyFindings findings{journal, on_problem, {}};
  VerifyReport& report = findings.report;
  report.problems = *never_uploaded;
  int serial = 0;
  transfer::TaskQueue queue(client.engine(), std::max(1, options.jobs));
  // The destination itself refused or is gone (credentials, bucket, endpoint): every check would
  // fail the same way, so verify stops and says so once (exit 3), not once per object.
  std::optional<Error> unusable;
  // An Item whose stored sha256 is not this journal's: read, and adopted when another writer of
  // its capture extended it; else a problem as any other.
  auto adopt_or_compare = [&](const Check& check, const s3::ObjectInfo& info,
                              const std::filesystem::path& download) {
    queue.push_urgent([&, check, info, download](transfer::TaskQueue::Finished finished) {
      client.get_object_async({.bucket = bucket, .key = check.key},
                              [&, check, info, download, finished](auto got) {
                                finished();
                                if (!findings.adopted(check, got)) {
                                  return findings.compare(check, info, options, download);
                                }
                                std::error_code ignored;
                                if (!download.empty()) std::filesystem::remove(download, ignored);
                              });
    });
  };
  queue.set_refill([&] {
    if (checks.empty() || unusable) return false;
    Check check = std::move(checks.front());
    checks.pop_front();
    queue.push([&, check](transfer::TaskQueue::Finished finished) {
      std::filesystem::path download;
      if (options.deep) download = options.scratch_dir / fmt::format("verify-{}.part", serial++);
      auto checked = [&, check, download, finished](Result<s3::ObjectInfo> response) {
        finished();
        (check.item ? report.items_checked : report.objects_checked) += 1;
        if (!response.ok() && destination_unusable(response.error())) {
          if (!unusable) unusable = response.error();
          return;
        }
        if (!response.ok()) {
          const bool missing = is_not_found(response.error());
          findings.problem(check, missing ? "missing from the bucket" : response.error().message,
                           missing);
          return;
        }
        if (check.item && response->metadata["imgsync-sha256"] != check.sha256) {
          return adopt_or_compare(check, *response, download);
        }
        findings.compare(check, *response, options, download);
      };
      if (!options.deep) return client.head_object_async({bucket, check.key}, checked);
      client.get_object_async({.bucket = bucket, .key = check.key, .download_to = download},
                              [checked](Result<s3::GetObjectResult> got) {
                                if (!got.ok()) return checked(got.take_error());
                                checked(std::move(got->info));
                              });
    });
    return true;
  });
  queue.run();
  if (unusable) return *unusable;
  return report;
}

}  // namespace imgsync::app
