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

# Each module compiles as a few unity batches (CMake's UNITY_BUILD: its .cpp files included eight
# to a file), which parses the heavy third-party headers (CLI11, fmt, spdlog, nlohmann/json,
# Exiv2) once per batch instead of once per file: a cold build of src/ takes well under half the
# CPU time (README, Development). The price is that names in anonymous namespaces must differ
# within a module, which the build checks. -DIMGSYNC_UNITY_BUILD=OFF compiles file by file.
option(IMGSYNC_UNITY_BUILD "Compile each module of src/ in unity batches" ON)

# imgsync_unity(TARGET): TARGET compiles in unity batches when IMGSYNC_UNITY_BUILD is on. GCC's
# -Wsubobject-linkage, meant for headers, would flag every class of a .cpp that holds a type of
# its anonymous namespace once that .cpp is included into a batch.
function(imgsync_unity target)
  if(IMGSYNC_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
    endif()
  endif()
endfunction()

# imgsync_module(NAME USES lower modules... SOURCES files...), called from src/NAME/CMakeLists.txt.
function(imgsync_module name)
  cmake_parse_arguments(ARG "" "" "USES;SOURCES" ${ARGN})
  set(root ${CMAKE_BINARY_DIR}/module_include/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${name} ${root}/${name} SYMBOLIC)
  add_library(imgsync_${name} STATIC ${ARG_SOURCES})
  target_include_directories(imgsync_${name} PUBLIC ${root})
  target_link_libraries(imgsync_${name} PUBLIC imgsync_third_party)
  imgsync_unity(imgsync_${name})
  foreach(use IN LISTS ARG_USES)
    target_link_libraries(imgsync_${name} PUBLIC imgsync_${use})
  endforeach()
endfunction()
