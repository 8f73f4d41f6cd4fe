// An extraction result (ImageMetadata or Error, plus the file's digests) as bytes and back,
// exactly: every field, doubles bit for bit. The worker pool passes results between processes
// with it (CBOR). Internal to media/.
#pragma once

#include <string>
#include <string_view>

#include "media/image_metadata.h"
#include "util/hashing.h"
#include "util/result.h"

namespace imgsync::media {

struct ExtractionOutcome {
  Result<ImageMetadata> metadata = make_error(ErrorCategory::kFatal, "not read");
  FileDigests digests{};
};

std::string encode_outcome(const ExtractionOutcome& outcome);

// kFatal when the bytes are not an encoded outcome (a worker wrote garbage: a bug).
Result<ExtractionOutcome> decode_outcome(std::string_view bytes);

}  // namespace imgsync::media
