// `imgsync sync`, `status`, `verify` and `retry` end to end: the built binary against the real
// server, killed and restarted, fed damaged, edited, vanishing and oddly named files.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <set>

#include "app/source_scanner.h"
#include "catalog/journal_store.h"
#include "catalog/search_index.h"
#include "media/metadata_extractor.h"
#include "media/naming.h"
#include "media/object_keys.h"
#include "sync_fixture.h"
#include "util/hashing.h"

namespace imgsync::testing {
namespace {

TEST_F(SyncTest, UploadsAssetsAndItemsThenAnUnchangedTreeSendsNoRequest) {
  const auto photos = make_photos(12, "day1");
  auto first = sync();
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  auto summary = summary_of(first.out);
  EXPECT_EQ(summary["uploaded"], 12);
  // Each Item goes up once with its thumbnail, or twice when the thumbnail was still being made
  // when the image was up (first without, then naming it).
  EXPECT_GE(summary["items_uploaded"], 12);
  EXPECT_LE(summary["items_uploaded"], 24);
  EXPECT_EQ(summary["thumbnails_uploaded"], 12);

  // Every asset carries its hash and the key of its Item, and that Item links it back.
  auto records = journal().all();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 12u);
  for (const auto& record : *records) {
    EXPECT_EQ(record.state, catalog::FileState::kUploaded);
    auto head = client().head_object(bucket(), record.object_key);
    ASSERT_TRUE(head.ok()) << record.object_key;
    EXPECT_EQ(head->metadata["imgsync-sha256"], to_hex(sha256(read_file(record.path))));
    EXPECT_EQ(head->metadata["imgsync-item"], record.item_key);
    EXPECT_EQ(independent().get(record.object_key), read_file(record.path)) << record.object_key;
    EXPECT_EQ(head->content_type, "image/jpeg");
    auto item = client().get_object({bucket(), record.item_key, {}, {}});
    ASSERT_TRUE(item.ok()) << record.item_key;
    auto json = nlohmann::json::parse(item->body);
    EXPECT_EQ(json["type"], "Feature");
    EXPECT_EQ(json["id"], record.name);
    EXPECT_TRUE(json["assets"].contains("thumbnail")) << "the last Item sent names the thumbnail";
    const std::string href = json["assets"]["enhanced"]["href"];
    EXPECT_EQ(href.substr(href.rfind('/') + 1),
              record.object_key.substr(record.object_key.rfind('/') + 1));
  }
  EXPECT_EQ(objects().size(), 36u);  // 12 images, 12 Items, 12 thumbnails
  EXPECT_EQ(claims().size(), 12u);   // and a claim on each name

  // Nothing changed: the same run with a wrong secret succeeds, so it made no request (any
  // request would be refused with 403 and stop the run with exit 3).
  const std::map<std::string, std::string> wrong_secret{
      {"AWS_SECRET_ACCESS_KEY", "wrong-secret-0123456789"}};
  auto again = imgsync(sync_args(source()), wrong_secret);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  summary = summary_of(again.out);
  EXPECT_EQ(summary["unchanged"], 12);
  EXPECT_EQ(summary["uploaded"], 0);
  // verify with the wrong secret: the destination refused, said once with exit 3 (docs/errors.md),
  // not a mismatch per object, and nothing is queued for repair.
  auto refused =
      imgsync({"verify", "--to", destination(), "--state-dir", state().string()}, wrong_secret);
  EXPECT_EQ(refused.exit_code, 3) << refused.err << refused.out;
  EXPECT_EQ(refused.out.find("MISMATCH"), std::string::npos) << refused.out;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  EXPECT_EQ(refused.err.find("wrong-secret-0123456789"), std::string::npos);
  auto records_after = journal().all(catalog::FileState::kUploaded);
  ASSERT_TRUE(records_after.ok());
  EXPECT_EQ(records_after->size(), 12u) << "nothing marked for repair";

