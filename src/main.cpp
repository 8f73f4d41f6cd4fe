#include "cli/cli_main.h"

int main(int argc, char** argv) { return imgsync::cli::run(argc, argv); }
