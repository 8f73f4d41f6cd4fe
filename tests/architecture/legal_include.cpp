// Built against imgsync_s3 alone: its own headers and util's (a module it links) are found.
#include "s3/s3_client.h"
#include "util/result.h"

int layering_probe_legal() {
  return imgsync::Result<int>(1).ok() ? 0 : 1;
}
