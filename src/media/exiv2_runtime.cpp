#include "media/exiv2_runtime.h"

#include <mutex>

#include <exiv2/exiv2.hpp>

namespace imgsync::media {

namespace {

// Exiv2 reports damaged files through LogMsg; the extractor reports them through Result instead.
void discard_exiv2_message(int /*level*/, const char* /*message*/) {}

std::recursive_mutex& xmp_toolkit_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

void lock_xmp_toolkit(void* data, bool lock) {
  auto* mutex = static_cast<std::recursive_mutex*>(data);
  if (lock) {
    mutex->lock();
  } else {
    mutex->unlock();
  }
}

}  // namespace

void initialize_exiv2() {
  static std::once_flag once;
  std::call_once(once, [] {
    Exiv2::LogMsg::setHandler(discard_exiv2_message);
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::XmpParser::initialize(lock_xmp_toolkit, &xmp_toolkit_mutex());
#ifdef EXV_ENABLE_BMFF
    Exiv2::enableBMFF(true);
#endif
  });
}

bool exiv2_supports_bmff() {
#ifdef EXV_ENABLE_BMFF
  return true;
#else
  return false;
#endif
}

}  // namespace imgsync::media
