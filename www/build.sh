#!/usr/bin/env bash
# Copies the wasm-bindgen `--target web` build (dist/pkg/web, made by .ci/build-pkg) into
# www/pkg/, where the console's module imports it from: the page loads only from its own origin.
set -euo pipefail
cd "$(dirname "$0")/.."

src=dist/pkg/web
if [ ! -f "$src/private_ca.js" ] || [ ! -f "$src/private_ca_bg.wasm" ]; then
  echo "www/build.sh: $src is missing; build it first with .ci/build-pkg" >&2
  exit 1
fi
rm -rf www/pkg
mkdir -p www/pkg
cp -R "$src"/. www/pkg/
echo "www/pkg: $(du -sh www/pkg | cut -f1) copied from $src"