  // Touched but not changed: re-hashed, still no request.
  std::filesystem::last_write_time(photos[0], std::filesystem::file_time_type::clock::now());
  auto touched = imgsync(sync_args(source()), wrong_secret);
  EXPECT_EQ(touched.exit_code, 0) << touched.err;
  EXPECT_EQ(summary_of(touched.out)["unchanged"], 12);

  auto verified = verify(true);
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_EQ(summary_of(verified.out)["problems"], 0);
}

TEST_F(SyncTest, SameSizeEditIsUploadedAgainUnderTheSameKey) {
  const auto photos = make_photos(3);
  ASSERT_EQ(sync().exit_code, 0);
  auto before = journal().find(photos[1].string());
  ASSERT_TRUE(before.ok() && before->has_value());

  std::string bytes = read_file(photos[1]);
  bytes.back() ^= 0x5a;  // same size, different content
  write_file(photos[1], bytes);
  auto edited = sync();
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  auto summary = summary_of(edited.out);
  EXPECT_EQ(summary["uploaded"], 1);
  EXPECT_EQ(summary["unchanged"], 2);
  EXPECT_GE(summary["items_uploaded"], 1);  // twice when it went up before its new thumbnail
  EXPECT_LE(summary["items_uploaded"], 2);

  auto after = journal().find(photos[1].string());
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->object_key, (*before)->object_key);
  auto head = client().head_object(bucket(), (*after)->object_key);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->metadata["imgsync-sha256"], to_hex(sha256(bytes)));
  auto item = client().get_object({bucket(), (*after)->item_key, {}, {}});
  ASSERT_TRUE(item.ok());
  EXPECT_NE(item->body.find(to_hex(sha256(bytes))), std::string::npos);
  EXPECT_EQ(verify(true).exit_code, 0);
}

