#!/bin/sh
# Builds the benchmark's reference packager, nginx-vod-module in Debian's nginx 1.22.1, under /tmp.
#
# Not part of the test suite or CI: run by hand (as root, on Debian bookworm) before
# `CASTERPAK_BENCH_VOD_NGINX=/tmp/vod-nginx/sbin/nginx npm run bench -- nginx-vod-module`.
# Nothing of nginx-vod-module enters CasterPak: it is only what a user would run instead.
#
#   VOD_GIT_DIR  a git directory holding nginx-vod-module (default: clone it from GitHub)
#   VOD_REF      the commit to build (default: HEAD; the README's figures are from 26f06877b0f2)
#   PREFIX       where nginx is installed (default: /tmp/vod-nginx)
set -eu

WORK=${WORK:-/tmp/vod-build}
PREFIX=${PREFIX:-/tmp/vod-nginx}
VOD_SRC=/tmp/vod-src
VOD_REF=${VOD_REF:-HEAD}
JOBS=${JOBS:-2}

# 1. Debian's nginx source: a deb-src twin of the bookworm `deb` entry, then the source package.
if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  cat >/etc/apt/sources.list.d/debian-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi
apt-get update
# The few build dependencies of a plain nginx with threads, AIO, SSL and PCRE2 (dpkg-dev unpacks the source).
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential dpkg-dev libpcre2-dev libssl-dev zlib1g-dev git

rm -rf "$WORK" "$VOD_SRC"
mkdir -p "$WORK" "$VOD_SRC"
(cd "$WORK" && apt-get source nginx)
NGINX_SRC=$(find "$WORK" -maxdepth 1 -type d -name 'nginx-1.22.1*' | head -n 1)
test -n "$NGINX_SRC"

# 2. nginx-vod-module's public source, at a known commit.
if [ -z "${VOD_GIT_DIR:-}" ]; then
  VOD_GIT_DIR="$WORK/nginx-vod-module.git"
  git clone --bare https://github.com/kaltura/nginx-vod-module.git "$VOD_GIT_DIR"
fi
git --git-dir="$VOD_GIT_DIR" archive "$VOD_REF" | tar -x -C "$VOD_SRC"
echo "nginx-vod-module $(git --git-dir="$VOD_GIT_DIR" rev-parse "$VOD_REF")"

# 3. nginx with the module, optimised, installed under $PREFIX.
cd "$NGINX_SRC"
./configure --prefix="$PREFIX" \
  --add-module="$VOD_SRC" \
  --with-threads --with-file-aio \
  --with-cc-opt='-O3' \
  --with-http_ssl_module
make -j"$JOBS"
rm -rf "$PREFIX"
make install
"$PREFIX/sbin/nginx" -V
