#!/usr/bin/env bash
# Installs the Debian packages a target needs when they are missing.
#   run:   a Japanese font and the libraries WeasyPrint renders PDFs with
#   test:  the above, Chromium for the browser tests, poppler-utils to look at PDFs
#   bench: the above run set and wrk, the load generator
set -euo pipefail
case "${1:-run}" in
  run) wanted=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) ;;
  test) wanted=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium poppler-utils) ;;
  bench) wanted=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 wrk) ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