TEST_F(SyncTest, FilesWhoseMetadataCannotBeReadAreArchivedAllTheSame) {
  IMGSYNC_REQUIRE_CORPUS();
  make_photos(2);
  // A fuzzer's crash reproducer from the corpus: its metadata cannot be read.
  write_file(source() / "damaged.crw",
             read_file(corpus_dir() / "images/exiv2-test-data/issue_841_poc.crw"));
  write_file(source() / "not-an-image.png", "this is text, not a PNG");
  auto run = sync();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto summary = summary_of(run.out);
  EXPECT_EQ(summary["uploaded"], 4);
  EXPECT_EQ(summary["failed"], 0);
  EXPECT_EQ(summary["metadata_warnings"], 2);
  EXPECT_NE(run.err.find("metadata_unreadable"), std::string::npos) << run.err;

  for (const char* name : {"damaged.crw", "not-an-image.png"}) {
    auto record = journal().find((source() / name).string());
    ASSERT_TRUE(record.ok() && record->has_value()) << name;
    EXPECT_EQ((*record)->state, catalog::FileState::kUploaded) << name;
    // By folder kind (enhanced), with a generic Item that says what failed.
    EXPECT_NE((*record)->object_key.find("field/enhanced/"), std::string::npos);
    auto object = client().get_object({bucket(), (*record)->object_key, {}, {}});
    ASSERT_TRUE(object.ok());
    EXPECT_EQ(object->body, read_file(source() / name));
    auto item = client().get_object({bucket(), (*record)->item_key, {}, {}});
    ASSERT_TRUE(item.ok()) << (*record)->item_key;
    auto json = nlohmann::json::parse(item->body);
    EXPECT_FALSE(json["properties"]["imgsync:metadata_error"].get<std::string>().empty());
    EXPECT_EQ(json["properties"]["imgsync:captured_at_source"], "file:mtime") << json.dump();
  }
  auto status =
      imgsync({"status", "--to", destination(), "--state-dir", state().string(), "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.out;
  EXPECT_EQ(nlohmann::json::parse(status.out)["counts"]["uploaded"], 4);
  // Nothing left to do.
  auto again = sync();
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(summary_of(again.out)["unchanged"], 4);
  EXPECT_EQ(verify(true).exit_code, 0);
}

TEST_F(SyncTest, RawAndEnhancedFilesOfOneCaptureShareOneItem) {
  const std::string jpeg = read_file(source_dir() / "samples" / "DSCN0010.jpg");
  write_file(scratch_.path() / "raw" / "2026" / "IMG_0042.jpg", jpeg);
  write_file(scratch_.path() / "enhanced" / "2026" / "img_0042_enhanced.jpg", jpeg + "edited");
  write_file(scratch_.path() / "enhanced" / "2026" / "IMG_0043.jpg", jpeg + "alone");
  auto run = imgsync({"sync", (scratch_.path() / "enhanced").string(), "--raw",
                      (scratch_.path() / "raw").string(), "--to", destination(), "--state-dir",
                      state().string(), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  auto raw = journal().find((scratch_.path() / "raw" / "2026" / "IMG_0042.jpg").string());
  auto enhanced =
      journal().find((scratch_.path() / "enhanced" / "2026" / "img_0042_enhanced.jpg").string());
  ASSERT_TRUE(raw.ok() && raw->has_value() && enhanced.ok() && enhanced->has_value());
  EXPECT_EQ((*raw)->name, (*enhanced)->name);
  EXPECT_EQ((*raw)->item_key, (*enhanced)->item_key);
  EXPECT_NE((*raw)->object_key.find("/raw/"), std::string::npos);
  EXPECT_NE((*enhanced)->object_key.find("/enhanced/"), std::string::npos);
  auto item = client().get_object({bucket(), (*raw)->item_key, {}, {}});
  ASSERT_TRUE(item.ok());
  auto json = nlohmann::json::parse(item->body);
  EXPECT_TRUE(json["assets"].contains("raw"));
  EXPECT_TRUE(json["assets"].contains("enhanced"));
  // The thumbnail is made from the enhanced file (its checksum is the enhanced file's picture).
  ASSERT_TRUE(json["assets"].contains("thumbnail"));
  // Two captures, two Items, two thumbnails, three assets; a claim per capture.
  EXPECT_EQ(objects().size(), 7u);
  EXPECT_EQ(claims().size(), 2u);
  EXPECT_EQ(verify(true).exit_code, 0);
}

TEST_F(SyncTest, NoSecretAppearsInAnyOutput) {
  make_photos(5);
  std::string all;
  auto collect = [&all](const ProcessResult& run) { all += run.out + run.err; };
  const auto log_file = scratch_.path() / "logs" / "imgsync.log";
  collect(sync({"-vv", "--log-file", log_file.string()}));
  collect(sync({"--log-format", "json", "-vv", "--log-file", log_file.string()}));
  // A file that can never be read (a FIFO named like an image) fails, and is logged.
  ASSERT_EQ(mkfifo((source() / "pipe.jpg").c_str(), 0644), 0);
  collect(sync({"-vv", "--log-file", log_file.string()}));
  collect(imgsync({"status", "--to", destination(), "--state-dir", state().string()}));
  collect(imgsync({"status", "--to", destination(), "--state-dir", state().string(), "--json"}));
  collect(verify(true));
  collect(imgsync({"retry", "--all-failed", source().string(), "--to", destination(), "--state-dir",
                   state().string()}));
  collect(imgsync({"sync", source().string(), "--to", destination(), "--state-dir",
                   state().string(), "--dry-run"}));
  // Failing runs print the most: a wrong secret, an unreachable endpoint.
  write_file(source() / "new.jpg", read_file(source() / "img_0.jpg") + "new");
  collect(imgsync(sync_args(source()), {{"AWS_SECRET_ACCESS_KEY", "wrong-secret-0123456789"}}));
  collect(run_process(imgsync_binary(), sync_args(source()), imgsync_env("http://127.0.0.1:9"),
                      unset_env()));
  const std::string logged = read_file(log_file);
  EXPECT_NE(logged.find("uploaded"), std::string::npos);       // one line per upload...
  EXPECT_NE(logged.find("error failed "), std::string::npos);  // ...and per failure
  all += logged;
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.find(server().secret_key), std::string::npos);
  EXPECT_EQ(all.find("wrong-secret-0123456789"), std::string::npos);
  EXPECT_EQ(all.find("X-Amz-Signature"), std::string::npos);
  EXPECT_EQ(all.find("Signature="), std::string::npos);
  EXPECT_NE(all.find(server().access_key), std::string::npos);  // the key id is named, on purpose
}

TEST_F(SyncTest, UnicodeAndAwkwardFileNames) {
  const std::string jpeg = read_file(source_dir() / "samples" / "DSCN0010.jpg");
  const std::vector<std::string> names = {"Ünïcødé 東京 #1.jpg", "a b&c=d+e.jpg",  "quote'\"x.JPG",
                                          "--dash.jpeg",         "percent%20.jpg", "émoji 📷.jpg"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    write_file(source() / "wéird dir" / names[i], jpeg + std::to_string(i));
  }
  auto run = sync();
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(summary_of(run.out)["uploaded"], static_cast<int>(names.size()));
  std::set<std::string> keys;
  for (const auto& [key, object] : objects()) {
    keys.insert(key);
    // Every segment is a safe name: ASCII letters, digits, '.', '_', '-', and the letters slugs
    // keep as UTF-8 (東京 stays, Ü becomes u; media/naming.h).
    std::size_t start = 0;
    for (std::size_t slash = key.find('/'); start <= key.size();
         start = slash + 1, slash = key.find('/', start)) {
      const std::string segment =
          key.substr(start, slash == std::string::npos ? slash : slash - start);
      EXPECT_TRUE(media::is_safe_name(segment)) << segment << " in " << key;
      if (slash == std::string::npos) break;
    }
  }
  EXPECT_EQ(keys.size(), names.size() * 3);  // image, Item, thumbnail
  EXPECT_EQ(std::count_if(keys.begin(), keys.end(),
                          [](const std::string& key) {
                            return key.find("/imgsync_unicode-東京-1_") != std::string::npos;
                          }),
            3)
      << "a readable name for \"Ünïcødé 東京 #1.jpg\"";
  EXPECT_EQ(verify(true).exit_code, 0);
}

TEST_F(SyncTest, KilledAtManyPointsEveryFileEndsUploadedExactlyOnce) {
  const auto photos = make_photos(240, "batch");
  // Kill after the child reports its n-th event (0: before it says anything).
  for (int kill_after : {0, 1, 7, 30, 80, 150}) {
    ChildProcess child(imgsync_binary(), sync_args(source(), {"--jobs", "8"}), imgsync_env(),
                       unset_env());
    for (int seen = 0; seen < kill_after; ++seen) {
      if (!child.read_line()) break;
    }
    child.kill_hard();
    child.wait();
  }
  auto final_run = sync();
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  auto records = journal().all(catalog::FileState::kUploaded);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), photos.size());

  // Exactly once: one object per file, one Item and one thumbnail per capture, nothing else.
  const auto listed = objects();
  std::set<std::string> expected;
  for (const auto& record : *records) {
    expected.insert(record.object_key);
    expected.insert(record.item_key);
    expected.insert(media::thumbnail_key_for_item(record.item_key));
  }
  EXPECT_EQ(listed.size(), expected.size());
  for (const auto& key : expected) EXPECT_TRUE(listed.count(key)) << key;
  EXPECT_EQ(claims().size(), photos.size());  // one claim per capture, none left over
  auto uploads = client().list_multipart_uploads(bucket());
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
  auto verified = verify(true);
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
}

TEST_F(SyncTest, KilledMultipartUploadResumesFromItsParts) {
  write_file(source() / "big.jpg", big_jpeg(120, 1));
  const std::vector<std::string> multipart{
      "--jobs", "1", "--part-size", "5MiB", "--multipart-threshold", "5MiB"};
  {
    ChildProcess child(imgsync_binary(), sync_args(source(), multipart), imgsync_env(),
                       unset_env());
    int parts = 0;
    while (auto line = child.read_line()) {
      if (nlohmann::json::parse(*line).value("event", "") == "part_uploaded" && ++parts == 4) break;
    }
    child.kill_hard();
    child.wait();
    ASSERT_EQ(parts, 4);
  }
  auto uploads = client().list_multipart_uploads(bucket());
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->size(), 1u);  // the interrupted upload is still there

  // A stray upload of the same key (a run that died before recording its upload id) is aborted;
  // an upload of a key the journal does not know is someone else's and stays.
  auto record = journal().find((source() / "big.jpg").string());
  ASSERT_TRUE(record.ok() && record->has_value());
  ASSERT_TRUE(client().create_multipart_upload(bucket(), (*record)->object_key, {}).ok());
  auto foreign = client().create_multipart_upload(bucket(), "field/elsewhere/other.bin", {});
  ASSERT_TRUE(foreign.ok());

  auto resumed = sync(multipart);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  auto summary = summary_of(resumed.out);
  EXPECT_EQ(summary["aborted_uploads"], 1);
  EXPECT_GE(summary["parts_reused"].get<int>(), 4);
  EXPECT_EQ(summary["parts_reused"].get<int>() + summary["parts_uploaded"].get<int>(), 25);
  uploads = client().list_multipart_uploads(bucket());
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->size(), 1u);
  EXPECT_EQ((*uploads)[0].upload_id, *foreign);
  auto verified = verify(true);
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
}

