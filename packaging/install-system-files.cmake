# Run by `cmake --install` (install(CODE) in packaging/CMakeLists.txt), so that the paths follow
# the prefix given at install time (--prefix, or the configured CMAKE_INSTALL_PREFIX):
#   prefix /usr:   /etc/signet/signetd.conf and /lib/systemd/system/signetd.service (Debian 12)
#   other prefix:  <prefix>/etc/signet/signetd.conf and <prefix>/lib/systemd/system/...
# and the unit's ExecStart names <prefix>/bin/signetd. Inputs: SIGNET_PACKAGING (this folder),
# SIGNET_PKCS11_DIR (the module's folder relative to the prefix).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc /etc)
  set(unit_dir /lib/systemd/system)
else()
  set(etc ${CMAKE_INSTALL_PREFIX}/etc)
  set(unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(SIGNET_BIN_DIR ${CMAKE_INSTALL_PREFIX}/bin)
set(SIGNET_CONF_DIR ${etc}/signet)
set(SIGNET_DOC_DIR ${CMAKE_INSTALL_PREFIX}/share/doc/signet)
set(root "$ENV{DESTDIR}")

configure_file(${SIGNET_PACKAGING}/signetd.service.in ${root}${unit_dir}/signetd.service @ONLY)
file(CHMOD ${root}${unit_dir}/signetd.service PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
message(STATUS "Installing: ${root}${unit_dir}/signetd.service")
file(INSTALL ${SIGNET_PACKAGING}/signetd.conf DESTINATION ${etc}/signet  # file(INSTALL) adds DESTDIR
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# <prefix>/lib/signet/libsignet-pkcs11.so -> the module (the path the docs use).
file(MAKE_DIRECTORY ${root}${CMAKE_INSTALL_PREFIX}/lib/signet)
file(RELATIVE_PATH target ${CMAKE_INSTALL_PREFIX}/lib/signet
     ${CMAKE_INSTALL_PREFIX}/${SIGNET_PKCS11_DIR}/libsignet-pkcs11.so)
file(CREATE_LINK ${target} ${root}${CMAKE_INSTALL_PREFIX}/lib/signet/libsignet-pkcs11.so SYMBOLIC)
message(STATUS "Installing: ${root}${CMAKE_INSTALL_PREFIX}/lib/signet/libsignet-pkcs11.so -> ${target}")
