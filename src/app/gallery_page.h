// The published gallery's one page (web/gallery.html, compiled in): the template with Leaflet
// and the image list put inside, so the page needs no other file and opens from the bucket as
// it is, publicly or through a presigned link.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace imgsync::app {

// `items`: the array of gallery entries (see gallery_service.h for their fields).
std::string render_gallery_page(const std::string& title, const nlohmann::json& items);

// JSON text safe inside an HTML <script> element: no "</script>" or "<!--" can end or change it.
std::string json_for_script(const nlohmann::json& value);

// Text safe inside an HTML element.
std::string escape_html(const std::string& text);

}  // namespace imgsync::app