TEST_F(SyncTest, FileRewrittenOrDeletedMidUploadIsNeverPublishedTorn) {
  write_file(source() / "rewritten.jpg", big_jpeg(60, 2));
  const std::vector<std::string> multipart{
      "--jobs", "1", "--part-size", "5MiB", "--multipart-threshold", "5MiB"};
  const std::string new_content = big_jpeg(60, 3);
  {
    ChildProcess child(imgsync_binary(), sync_args(source(), multipart), imgsync_env(),
                       unset_env());
    int parts = 0;
    while (auto line = child.read_line()) {
      if (nlohmann::json::parse(*line).value("event", "") == "part_uploaded" && ++parts == 2) {
        write_file(source() / "rewritten.jpg", new_content);  // same size, new content
        break;
      }
    }
    EXPECT_EQ(child.wait(), 1);
  }
  auto record = journal().find((source() / "rewritten.jpg").string());
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_NE((*record)->state, catalog::FileState::kUploaded);
  EXPECT_FALSE(client().head_object(bucket(), (*record)->object_key).ok());

  auto again = sync(multipart);
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  auto head = client().head_object(bucket(), (*record)->object_key);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->metadata["imgsync-sha256"], to_hex(sha256(new_content)));
  EXPECT_EQ(verify(true).exit_code, 0);

  // Deleted mid-upload: fails for this run, nothing is published.
  write_file(source() / "vanishing.jpg", big_jpeg(60, 4));
  {
    ChildProcess child(imgsync_binary(), sync_args(source(), multipart), imgsync_env(),
                       unset_env());
    int parts = 0;
    while (auto line = child.read_line()) {
      if (nlohmann::json::parse(*line).value("event", "") == "part_uploaded" && ++parts == 2) {
        std::filesystem::remove(source() / "vanishing.jpg");
        break;
      }
    }
    EXPECT_EQ(child.wait(), 1);
  }
  auto vanished = journal().find((source() / "vanishing.jpg").string());
  ASSERT_TRUE(vanished.ok() && vanished->has_value());
  EXPECT_EQ((*vanished)->state, catalog::FileState::kFailed);
  EXPECT_FALSE(client().head_object(bucket(), (*vanished)->object_key).ok());
}

