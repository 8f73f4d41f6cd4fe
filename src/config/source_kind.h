// Which asset of a capture a file is: its camera original (raw) or a processed output
// (enhanced). Set by a [[source]] of imgsync.toml (or sync's --raw-source / --source), kept in
// the journal's records as the word to_string gives.
#pragma once

#include <optional>
#include <string_view>

namespace imgsync::config {

enum class SourceKind { kRaw, kEnhanced };

// "raw" or "enhanced".
const char* to_string(SourceKind kind);
// The kind a word names; nullopt for any other word.
std::optional<SourceKind> source_kind_named(std::string_view word);

}  // namespace imgsync::config
