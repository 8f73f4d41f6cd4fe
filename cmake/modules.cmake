# One static library per module of src/ (imgsync_<module>), linked only to the modules it may use.
# A module's headers are reached as "module/header.h" through build/module_include/<module>, which
# holds nothing but a link to src/<module>: a target sees the headers of its own module and of the
# modules it links, and an include of a higher module fails to compile ("No such file").
# tests/architecture/ proves it (ctest -R module_layering).
add_library(imgsync_third_party INTERFACE)
target_compile_definitions(imgsync_third_party INTERFACE IMGSYNC_VERSION="${PROJECT_VERSION}")
target_link_libraries(imgsync_third_party INTERFACE
  CURL::libcurl OpenSSL::Crypto OpenSSL::SSL nlohmann_json::nlohmann_json fmt::fmt
  spdlog::spdlog pugixml::pugixml SQLite::SQLite3 PkgConfig::EXIV2 PkgConfig::TOMLPP PkgConfig::VIPS
  PkgConfig::MHD ${PostgreSQL_LIBRARIES} ZLIB::ZLIB JPEG::JPEG)

# imgsync_module(NAME USES lower modules... SOURCES files...), called from src/NAME/CMakeLists.txt.
function(imgsync_module name)
  cmake_parse_arguments(ARG "" "" "USES;SOURCES" ${ARGN})
  set(root ${CMAKE_BINARY_DIR}/module_include/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${name} ${root}/${name} SYMBOLIC)
  add_library(imgsync_${name} STATIC ${ARG_SOURCES})
  target_include_directories(imgsync_${name} PUBLIC ${root})
  target_link_libraries(imgsync_${name} PUBLIC imgsync_third_party)
  foreach(use IN LISTS ARG_USES)
    target_link_libraries(imgsync_${name} PUBLIC imgsync_${use})
  endforeach()
endfunction()
