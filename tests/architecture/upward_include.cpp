// Built against imgsync_s3 alone: s3 sits below app, so this include must not be found
// (ctest -R module_layering_upward_include expects the build to fail on it).
#include "app/sync_service.h"

int layering_probe_upward() {
  return 0;
}