TEST_F(SyncTest, ThumbnailsGoUpWithTheirItemsUprightAndWithoutMetadata) {
  // DSCN0010 carries a GPS position; Landscape_6 is stored turned (EXIF orientation 6).
  write_file(source() / "a" / "DSCN0010.jpg", read_file(source_dir() / "samples" / "DSCN0010.jpg"));
  write_file(source() / "a" / "Landscape_6.jpg",
             read_file(source_dir() / "samples" / "Landscape_6.jpg"));
  auto run = sync();
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(summary_of(run.out)["thumbnails_uploaded"], 2);
  // A sync's Item waits for its thumbnail: each goes up once, already naming it.
  EXPECT_EQ(summary_of(run.out)["items_uploaded"], 2) << run.out;
  auto store = journal();
  for (const std::string name : {"DSCN0010.jpg", "Landscape_6.jpg"}) {
    auto record = store.find((source() / "a" / name).string());
    ASSERT_TRUE(record.ok() && record->has_value()) << name;
    auto item = client().get_object({bucket(), (*record)->item_key, {}, {}});
    ASSERT_TRUE(item.ok()) << name;
    auto json = nlohmann::json::parse(item->body);
    ASSERT_TRUE(json["assets"].contains("thumbnail")) << item->body;
    const auto& asset = json["assets"]["thumbnail"];
    EXPECT_EQ(asset["type"], "image/jpeg");
    EXPECT_EQ(asset["roles"], nlohmann::json::array({"thumbnail"}));
    const std::string key = media::thumbnail_key_for_item((*record)->item_key);
    EXPECT_EQ(key.rfind("field/thumbnails/", 0), 0u) << key;
    auto thumbnail = client().get_object({bucket(), key, {}, {}});
    ASSERT_TRUE(thumbnail.ok()) << key;
    EXPECT_EQ(asset["file:size"], thumbnail->body.size());
    EXPECT_EQ(asset["file:checksum"], "1220" + to_hex(sha256(thumbnail->body)));
    EXPECT_EQ(thumbnail->info.content_type, "image/jpeg");
    EXPECT_EQ(thumbnail->body.substr(0, 3), "\xFF\xD8\xFF");
    EXPECT_EQ(thumbnail->body.find("Exif"), std::string::npos) << "thumbnails carry no EXIF";
    // What a reader of the thumbnail sees: JPEG header dimensions, long edge 512.
    auto decoded = media::extract_embedded_metadata(thumbnail->body);
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE(decoded->width && decoded->height);
    EXPECT_EQ(std::max(*decoded->width, *decoded->height), 512);
    EXPECT_FALSE(decoded->gps.has_value());
    if (name == "Landscape_6.jpg") {
      EXPECT_GT(*decoded->width, *decoded->height) << "turned upright";
    }
  }
  EXPECT_EQ(verify(true).exit_code, 0);
  // The search index holds the Items as they ended: naming their thumbnails (galleries link them).
  {
    auto index = catalog::SearchIndex::open(state());
    ASSERT_TRUE(index.ok());
    auto hits = index->search(catalog::SearchQuery{});
    ASSERT_TRUE(hits.ok());
    ASSERT_EQ(hits->size(), 2u);
    for (const auto& hit : *hits) {
      EXPECT_EQ(hit.thumbnail_key, media::thumbnail_key_for_item(hit.item_key)) << hit.id;
    }
  }
  // Nothing changed: nothing is made or sent again.
  auto again = sync();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(summary_of(again.out)["thumbnails_uploaded"], 0);
  // --no-thumbnails: the Item names none.
  write_file(source() / "b" / "DSCN0025.jpg", read_file(source_dir() / "samples" / "DSCN0025.jpg"));
  auto without = sync({"--no-thumbnails"});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_EQ(summary_of(without.out)["thumbnails_uploaded"], 0);
  auto record = store.find((source() / "b" / "DSCN0025.jpg").string());
  ASSERT_TRUE(record.ok() && record->has_value());
  auto item = client().get_object({bucket(), (*record)->item_key, {}, {}});
  ASSERT_TRUE(item.ok());
  EXPECT_FALSE(nlohmann::json::parse(item->body)["assets"].contains("thumbnail"));
}

