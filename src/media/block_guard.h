// Runs each metadata block's reader on its own (EXIF, IPTC, XMP, a vendor block): an exception
// or error in one is recorded as "block: reason" and the others still run. Internal to media/.
#pragma once

#include <new>
#include <string>
#include <utility>

#include <exiv2/error.hpp>

#include "media/embedded_reader.h"

namespace imgsync::media {

inline bool has_content(const MetadataLayer& layer) {
  return !layer.time_candidates.empty() || layer.captured_at || layer.gps || layer.make ||
         layer.model || !layer.tags.empty() || layer.orientation || layer.width;
}

// Runs each block's reader on its own: an exception or error in one is recorded and the others
// still run; what a block gives fills what earlier blocks left open.
class BlockGuard {
 public:
  explicit BlockGuard(EmbeddedMetadata& out) : out_(out) {}

  template <typename Read>
  void read(const char* block, Read&& read) {
    try {
      accept(block, read());
    } catch (const std::bad_alloc&) {
      failed(block, "out of memory while reading it (damaged sizes?)");
    } catch (const Exiv2::AnyError& error) {
      failed(block, error.what());
    } catch (const std::exception& error) {
      failed(block, error.what());
    } catch (...) {
      failed(block, "unreadable");
    }
  }

  void failed(const char* block, const std::string& reason) {
    out_.errors.push_back(std::string(block) + ": " + reason);
  }
  void mark_read() { read_something_ = true; }
  bool read_something() const { return read_something_; }

 private:
  void accept(const char*, MetadataLayer layer) {
    read_something_ = read_something_ || has_content(layer);
    fill_missing(out_.layer, layer);
  }
  void accept(const char* block, Result<MetadataLayer> layer) {
    if (!layer.ok()) return failed(block, layer.error().message);
    accept(block, std::move(*layer));
  }

  EmbeddedMetadata& out_;
  bool read_something_ = false;
};

}  // namespace imgsync::media
