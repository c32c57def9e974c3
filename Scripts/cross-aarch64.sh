#!/usr/bin/env bash
# Cross-build vgg-run for aarch64-unknown-linux-gnu on an x86-64 Debian machine (`make cross-aarch64`),
# with Debian 13 (trixie)'s packaged Swift, from Debian's packages only (Docs/Deploying.md): a fully
# static executable, which runs on any aarch64 Linux.
#
#   Scripts/cross-aarch64.sh setup    make the toolchain (once per machine; later runs reuse it)
#   Scripts/cross-aarch64.sh build    setup, then build vgg-run into .build/aarch64/ and the C library
#                                     (libvgg_int8.so, .a, the header) into .build/aarch64/lib/
#   Scripts/cross-aarch64.sh sysroot  print the aarch64 sysroot (its arm64 packages' licences: dist.sh)
#   Scripts/cross-aarch64.sh root     print the trixie root (swiftlang's copyright, the arm64 .debs)
#   Scripts/cross-aarch64.sh swift-version   print the cross compiler's version
#   Scripts/cross-aarch64.sh run 'COMMAND'    run a shell command in the trixie root (the clone is /src)
#
# The toolchain lives outside the clone, in $VGG_CROSS_CACHE (default /var/cache/vgg-int8/cross-aarch64):
#   root/                    a trixie (amd64) root made by debootstrap: trixie's swiftlang needs
#                            glibc 2.38+, Debian 12 has 2.36, so the compiler runs chrooted there
#   root/opt/aarch64-sysroot the target: trixie's arm64 glibc, libpng, libjpeg and swiftlang's
#                            aarch64 stdlib (its lib/swift and lib/swift_static)
#   root/opt/swift-sdks/     a Swift SDK bundle naming that sysroot and the lld linker
#   root/var/cache/apt/archives, root/opt/arm64-debs   the downloaded packages
# Each step leaves a stamp; a second run on the same machine downloads nothing. Delete the folder
# to start over (never while a build runs).
#
# The chroot's mounts (/dev, /proc, the clone at /src, /opt/swift-packages read-only when it
# exists) live in a private mount namespace (unshare), so they vanish with the process and the
# cache never holds a live mount.
#
# Needs root (debootstrap, chroot, mounts). Environment: VGG_CROSS_CACHE, DEBIAN_MIRROR (default:
# the first Debian URI in /etc/apt/sources.list.d/*.sources, else deb.debian.org).
set -euo pipefail

cd "$(dirname "$0")/.."
SRC=$(pwd)
CACHE=${VGG_CROSS_CACHE:-/var/cache/vgg-int8/cross-aarch64}
ROOT=$CACHE/root
SYSROOT_IN=/opt/aarch64-sysroot           # as the chroot sees it
SYSROOT=$ROOT$SYSROOT_IN                  # as this machine sees it
SDK_NAME=debian13-aarch64
TRIPLE=aarch64-unknown-linux-gnu
SCRATCH=.build/aarch64                    # inside the clone
LIB_SCRATCH=.build/aarch64-lib-scratch    # the C library's build (-static-stdlib)
LIB_OUT=.build/aarch64/lib                # the C library as `make lib` lays it out
SUITE=trixie

# The compiler and what the manifest link needs, inside the trixie root (amd64); the -dev packages
# the whole package links, for Scripts/test-debian13-swift.sh (the apt path of Docs/Deploying.md);
# python3 for the download tests' local server (Scripts/hub-test-server.py).
HOST_PACKAGES=(swiftlang libc6-dev git ca-certificates libpng-dev libjpeg-dev libopenblas-dev libssl-dev libcurl4-openssl-dev pkg-config python3)
# The target sysroot (arm64). Headers and link-time libraries of everything vgg-run links.
TARGET_PACKAGES=(swiftlang libc6 libc6-dev linux-libc-dev libgcc-s1 libgcc-14-dev libstdc++6 libstdc++-14-dev
                 libatomic1 zlib1g zlib1g-dev libpng16-16t64 libpng-dev libjpeg62-turbo libjpeg62-turbo-dev
                 libcrypt1 libcrypt-dev libuuid1 libicu76 libxml2 gcc-14-base)

fail() { echo "cross-aarch64: $*" >&2; exit 1; }
step() { echo "== cross-aarch64: $*"; }

mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
    local uri
    uri=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
    echo "${uri:-http://deb.debian.org/debian}"
}

