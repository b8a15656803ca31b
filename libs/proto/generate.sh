#!/usr/bin/env bash
# Regenerates the TypeScript for every .proto under protos/ with protoc and
# ts-proto, into src/gen (default) or into the directory given as $1.
#
# Usage (from anywhere):  bash libs/proto/generate.sh [OUT_DIR]
#
# The output is committed; src/generated-is-fresh.test.ts runs this script
# into a temporary directory and fails when the committed copy differs, so
# edit a .proto, run this script, and commit both.
#
# Options and why:
#   outputServices=grpc-js  service definitions + client constructors for @grpc/grpc-js
#   env=node                Buffer-free Uint8Array bytes, no browser shims
#   esModuleInterop=true    default-import style that works under Node ESM
#   forceLong=number        int64 as number (sizes and offsets stay below 2^53;
#                           ts-proto throws on larger values rather than rounding)
#   useDate=false           Timestamp stays a message; we never lose nanoseconds
#   importSuffix=.ts        Node's type stripping needs explicit .ts imports
#   enumsAsLiterals=true    enums become `as const` objects plus a literal-union
#                           type: no TypeScript `enum`, which type stripping
#                           (erasableSyntaxOnly) rejects
#   useExactTypes=false     plain DeepPartial for create()/fromPartial()
#   unrecognizedEnum=false  enum objects list exactly the spec values (no
#                           UNRECOGNIZED = -1); decode still keeps an unknown
#                           number as is, so treat enum fields as open
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/src/gen}"
plugin="$here/node_modules/.bin/protoc-gen-ts_proto"
# Debian's protobuf-compiler ships the well-known types (any, duration, ...)
# here; protoc needs them as imports, ts-proto emits TypeScript for them too.
wkt_include="${PROTOC_WKT_INCLUDE:-/usr/include}"

if ! command -v protoc >/dev/null; then
  echo "generate.sh: protoc not found; install Debian's protobuf-compiler" >&2
  exit 1
fi
if [ ! -x "$plugin" ]; then
  echo "generate.sh: $plugin missing; run pnpm install" >&2
  exit 1
fi
if [ ! -f "$wkt_include/google/protobuf/any.proto" ]; then
  echo "generate.sh: well-known types not under $wkt_include (set PROTOC_WKT_INCLUDE)" >&2
  exit 1
fi

# Generate into a fresh staging directory, then replace $out, so a failed run
# never leaves a half-written tree and files of deleted protos disappear.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

cd "$here/protos"
mapfile -t protos < <(find . -name '*.proto' -printf '%P\n' | LC_ALL=C sort)

protoc \
  --plugin=protoc-gen-ts_proto="$plugin" \
  --ts_proto_out="$stage" \
  --ts_proto_opt=outputServices=grpc-js \
  --ts_proto_opt=env=node \
  --ts_proto_opt=esModuleInterop=true \
  --ts_proto_opt=forceLong=number \
  --ts_proto_opt=useDate=false \
  --ts_proto_opt=importSuffix=.ts \
  --ts_proto_opt=enumsAsLiterals=true \
  --ts_proto_opt=useExactTypes=false \
  --ts_proto_opt=unrecognizedEnum=false \
  -I "$here/protos" \
  -I "$wkt_include" \
  "${protos[@]}"

# Drop the protoc version from the headers: it changes with Debian point
# releases without changing the output, and would make the freshness test
# flag files that are in fact current. ts-proto's version stays (it is pinned).
find "$stage" -name '*.ts' -exec sed -i '/^\/\/   protoc  *v/d' {} +

# Refuse to wipe a directory that holds anything but generated TypeScript,
# so a mistyped OUT_DIR cannot delete unrelated files.
mkdir -p "$out"
if [ -n "$(find "$out" -type f ! -name '*.ts' -print -quit)" ]; then
  echo "generate.sh: $out holds files other than .ts; refusing to replace it" >&2
  exit 1
fi
find "$out" -mindepth 1 -delete
cp -R "$stage/." "$out/"
