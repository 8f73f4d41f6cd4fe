// A profile's credential_process (the AWS CLI's rules): its command line is split like a shell
// would split words and run directly, without a shell; it prints JSON (Version 1).
#pragma once

#include <string>

#include "s3/credentials.h"
#include "util/result.h"

namespace imgsync::s3 {

// Runs `command_line` and parses what it prints; a failure is a kAuth error that names the
// program, never a secret.
Result<Credentials> run_credential_process(const std::string& command_line);

}  // namespace imgsync::s3
