// A server that refuses every request the same way (a bad storage class, an encryption setting
// it does not support) refuses the run, not the files: after kLimit such failures in a row and
// no success, the run stops and names the setting.
#pragma once

#include <optional>
#include <string>

#include "util/result.h"

namespace imgsync::app {

class RefusalStreak {
 public:
  static constexpr int kLimit = 3;

  // A file failed with `error`; `any_success`: some file of the run went up. The error that
  // stops the run, once the streak reaches kLimit.
  std::optional<Error> note(const Error& error, bool any_success);

 private:
  int same_ = 0;
  std::string last_;
};

}  // namespace imgsync::app