# Runs a shell command in the trixie root, with /dev, /proc, the clone (/src) and the local
# package mirror mounted in a private namespace.
in_root() {
    local binds="mount --rbind /dev '$ROOT/dev' && mount -t proc proc '$ROOT/proc'"
    binds+=" && mkdir -p '$ROOT/src' && mount --bind '$SRC' '$ROOT/src'"
    if [ -d /opt/swift-packages ]; then
        binds+=" && mkdir -p '$ROOT/opt/swift-packages' && mount --bind -o ro /opt/swift-packages '$ROOT/opt/swift-packages'"
        binds+=" && mount -o remount,bind,ro '$ROOT/opt/swift-packages'"
    fi
    unshare --mount --propagation private -- sh -c "$binds && exec chroot '$ROOT' /usr/bin/env -i \
        PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/bash -c \"\$0\"" "$1"
}

require_tools() {
    [ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot and mounts); run: sudo make cross-aarch64"
    for tool in unshare chroot dpkg-deb; do command -v $tool >/dev/null || fail "$tool not found"; done
    if ! command -v debootstrap >/dev/null; then
        command -v apt-get >/dev/null || fail "debootstrap not found, and no apt-get to install it"
        step "installing debootstrap"
        { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; } \
            || fail "could not get package debootstrap (apt-get install debootstrap)"
    fi
    unshare --mount --propagation private true 2>/dev/null \
        || fail "cannot make a private mount namespace (unshare --mount): this container does not allow mounts"
}

make_root() {
    [ -f "$ROOT/.vgg-root-ready" ] && return
    require_tools
    local url; url=$(mirror)
    step "debootstrap $SUITE (minbase, amd64) from $url into $ROOT"
    # An interrupted earlier run may have left a partial root; never delete through a mount.
    if [ -e "$ROOT" ]; then
        findmnt -R "$ROOT" >/dev/null 2>&1 && fail "$ROOT has filesystems mounted in it (findmnt -R $ROOT); unmount them first"
        rm -rf --one-file-system "$ROOT"
    fi
    mkdir -p "$CACHE"
    # debootstrap mounts /proc and /sys in the root: in a private namespace, so they go with it.
    if ! unshare --mount --propagation private -- \
            debootstrap --variant=minbase "$SUITE" "$ROOT" "$url" > "$CACHE/debootstrap.log" 2>&1; then
        local reason; reason=$(grep -m1 '^E:' "$CACHE/debootstrap.log" | sed 's/^E: //' || true)
        fail "could not get Debian $SUITE's base packages from $url (debootstrap: ${reason:-see $CACHE/debootstrap.log})"
    fi
    touch "$ROOT/.vgg-root-ready"
}

install_compiler() {
    # the stamp holds the package list: a longer list in a later version installs the rest
    [ "$(cat "$ROOT/.vgg-compiler-ready" 2>/dev/null)" = "${HOST_PACKAGES[*]}" ] && return
    step "apt-get install ${HOST_PACKAGES[*]} (amd64, in the $SUITE root; about 580 MB with the base system)"
    # (dpkg --configure -a: finishes what an interrupted earlier run left half-installed)
    in_root "dpkg --configure -a && apt-get update -qq" || fail "could not read the package lists of $SUITE from $(mirror)"
    for package in "${HOST_PACKAGES[@]}"; do
        in_root "apt-get install -y -qq --no-install-recommends $package >/dev/null" \
            || fail "could not get package $package ($SUITE, amd64)"
    done
    # SwiftPM resolves github.com through git; where this machine keeps local copies, use them.
    if [ -d /opt/swift-packages ]; then
        in_root "git config --system url./opt/swift-packages/.insteadOf https://github.com/"
    fi
    in_root "swift --version" | head -1
    echo "${HOST_PACKAGES[*]}" > "$ROOT/.vgg-compiler-ready"
}

