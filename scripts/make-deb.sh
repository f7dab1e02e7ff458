#!/usr/bin/env bash
# Builds the Debian package signet_<version>_<arch>.deb from a built tree (make deb):
# `cmake --install --prefix /usr --strip` into a staging root, the maintainer scripts and
# control file of packaging/debian/, dependencies from dpkg-shlibdeps, then dpkg-deb.
# usage: make-deb.sh [BUILD_DIR [OUT_DIR]]   (default: build, BUILD_DIR/deb)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$(realpath "${1:-$repo/build}")"
out="$(realpath -m "${2:-$build/deb}")"
for tool in dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "make-deb: $tool is missing; run scripts/install-deps.sh" >&2; exit 1; }
done
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
[[ -n "$version" ]] || { echo "make-deb: $build is not a configured build tree" >&2; exit 1; }
arch="$(dpkg --print-architecture)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/signet"
umask 022
DESTDIR="$root" cmake --install "$build" --prefix /usr --strip >/dev/null

doc="$root/usr/share/doc/signet"
install -m 0644 "$repo/packaging/debian/copyright" "$doc/copyright"
sed "s/@VERSION@/$version/" "$repo/packaging/debian/changelog" | gzip -9n > "$doc/changelog.gz"  # a native package
chmod 0644 "$doc/changelog.gz"

# Shared-library dependencies of the binaries and the module (dpkg-shlibdeps wants a
# debian/control next to it).
mkdir -p "$stage/debian"
printf 'Source: signet\n\nPackage: signet\nArchitecture: any\n' > "$stage/debian/control"
depends="$(cd "$stage" && dpkg-shlibdeps -O -e signet/usr/bin/signetd -e signet/usr/bin/signet \
             -e "signet/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/pkcs11/libsignet-pkcs11.so" 2>/dev/null \
           | sed -n 's/^shlibs:Depends=//p')"
[[ -n "$depends" ]] || { echo "make-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
    "$repo/packaging/debian/control.in" > "$root/DEBIAN/control"
for script in postinst prerm postrm; do
  install -m 0755 "$repo/packaging/debian/$script" "$root/DEBIAN/$script"
done
echo /etc/signet/signetd.conf > "$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) \
  > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 0755 {} +

mkdir -p "$out"
deb="$out/signet_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
