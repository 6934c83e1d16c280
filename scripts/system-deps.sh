#!/usr/bin/env bash
# Make sure the Debian/Ubuntu packages OneWindow needs are present.
#   scripts/system-deps.sh run   -> what the program needs (Tk, venv, CJK fonts with the rare name characters)
#   scripts/system-deps.sh test  -> plus what the test suite needs (Xvfb, poppler, PostgreSQL,
#                                   Debian's Chromium, which the console tests drive through Playwright,
#                                   and nginx and openssl for tests/stack)
#   scripts/system-deps.sh stack -> plus what `make stack` runs: PostgreSQL, nginx, openssl
# As root it installs what is missing; otherwise it prints the one command to run.
set -euo pipefail
# fonts-hanazono (HanaMinA/B: Ext-A, Ext-B) and fonts-babelstone-han (Ext-A to Ext-G) carry the
# rare characters of names (吉𠮷祥, 郭𡒄) that WenQuanYi lacks; both are TrueType, so notices embed them.
want=(python3-venv python3-tk fonts-wqy-zenhei fonts-hanazono fonts-babelstone-han)
case "${1:-run}" in
  test) want+=(xvfb xauth poppler-utils postgresql chromium nginx-light openssl) ;;
  stack) want+=(postgresql nginx-light openssl) ;;
esac
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian-like system; make sure these are installed: ${want[*]}" >&2
  exit 0
fi
missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    # A Python built outside Debian (pyenv, python.org) brings its own venv and tkinter.
    python3-venv) python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && continue ;;
    python3-tk) python3 -c 'import tkinter' >/dev/null 2>&1 && continue ;;
    # Any of Debian's nginx flavours (nginx, nginx-full, nginx-extras) serves as well as nginx-light.
    nginx-light) [ -x /usr/sbin/nginx ] && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "OneWindow needs these system packages. Please run:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
