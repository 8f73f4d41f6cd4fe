// Why a journal record is pending or failed, as its error_category column stores it: the
// category of the failure, or one of the journal's own kinds. The stored words are the journal's
// format (existing journals must still read): an ErrorCategory's to_string, "refused", "repair",
// or "" for none; they never change.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "util/result.h"

namespace imgsync::catalog {

class RecordErrorKind {
 public:
  RecordErrorKind() = default;  // none: the record never failed, or its failure was cleared
  // A failure of `category`. A failed kInvalidInput record is a file whose own bytes cannot be
  // used ("damaged"): skipped until it changes (sync_feed), not re-queued by a plain `retry`.
  explicit RecordErrorKind(ErrorCategory category) : word_(to_string(category)) {}
  // The server refused the request (a 4xx invalid-input answer): tried again by the next run.
  static RecordErrorKind refused() { return RecordErrorKind("refused"); }
  // verify found the object at the confirmed key missing or altered: the next sync replaces it.
  static RecordErrorKind repair() { return RecordErrorKind("repair"); }
  // As read from the journal: any word, one a newer imgsync wrote included, kept as it is.
  static RecordErrorKind stored(std::string word) { return RecordErrorKind(std::move(word)); }

  // The word the journal stores (and status shows).
  const std::string& word() const { return word_; }
  bool empty() const { return word_.empty(); }
  bool operator==(const RecordErrorKind&) const = default;

 private:
  explicit RecordErrorKind(std::string word) : word_(std::move(word)) {}
  std::string word_;
};

}  // namespace imgsync::catalog
