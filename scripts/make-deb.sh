#!/usr/bin/env bash
# Builds the Debian packages from a built tree (make deb):
#   signet_<version>_<arch>.deb         the server signetd (systemd unit, settings, the
#                                        `signet` user and root key) and the CLI signet
#   signet-pkcs11_<version>_<arch>.deb  the PKCS#11 module and its configuration example, for
#                                        build machines
# `cmake --install --prefix /usr --strip` into a staging root, the module's files moved to a
# second root, the control files of packaging/debian/, dependencies from dpkg-shlibdeps, then
# dpkg-deb. Prints the path of each package, one a line.
# usage: make-deb.sh [BUILD_DIR [OUT_DIR]]   (default: build, BUILD_DIR/deb)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$(realpath "${1:-$repo/build}")"
out="$(realpath -m "${2:-$build/deb}")"
for tool in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
  command -v "$tool" >/dev/null || { echo "make-deb: $tool is missing; run scripts/install-deps.sh" >&2; exit 1; }
done
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
[[ -n "$version" ]] || { echo "make-deb: $build is not a configured build tree" >&2; exit 1; }
arch="$(dpkg --print-architecture)"
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
server="$stage/signet"
module="$stage/signet-pkcs11"
umask 022
DESTDIR="$server" cmake --install "$build" --prefix /usr --strip >/dev/null

# The module, its link at the path the docs use, its guide and its configuration example
# belong to signet-pkcs11.
move() {  # move PATH (relative to the roots) from the server's root to the module's
  mkdir -p "$(dirname "$module/$1")"
  mv "$server/$1" "$module/$1"
}
move "usr/lib/$multiarch/pkcs11/libsignet-pkcs11.so"
move usr/lib/signet/libsignet-pkcs11.so
rmdir "$server/usr/lib/$multiarch/pkcs11" "$server/usr/lib/$multiarch" "$server/usr/lib/signet" "$server/usr/lib"
mkdir -p "$module/usr/share/doc/signet-pkcs11/examples"
mv "$server/usr/share/doc/signet/pkcs11.md" "$module/usr/share/doc/signet-pkcs11/pkcs11.md"
mv "$server/usr/share/doc/signet/examples/pkcs11.json" "$module/usr/share/doc/signet-pkcs11/examples/pkcs11.json"
rmdir "$server/usr/share/doc/signet/examples"

# build_package NAME ROOT CONTROL_TEMPLATE ELF_FILE...: copyright, changelog, control (with
# the ELF files' shared-library dependencies), md5sums, then the .deb.
build_package() {
  local name="$1" root="$2" template="$3"
  shift 3
  local doc="$root/usr/share/doc/$name"
  mkdir -p "$doc"
  install -m 0644 "$repo/packaging/debian/copyright" "$doc/copyright"
  sed "s/@VERSION@/$version/" "$repo/packaging/debian/changelog" | gzip -9n > "$doc/changelog.gz"  # native
  chmod 0644 "$doc/changelog.gz"
  # dpkg-shlibdeps wants a debian/control next to the files.
  rm -rf "$stage/debian"
  mkdir -p "$stage/debian"
  printf 'Source: signet\n\nPackage: %s\nArchitecture: any\n' "$name" > "$stage/debian/control"
  local args=() file depends size
  for file in "$@"; do args+=(-e "$(basename "$root")/$file"); done
  depends="$(cd "$stage" && dpkg-shlibdeps -O "${args[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
  [[ -n "$depends" ]] || { echo "make-deb: dpkg-shlibdeps found no dependencies for $name" >&2; exit 1; }
  mkdir -p "$root/DEBIAN"
  size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
      "$template" > "$root/DEBIAN/control"
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) \
    > "$root/DEBIAN/md5sums"
  find "$root/DEBIAN" -type f -exec chmod 0644 {} +
  [[ ! -e "$root/DEBIAN/postinst" ]] || chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
  find "$root" -type d -exec chmod 0755 {} +
  mkdir -p "$out"
  local deb="$out/${name}_${version}_${arch}.deb"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
  echo "$deb"
}

mkdir -p "$server/DEBIAN"
for script in postinst prerm postrm; do
  install -m 0755 "$repo/packaging/debian/$script" "$server/DEBIAN/$script"
done
echo /etc/signet/signetd.conf > "$server/DEBIAN/conffiles"
build_package signet "$server" "$repo/packaging/debian/control.in" usr/bin/signetd usr/bin/signet
build_package signet-pkcs11 "$module" "$repo/packaging/debian/control-pkcs11.in" \
  "usr/lib/$multiarch/pkcs11/libsignet-pkcs11.so"