TEST_F(SyncTest, ThumbnailLeftDueIsMadeAgainByTheNextRunAndTheItemNamesIt) {
  // A run killed after the asset was recorded but before its thumbnail (and Item) went up: the
  // journal keeps the thumbnail due, and the next run makes it again from the file, byte for
  // byte, then sends the Item naming it.
  write_file(source() / "DSCN0038.jpg", read_file(source_dir() / "samples" / "DSCN0038.jpg"));
  auto first = sync();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto record = journal().find((source() / "DSCN0038.jpg").string());
  ASSERT_TRUE(record.ok() && record->has_value());
  const std::string thumbnail_key = media::thumbnail_key_for_item((*record)->item_key);
  auto original = client().get_object({bucket(), thumbnail_key, {}, {}});
  ASSERT_TRUE(original.ok());
  ASSERT_TRUE(client().delete_object(bucket(), thumbnail_key).ok());
  ASSERT_TRUE(client().delete_object(bucket(), (*record)->item_key).ok());
  {
    auto store = journal();
    auto capture = store.capture_by_name((*record)->name);
    ASSERT_TRUE(capture.ok() && capture->has_value());
    EXPECT_FALSE((*capture)->thumbnail_due) << "a finished run leaves no thumbnail due";
    auto item = nlohmann::json::parse((*capture)->item_json);
    item["assets"].erase("thumbnail");  // as recorded before the thumbnail went up
    auto update = store.database().prepare(
        "UPDATE captures SET item_json = ?1, item_sha256 = '', thumbnail_due = 1");
    ASSERT_TRUE(update.ok());
    update->bind(1, item.dump());
    ASSERT_TRUE(update->run().ok());
  }
  auto again = sync();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto summary = summary_of(again.out);
  EXPECT_EQ(summary["uploaded"], 0);
  EXPECT_GE(summary["items_uploaded"], 1);
  EXPECT_EQ(summary["thumbnails_uploaded"], 1);
  auto remade = client().get_object({bucket(), thumbnail_key, {}, {}});
  ASSERT_TRUE(remade.ok());
  EXPECT_EQ(remade->body, original->body);
  auto item = client().get_object({bucket(), (*record)->item_key, {}, {}});
  ASSERT_TRUE(item.ok());
  EXPECT_TRUE(nlohmann::json::parse(item->body)["assets"].contains("thumbnail")) << item->body;
  auto capture = journal().capture_by_name((*record)->name);
  ASSERT_TRUE(capture.ok() && capture->has_value());
  EXPECT_FALSE((*capture)->thumbnail_due);
  EXPECT_FALSE((*capture)->item_sha256.empty());
  EXPECT_EQ(verify(true).exit_code, 0);
}

