#!/bin/bash
# Checks what a packager gets from a build (docs/install.md): `cmake --install` into a
# DESTDIR, then the staged tree is moved elsewhere and must work there on its own, and the
# Debian package built by CPack must declare its dependencies and its conffile.
#
#   install_test.sh BUILD_DIR [DEB_DIR]   install tree, and the .deb when cpack and dpkg-deb
#                                         exist (kept in DEB_DIR when given)
#   install_test.sh --no-deb BUILD_DIR    install tree only (ctest: packaging the 200 MB
#                                         sanitizer binary takes minutes; CI packages Release)
#
# "On its own" is proved rather than assumed: every RUNPATH in the tree is $ORIGIN-relative,
# `ldd` resolves nothing from the build directory and misses nothing, and the moved binary
# runs `version` and `check` with LD_LIBRARY_PATH unset.
set -euo pipefail
deb=1
if [[ $1 == --no-deb ]]; then deb=0; shift; fi
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH
fail() { echo "FAIL: $*" >&2; exit 1; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
prefix=$(cache CMAKE_INSTALL_PREFIX)
# What the build says it is: the generated header (app/CMakeLists.txt).
header=$build/app/generated/app/version.h
version=$(sed -n 's/^#define REBOUND_VERSION "\(.*\)"$/\1/p' "$header")
revision=$(sed -n 's/^#define REBOUND_REVISION "\(.*\)"$/\1/p' "$header")
[[ -n $version && -n $revision ]] || fail "no version in $header"

# Checks an installed tree ROOT (prefix PREFIX inside it): binaries, libraries, config.
check_tree() {
  local root=$1 what=$2
  local bin=$root$prefix/bin/rebound
  [[ -x $bin ]] || fail "$what: no $prefix/bin/rebound"
  # (docs/kubesim.md is documentation, not the tool)
  [[ -z $(find "$root" \( -path '*/kubesim*' -o -path '*/tests/*' \) -not -path '*/doc/*') ]] ||
    fail "$what: test tools or tests were installed"

  local elf runpath
  while IFS= read -r elf; do
    runpath=$(readelf -d "$elf" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p')
    # shellcheck disable=SC2016 # a literal $ORIGIN
    if [[ -n $runpath && $runpath != '$ORIGIN'* ]]; then
      fail "$what: ${elf#"$root"} has RUNPATH $runpath"
    fi
  done < <(find "$root" -type f -exec sh -c 'head -c4 "$1" | grep -q ELF' _ {} \; -print)

  local libs
  libs=$(ldd "$bin")
  if grep -F "$build" <<<"$libs"; then fail "$what: rebound loads libraries from the build tree"; fi
  if grep 'not found' <<<"$libs"; then fail "$what: rebound misses libraries"; fi

  local out
  out=$("$bin" version)
  [[ $out == "rebound $version (revision $revision)" ]] ||
    fail "$what: rebound version printed '$out', the build is $version $revision"

  # The config names the playbooks by their final path (under PREFIX): as installed, it must
  # pass as is; pointed at this tree, it must load every shipped playbook.
  local config=$root/etc/rebound/rebound.yaml
  [[ $prefix == /usr ]] || config=$root$prefix/etc/rebound/rebound.yaml
  [[ -f $config ]] || fail "$what: no rebound.yaml"
  "$bin" check -c "$config" >/dev/null || fail "$what: rebound check -c $config"
  local here=$work/here.yaml
  sed "s|$prefix/share/rebound/|$root$prefix/share/rebound/|" "$config" >"$here"
  local shipped
  shipped=$(find "$root$prefix/share/rebound/playbooks" -maxdepth 1 -name '*.yaml' | wc -l)
  [[ $shipped -gt 0 ]] || fail "$what: no playbooks installed"
  out=$("$bin" check -c "$here") || fail "$what: rebound check on the installed playbooks"
  [[ $out == *"in $shipped file(s))" ]] || fail "$what: check loaded '$out', $shipped files shipped"
  for dir in rules alerts dashboards; do
    [[ -n $(ls "$root$prefix/share/rebound/$dir") ]] || fail "$what: share/rebound/$dir empty"
  done
  [[ -f $root$prefix/share/doc/rebound/docs/configuration.md ]] || fail "$what: no docs"

  local unit=$root$prefix/lib/systemd/system/rebound.service
  [[ -f $unit ]] || fail "$what: no systemd unit"
  grep -q "^ExecStart=$prefix/bin/rebound run -c " "$unit" || fail "$what: ExecStart"
  if command -v systemd-analyze >/dev/null; then
    # Against this system's units, with the binary of this tree; an unknown key is only a
    # warning for systemd, so any output fails too. The hardening must keep the exposure
    # score systemd computes at 2.0 or below ("OK"; 1.5 today).
    local here_unit=$work/rebound.service
    sed "s|$prefix/bin/rebound|$root$prefix/bin/rebound|" "$unit" >"$here_unit"
    if ! out=$(systemd-analyze verify "$here_unit" 2>&1) || [[ -n $out ]]; then
      fail "$what: systemd-analyze verify: $out"
    fi
    systemd-analyze security --offline=yes --threshold=20 "$here_unit" >/dev/null 2>&1 ||
      fail "$what: systemd-analyze security: exposure above 2.0"
  fi
  echo "ok: $what"
}

DESTDIR=$work/stage cmake --install "$build" >/dev/null
mv "$work/stage" "$work/moved"
check_tree "$work/moved" "cmake --install (DESTDIR, then moved)"

if [[ $deb == 1 ]] && command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
  deb_dir=${2:-$work/deb}
  mkdir -p "$deb_dir" && deb_dir=$(cd "$deb_dir" && pwd)  # cpack runs in $work
  (cd "$work" && cpack -G DEB -B "$deb_dir" --config "$build/CPackConfig.cmake" >/dev/null)
  deb=$(ls "$deb_dir"/rebound_*.deb)
  info=$(dpkg-deb -I "$deb")
  depends=$(sed -n 's/^ Depends: //p' <<<"$info")
  for package in libc6 libstdc++6 libssl3 libmicrohttpd12 libyaml-cpp0.7 libcurl4 libcctz2 tzdata; do
    [[ $depends == *"$package"* ]] || fail ".deb: Depends lacks $package: $depends"
  done
  conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
  config_path=/etc/rebound/rebound.yaml
  [[ $prefix == /usr ]] || config_path=$prefix/etc/rebound/rebound.yaml
  [[ $conffiles == "$config_path" ]] || fail ".deb: conffiles is '$conffiles'"
  dpkg-deb -x "$deb" "$work/extracted"
  check_tree "$work/extracted" ".deb (Depends: $depends)"
fi
