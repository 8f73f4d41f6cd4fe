// Process exit codes, as promised in DESIGN.md section 1.
#pragma once

namespace imgsync::cli {

inline constexpr int kExitOk = 0;            // all done
inline constexpr int kExitSomeFailed = 1;    // some items failed; the rest done, failures recorded
inline constexpr int kExitUsage = 2;         // usage or configuration error
inline constexpr int kExitDestination = 3;   // destination unusable: credentials, bucket, endpoint

}  // namespace imgsync::cli
