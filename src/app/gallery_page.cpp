#include "app/gallery_page.h"

#include <string_view>

namespace imgsync::embedded {
// cmake/embed_files.cmake, from web/ (see src/app/CMakeLists.txt).
extern const std::string_view gallery_html;
extern const std::string_view leaflet_js;
extern const std::string_view leaflet_css;
}  // namespace imgsync::embedded

namespace imgsync::app {
namespace {

// Replaces the one placeholder; the template is ours, so a missing one is a build mistake.
void fill(std::string& page, std::string_view placeholder, std::string_view value) {
  const auto at = page.find(placeholder);
  if (at != std::string::npos) page.replace(at, placeholder.size(), value);
}

}  // namespace

std::string json_for_script(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string safe;
  safe.reserve(text.size());
  for (char c : text) {
    // '<' only occurs inside JSON strings, where \u003c means the same character.
    if (c == '<') {
      safe += "\\u003c";
    } else {
      safe += c;
    }
  }
  return safe;
}

std::string escape_html(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string render_gallery_page(const std::string& title, const nlohmann::json& items) {
  std::string page(embedded::gallery_html);
  // The data first: the later placeholders' values must not be searched for placeholders.
  fill(page, "/*IMGSYNC_DATA*/", json_for_script({{"title", title}, {"items", items}}));
  fill(page, "/*IMGSYNC_TITLE*/", escape_html(title));
  fill(page, "/*IMGSYNC_LEAFLET_CSS*/", embedded::leaflet_css);
  fill(page, "/*IMGSYNC_LEAFLET_JS*/", embedded::leaflet_js);
  return page;
}

}  // namespace imgsync::app
