#!/usr/bin/env bash
# Builds ./.kafka-mock/mockbroker from librdkafka 2.15.1 sources shipped in the npm package
# @confluentinc/kafka-javascript@1.10.1 (no apt packages needed; gcc/make/python3 are on the image).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); OUT=${MOCK_DIR:-$HERE/.kafka-mock}
[ -x "$OUT/mockbroker" ] && exit 0
echo "building the Kafka mock broker (librdkafka 2.15.1) in $OUT, ~40 s ..." >&2
mkdir -p "$OUT" && cd "$OUT"
npm pack --silent @confluentinc/kafka-javascript@1.10.1 >/dev/null
tar xzf confluentinc-kafka-javascript-1.10.1.tgz package/deps/librdkafka
S=$OUT/package/deps/librdkafka
python3 "$HERE/patch-mock.py" "$S"
(cd "$S" && ./configure --disable-ssl --disable-gssapi --disable-sasl --disable-curl --disable-zstd \
   --disable-lz4-ext --disable-zlib --disable-regex-ext >../mock-configure.txt 2>&1 && make -j"$(nproc)" -C src librdkafka.a >../mock-make.txt 2>&1)
gcc -O2 -DMOCK_INTERNALS -I"$S" -I"$S/src" -o mockbroker "$HERE/mockbroker.c" "$S/src/librdkafka.a" -lm -lpthread -ldl -lrt
rm -rf package confluentinc-kafka-javascript-1.10.1.tgz