TEST_F(SyncTest, CorpusSyncArchivesEveryFileWithItsItem) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto corpus = corpus_dir() / "images";
  auto run = imgsync(sync_args(corpus, {"--jobs", "16"}));
  EXPECT_EQ(run.exit_code, 0) << run.err;  // damaged files too: with imgsync:metadata_error
  auto oracle = nlohmann::json::parse(read_file(corpus / "expected.json"));
  auto store = journal();
  int readable = 0, arrived = 0;
  std::vector<std::string> missing;
  config::SourceFolder images;  // the default globs: what sync considers an image
  for (const auto& entry : oracle) {
    const auto path = corpus / entry["path"].get<std::string>();
    if (!app::matches_globs(path.filename().string(), images)) continue;  // .xmp sidecars, .exv
    auto record = store.find(path.string());
    ASSERT_TRUE(record.ok());
    ++readable;
    if (!record->has_value() || (*record)->state != catalog::FileState::kUploaded) {
      missing.push_back(entry["path"].get<std::string>() + ": " +
                        (record->has_value() ? (*record)->last_error : "not scanned"));
      continue;
    }
    auto head = client().head_object(bucket(), (*record)->object_key);
    ASSERT_TRUE(head.ok()) << (*record)->object_key;
    EXPECT_EQ(head->metadata["imgsync-sha256"], entry["sha256"]);
    EXPECT_TRUE(client().head_object(bucket(), (*record)->item_key).ok()) << (*record)->item_key;
    ++arrived;
  }
  EXPECT_EQ(arrived, readable) << ::testing::PrintToString(missing);
  auto failed = store.all(catalog::FileState::kFailed);
  ASSERT_TRUE(failed.ok());
  EXPECT_TRUE(failed->empty());
  EXPECT_GT(summary_of(run.out)["metadata_warnings"].get<int>(), 0);
  EXPECT_EQ(verify(false).exit_code, 0);
}

}  // namespace
}  // namespace imgsync::testing
