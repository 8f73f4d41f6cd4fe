// The fixture of the `imgsync sync` end-to-end tests: a scratch source folder and state
// directory, a destination under the test's bucket, and helpers to run and inspect syncs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "catalog/journal_store.h"
#include "imgsync_cli_fixture.h"

namespace imgsync::testing {

class SyncTest : public ImgsyncCliTest {
 protected:
  std::filesystem::path source() const { return scratch_.path() / "photos"; }
  std::filesystem::path state() const { return scratch_.path() / "state"; }
  std::string destination() const { return "s3://" + bucket() + "/field"; }

  std::vector<std::string> sync_args(const std::filesystem::path& folder,
                                     std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"sync",        folder.string(),  "--to",  destination(),
                                  "--state-dir", state().string(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  ProcessResult sync(std::vector<std::string> extra = {}) {
    return imgsync(sync_args(source(), std::move(extra)));
  }
  ProcessResult verify(bool deep) {
    std::vector<std::string> args{"verify",      "--to",           destination(),
                                  "--state-dir", state().string(), "--json"};
    if (deep) args.push_back("--deep");
    return imgsync(args);
  }

  // `count` distinct valid JPEGs: the samples with a different tail after their end marker.
  std::vector<std::filesystem::path> make_photos(int count, const std::string& subfolder = "") {
    std::vector<std::string> samples;
    for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "samples")) {
      if (entry.path().extension() == ".jpg") samples.push_back(read_file(entry.path()));
    }
    std::sort(samples.begin(), samples.end());
    std::vector<std::filesystem::path> made;
    for (int i = 0; i < count; ++i) {
      const auto path = source() / subfolder / ("img_" + std::to_string(i) + ".jpg");
      write_file(path, samples[i % samples.size()] + "tail-" + std::to_string(i));
      made.push_back(path);
    }
    return made;
  }

  // Every object in the bucket but the name claims (field/claims/...), by key.
  std::map<std::string, s3::ObjectSummary> objects() {
    std::map<std::string, s3::ObjectSummary> by_key;
    auto listed = client().list_all_objects(bucket(), "");
    EXPECT_TRUE(listed.ok());
    if (listed.ok()) {
      for (auto& object : *listed) {
        if (object.key.find("/claims/") == std::string::npos) by_key[object.key] = object;
      }
    }
    return by_key;
  }
  // The name claims: one per capture, naming the content that owns the name.
  std::set<std::string> claims() {
    std::set<std::string> keys;
    auto listed = client().list_all_objects(bucket(), "field/claims/");
    EXPECT_TRUE(listed.ok());
    if (listed.ok()) {
      for (auto& object : *listed) keys.insert(object.key);
    }
    return keys;
  }

  catalog::JournalStore journal() {
    auto opened = catalog::JournalStore::open(state());
    EXPECT_TRUE(opened.ok());
    return std::move(*opened);
  }

  ScratchDir scratch_{"imgsync-sync"};
};

// A big valid JPEG: a sample with `megabytes` of pseudo-random bytes after its end marker.
inline std::string big_jpeg(int megabytes, unsigned seed) {
  std::string bytes = read_file(source_dir() / "samples" / "DSCN0025.jpg");
  std::uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  const std::size_t target = bytes.size() + static_cast<std::size_t>(megabytes) * 1024 * 1024;
  bytes.reserve(target);
  while (bytes.size() < target) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int shift = 0; shift < 64; shift += 8) bytes.push_back(static_cast<char>(state >> shift));
  }
  bytes.resize(target);
  return bytes;
}

}  // namespace imgsync::testing
