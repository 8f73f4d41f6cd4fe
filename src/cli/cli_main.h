// Entry point of the imgsync executable: parses the command line and dispatches to a command.
#pragma once

namespace imgsync::cli {

int run(int argc, char** argv);

}  // namespace imgsync::cli
