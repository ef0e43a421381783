#!/bin/sh
# One-shot job of 01-core/docker-compose.yml (service minio-init, image minio/minio, which
# ships `mc`): creates each bucket of $MINIO_BUCKETS on $MINIO_URL if it does not exist yet.
# Idempotent, so it runs on every start of the core stack.
set -eu

: "${MINIO_URL:?MINIO_URL is not set}"
: "${MINIO_ROOT_USER:?MINIO_ROOT_USER is not set}"
: "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD is not set}"
: "${MINIO_BUCKETS:?MINIO_BUCKETS is not set}"

mc alias set core "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
for bucket in $MINIO_BUCKETS; do
  mc mb --ignore-existing "core/$bucket"
done
echo "buckets ready: $MINIO_BUCKETS"
