# Included from src/app/CMakeLists.txt: a custom command must live in the directory of the
# target that uses its output (imgsync_app).
# The gallery page and Leaflet (installed from npm into web/ by scripts/install-node-tools) are
# compiled into the binary: `imgsync publish` needs no files beside it.
set(leaflet_dist ${PROJECT_SOURCE_DIR}/web/node_modules/leaflet/dist)
set(gallery_inputs ${PROJECT_SOURCE_DIR}/web/gallery.html ${leaflet_dist}/leaflet.js
                   ${leaflet_dist}/leaflet.css)
foreach(input ${gallery_inputs})
  if(NOT EXISTS ${input})
    message(FATAL_ERROR "${input} is missing: run scripts/install-node-tools (Leaflet from npm)")
  endif()
endforeach()
set(gallery_assets ${CMAKE_BINARY_DIR}/generated/gallery_assets.cpp)
add_custom_command(
  OUTPUT ${gallery_assets}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${gallery_assets}
          "-DFILES=gallery_html=${PROJECT_SOURCE_DIR}/web/gallery.html|leaflet_js=${leaflet_dist}/leaflet.js|leaflet_css=${leaflet_dist}/leaflet.css"
          -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
  DEPENDS ${gallery_inputs} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
  COMMENT "Embedding the gallery page and Leaflet"
  VERBATIM)
target_sources(imgsync_app PRIVATE ${gallery_assets})