make_sysroot() {
    # (the stamp: the layout's version and the package list)
    [ "$(cat "$SYSROOT/.vgg-sysroot-ready" 2>/dev/null)" = "3 ${TARGET_PACKAGES[*]}" ] && return
    step "sysroot: ${#TARGET_PACKAGES[@]} arm64 packages of $SUITE into $SYSROOT"
    in_root "dpkg --add-architecture arm64 && apt-get update -qq" || fail "could not read $SUITE's arm64 package lists"
    mkdir -p "$ROOT/opt/arm64-debs"
    # The aarch64 stdlib must be the compiler's own version.
    local swift_version
    swift_version=$(in_root "dpkg-query -W -f='\${Version}' swiftlang") || fail "swiftlang is not installed in $ROOT"
    for package in "${TARGET_PACKAGES[@]}"; do
        ls "$ROOT/opt/arm64-debs/${package}_"*_arm64.deb "$ROOT/opt/arm64-debs/${package}_"*_all.deb >/dev/null 2>&1 && continue
        local want=$package:arm64
        [ "$package" = swiftlang ] && want="swiftlang:arm64=$swift_version"
        # arm64 packages, or the Architecture: all ones (linux-libc-dev): never the amd64 build
        local get="apt-get download -qq -o APT::Sandbox::User=root"
        in_root "cd /opt/arm64-debs && if apt-cache show --no-all-versions $package:arm64 2>/dev/null | grep -q '^Architecture: arm64'; \
                 then $get '$want'; else $get $package:all; fi" \
            || fail "could not get package $want ($SUITE)"
    done
    rm -rf "$SYSROOT"
    mkdir -p "$SYSROOT"
    local extract="$CACHE/extract"
    for deb in "$ROOT"/opt/arm64-debs/*.deb; do
        case $(basename "$deb") in
            swiftlang_*)
                # Only the aarch64 stdlib and clang's resource headers; not the aarch64 compiler.
                rm -rf "$extract" && mkdir -p "$extract"
                dpkg-deb -x "$deb" "$extract"
                mkdir -p "$SYSROOT/usr/libexec/swift/lib"
                for part in swift swift_static clang; do
                    cp -a "$extract/usr/libexec/swift/lib/$part" "$SYSROOT/usr/libexec/swift/lib/"
                done
                rm -rf "$extract" ;;
            *) dpkg-deb -x "$deb" "$SYSROOT" ;;
        esac
    done
    # merged /usr: the program interpreter is /lib/ld-linux-aarch64.so.1
    [ -e "$SYSROOT/lib" ] || ln -s usr/lib "$SYSROOT/lib"
    # A fully static executable (-static-executable): Debian's static-executable-args.lnk names ICU
    # libraries it does not ship (-licui18nswift ...; Foundation brings its own ICU, linked by
    # name from its modules), and the driver reads the file from lib/swift as well as lib/swift_static.
    local lnk=usr/libexec/swift/lib/swift_static/linux/static-executable-args.lnk
    grep -v -- '^-licu' "$SYSROOT/$lnk" > "$CACHE/static-executable-args.lnk"
    cp "$CACHE/static-executable-args.lnk" "$SYSROOT/$lnk"
    cp "$CACHE/static-executable-args.lnk" "$SYSROOT/usr/libexec/swift/lib/swift/linux/static-executable-args.lnk"
    # The C library's .so with the Swift runtime inside (-static-stdlib): the driver reads
    # static-stdlib-args.lnk from lib/swift too.
    cp "$SYSROOT/usr/libexec/swift/lib/swift_static/linux/static-stdlib-args.lnk" "$SYSROOT/usr/libexec/swift/lib/swift/linux/"
    # The Swift driver reads an SDKSettings.json of every SDK it is given and warns on each file
    # when there is none or it lacks a version.
    echo '{"Version": "13.0", "CanonicalName": "debian13-aarch64", "DisplayName": "Debian 13 aarch64"}' > "$SYSROOT/SDKSettings.json"
    write_sdk
    echo "3 ${TARGET_PACKAGES[*]}" > "$SYSROOT/.vgg-sysroot-ready"
}

# A Swift SDK bundle (SwiftPM's --swift-sdks-path/--swift-sdk): the sysroot, the stdlib inside
# it, and lld (shipped with swiftlang): the default ld does not know aarch64.
write_sdk() {
    local bundle="$ROOT/opt/swift-sdks/$SDK_NAME.artifactbundle"
    local variant="$bundle/$SDK_NAME/$TRIPLE"
    mkdir -p "$variant"
    cat > "$bundle/info.json" <<EOF
{
  "schemaVersion": "1.0",
  "artifacts": {
    "$SDK_NAME": {
      "type": "swiftSDK",
      "version": "1",
      "variants": [{ "path": "$SDK_NAME/$TRIPLE", "supportedTriples": ["x86_64-unknown-linux-gnu", "x86_64-pc-linux-gnu"] }]
    }
  }
}
EOF
    cat > "$variant/swift-sdk.json" <<EOF
{
  "schemaVersion": "4.0",
  "targetTriples": {
    "$TRIPLE": {
      "sdkRootPath": "$SYSROOT_IN",
      "swiftResourcesPath": "$SYSROOT_IN/usr/libexec/swift/lib/swift",
      "swiftStaticResourcesPath": "$SYSROOT_IN/usr/libexec/swift/lib/swift_static",
      "toolsetPaths": ["toolset.json"]
    }
  }
}
EOF
    cat > "$variant/toolset.json" <<EOF
{
  "schemaVersion": "1.0",
  "linker": { "path": "/usr/libexec/swift/bin/ld.lld" },
  "swiftCompiler": { "extraCLIOptions": ["-use-ld=lld"] }
}
EOF
}

setup() {
    require_tools
    make_root
    install_compiler
    make_sysroot
}

build() {
    setup
    # Fully static: the Swift runtime, FoundationEssentials (swift-argument-parser's), glibc, libstdc++, libpng, libjpeg and zlib
    # linked in, so the binary runs on any aarch64 Linux (Raspberry Pi OS 12 and Ubuntu 20.04 too,
    # whose glibc is older than Debian 13's).
    step "swift build -c release --product vgg-run --swift-sdk $SDK_NAME --static-swift-stdlib -static-executable (scratch $SCRATCH)"
    in_root "cd /src && swift build -c release --product vgg-run --scratch-path $SCRATCH \
        --swift-sdks-path /opt/swift-sdks --swift-sdk $SDK_NAME --static-swift-stdlib -Xswiftc -static-executable \
        2>&1 | grep -v -e 'statically linked applications requires at runtime' -e 'unused during compilation: .-pie.'; \
        exit \${PIPESTATUS[0]}" \
        || fail "the aarch64 build failed (above)"
    local bin=$SCRATCH/$TRIPLE/release/vgg-run
    [ -x "$bin" ] || fail "no binary at $bin after the build"
    # The C library (as `make lib` on the host): the Swift runtime linked into the .so, only the
    # header's functions exported; and the static archive. Own scratch: -static-stdlib.
    # (-fPIC: SwiftPM compiles C for this target without it, which a shared object cannot take;
    # -L...swift_static: where this driver's -static-stdlib finds the static runtime; -z defs: no
    # symbol left undefined.)
    local abi; abi=$(sed -n 's/^#define VGG_INT8_ABI_VERSION \([0-9][0-9]*\)$/\1/p' include/vgg_int8.h)
    mkdir -p "$LIB_OUT/include"
    Scripts/build-lib.sh --map "$LIB_OUT/vgg_int8.map"
    step "swift build -c release --product vgg_int8, vgg_int8_static --swift-sdk $SDK_NAME -static-stdlib (scratch $LIB_SCRATCH)"
    for product in vgg_int8 vgg_int8_static; do
        in_root "cd /src && swift build -c release --product $product --scratch-path $LIB_SCRATCH \
            --swift-sdks-path /opt/swift-sdks --swift-sdk $SDK_NAME -Xswiftc -static-stdlib \
            -Xcc -fPIC -Xlinker -L$SYSROOT_IN/usr/libexec/swift/lib/swift_static/linux -Xlinker -z -Xlinker defs \
            -Xlinker --version-script=/src/$LIB_OUT/vgg_int8.map -Xlinker -soname=libvgg_int8.so.$abi 2>&1 \
            | grep -v -e 'unused during compilation: .-pie.'; exit \${PIPESTATUS[0]}" \
            || fail "the aarch64 library build failed (above)"
    done
    local built=$LIB_SCRATCH/$TRIPLE/release
    [ -f "$built/libvgg_int8.so" ] && [ -f "$built/libvgg_int8_static.a" ] || fail "no libraries in $built after the build"
    cp include/vgg_int8.h "$LIB_OUT/include/"
    # (strip: the Swift runtime's symbol tables, as on the host; the dynamic symbols stay)
    if command -v aarch64-linux-gnu-strip > /dev/null; then
        aarch64-linux-gnu-strip --strip-unneeded -o "$LIB_OUT/libvgg_int8.so.$abi" "$built/libvgg_int8.so"
    else
        cp "$built/libvgg_int8.so" "$LIB_OUT/libvgg_int8.so.$abi"
    fi
    ln -sf "libvgg_int8.so.$abi" "$LIB_OUT/libvgg_int8.so"
    cp "$built/libvgg_int8_static.a" "$LIB_OUT/libvgg_int8.a"
    step "$LIB_OUT: libvgg_int8.so.$abi ($(du -m "$LIB_OUT/libvgg_int8.so.$abi" | cut -f1) MB), libvgg_int8.a ($(du -m "$LIB_OUT/libvgg_int8.a" | cut -f1) MB)"
    # run through sudo: leave the build folder to the user who owns the clone
    if [ -n "${SUDO_UID:-}" ]; then chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$SCRATCH" "$LIB_SCRATCH"; fi
    step "$bin: $(file -b "$bin" | cut -d, -f1-2)"
}

case ${1:-build} in
    setup) setup ;;
    build) build ;;
    sysroot) echo "$SYSROOT" ;;
    root) echo "$ROOT" ;;
    run) [ -f "$ROOT/.vgg-compiler-ready" ] || fail "no toolchain yet (Scripts/cross-aarch64.sh setup)"
         [ -n "${2:-}" ] || fail "usage: $0 run 'COMMAND'"
         in_root "$2" ;;
    swift-version) in_root "swift --version 2>&1" | grep -o 'Swift version [^ ]* ([^)]*)' ;;
    *) fail "usage: $0 setup|build|sysroot|root|swift-version|run 'COMMAND'" ;;
esac
