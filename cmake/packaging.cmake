# What `cmake --install` and the Debian package (scripts/package, CPack) contain: the binary, a
# man page and bash completion generated from the CLI's own --help (scripts/gen-cli-docs), the
# systemd unit and the user documents.
include(GNUInstallDirs)

install(TARGETS imgsync RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(IMGSYNC_CLI_DOCS_DIR ${PROJECT_BINARY_DIR}/cli-docs)
add_custom_command(
  OUTPUT ${IMGSYNC_CLI_DOCS_DIR}/imgsync.1.gz ${IMGSYNC_CLI_DOCS_DIR}/imgsync.bash
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/gen-cli-docs $<TARGET_FILE:imgsync> ${IMGSYNC_CLI_DOCS_DIR}
  COMMAND gzip -9 -n -f ${IMGSYNC_CLI_DOCS_DIR}/imgsync.1
  DEPENDS imgsync ${PROJECT_SOURCE_DIR}/scripts/gen-cli-docs
  COMMENT "man page and bash completion from imgsync --help")
add_custom_target(imgsync_cli_docs ALL DEPENDS ${IMGSYNC_CLI_DOCS_DIR}/imgsync.1.gz)
install(FILES ${IMGSYNC_CLI_DOCS_DIR}/imgsync.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${IMGSYNC_CLI_DOCS_DIR}/imgsync.bash
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME imgsync)

# The unit runs the installed binary.
file(READ ${PROJECT_SOURCE_DIR}/packaging/imgsync-watch.service IMGSYNC_UNIT)
string(REPLACE "/usr/local/bin/imgsync" "${CMAKE_INSTALL_FULL_BINDIR}/imgsync" IMGSYNC_UNIT
               "${IMGSYNC_UNIT}")
file(WRITE ${PROJECT_BINARY_DIR}/packaging/imgsync-watch.service "${IMGSYNC_UNIT}")
install(FILES ${PROJECT_BINARY_DIR}/packaging/imgsync-watch.service
        DESTINATION lib/systemd/system)

file(GLOB IMGSYNC_USER_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${IMGSYNC_USER_DOCS} ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME imgsync)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "turn folders of images into a verified, searchable archive on S3")
set(CPACK_PACKAGE_DESCRIPTION
    "imgsync uploads folders of processed images to Amazon S3 or an S3-compatible store with STAC metadata, resumable and verified, and offers search, share links and a web gallery.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # imgsync_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "imgsync developers <imgsync@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the libraries the binary links
set(CPACK_PACKAGE_CONTACT "imgsync developers <imgsync@localhost>")
include(CPack)
