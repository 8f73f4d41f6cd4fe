// What imgsync reads from one image file: the image's own EXIF/IPTC/XMP and vendor blocks
// (embedded_reader.h), then its sidecars (sidecar_reader.h), its content type (mime_sniffer.h),
// size and SHA-256. Precedence and formats: src/media/README.md.
#pragma once

#include <filesystem>
#include <string_view>

#include "media/image_metadata.h"
#include "util/hashing.h"
#include "util/result.h"

namespace imgsync::media {

// Every file gets a result; only a file that cannot be read at all is an error (kLocalIo: missing,
// not a regular file, unreadable). Damaged or partly readable metadata, an unknown format and a
// malformed or unreadable sidecar are not errors: the result has read_status kPartial or
// kUnreadable and metadata_error says which block failed and why (a failed sidecar is skipped).
// An unknown format still has its size, SHA-256 and a MIME type from the extension
// (application/octet-stream when that says nothing). Without any capture time in the file or
// its sidecars, the file's mtime in the system's time zone is used (source
// kFileModificationTime). For sync's "every file is archived". Never throws.
// `digests`, when given, receives the file's SHA-256 and MD5 from the same single read.
Result<ImageMetadata> extract_archivable_metadata(const std::filesystem::path& file,
                                                  FileDigests* digests = nullptr);
// The same for a file whose digests the caller read already (off the transfer loop, for large
// files): the file is not read a second time for them.
Result<ImageMetadata> extract_archivable_metadata(const std::filesystem::path& file,
                                                  const FileDigests& known);

// The same, stricter: kInvalidInput when nothing of the image's own metadata could be read
// (read_status kUnreadable: not an image format imgsync recognises, or metadata so damaged no
// block was readable), or when a sidecar is malformed (kLocalIo when it is unreadable). A result
// may still be kPartial, with metadata_error naming the blocks that failed. Never throws.
Result<ImageMetadata> extract_metadata(const std::filesystem::path& file,
                                       FileDigests* digests = nullptr);

// What every readable file has without reading its metadata: size, SHA-256 (and MD5 into
// `digests` when given), a MIME type from the extension and the mtime; read_status kUnreadable
// with `reason` as metadata_error. For a file whose reader crashed or hung (worker pool).
// kLocalIo when the file cannot be read.
Result<ImageMetadata> basic_file_metadata(const std::filesystem::path& file, FileDigests* digests,
                                          const std::string& reason);
// The same with the digests the caller read already: the file is not read for them.
Result<ImageMetadata> basic_file_metadata(const std::filesystem::path& file,
                                          const FileDigests& known, const std::string& reason);

// The image's own metadata from bytes in memory: no sidecars, no hashing, no mtime fallback
// (captured_at stays empty when the bytes carry no time); kInvalidInput when unreadable, as
// extract_metadata. For fuzzing and tests. Never throws.
Result<ImageMetadata> extract_embedded_metadata(std::string_view bytes);

}  // namespace imgsync::media
