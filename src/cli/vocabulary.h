// One vocabulary across commands (docs/design.md §1): the destination is `--to
// s3://BUCKET[/PREFIX]` in every command, a time range is `--since`/`--until`. The spellings of
// earlier releases (`--destination`; `--from` and a time given to `--to` in search and publish
// --filter) still work for this release, hidden from --help, with a deprecation note on stderr.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace imgsync::cli {

// "sync", "index rebuild": the command as a user types it after `imgsync`.
std::string command_path(const CLI::App& command);

// "imgsync search: warning: --from is deprecated and goes away in the next release: use --since"
void note_deprecated(const std::string& command, const std::string& old_spelling,
                     const std::string& new_spelling);

// --to s3://BUCKET[/PREFIX] into `to`, and the hidden --destination alias into `alias` (kept
// apart: in search an old `--to TIME` may come with it; resolve_sync_setup merges them).
void add_destination_option(CLI::App& command, std::string& to, std::string& alias);

// True when `value` given to --to looks like a time (a digit first) rather than an s3:// URI:
// the old search meaning of --to.
bool looks_like_time(const std::string& value);

}  // namespace imgsync::cli
