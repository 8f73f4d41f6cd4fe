#include <malloc.h>

#include "cli/cli_main.h"

int main(int argc, char** argv) {
  // Memory freed is kept for the next allocation rather than handed back to the kernel at once:
  // a sync allocates and frees buffers of a few hundred KiB to a few MiB per file (reads, hashes,
  // request bodies, thumbnails), and glibc's defaults (mmap above 128 KiB, trim above 128 KiB
  // free) made each one an mmap, a page fault per 4 KiB touched and a munmap. Measured on a
  // 600-file sync: a third less system time, the same peak RSS (docs/benchmarks.md).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  return imgsync::cli::run(argc, argv);
}
