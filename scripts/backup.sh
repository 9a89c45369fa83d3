#!/usr/bin/env bash
# Backs up Lighthouse's PostgreSQL database with pg_dump; see usage() below.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/backup.sh [--help] [DATABASE_URL]

Dumps the database at DATABASE_URL (or the URL given as the argument) with
pg_dump in custom format (-Fc, compressed) to
  $BACKUP_DIR/lighthouse-<UTC timestamp>.dump
with a manifest beside it,
  $BACKUP_DIR/lighthouse-<UTC timestamp>.manifest.json
(sha256, size, pg_dump and server versions, TimescaleDB version, migration head),
then keeps the newest BACKUP_KEEP dumps in BACKUP_DIR and deletes older ones.
scripts/restore.sh restores a dump and checks it against its manifest.

Environment:
  DATABASE_URL    postgres://user:password@host:5432/db (unless given as the argument)
  BACKUP_DIR      where dumps go (default ./backups; created, mode 700)
  BACKUP_KEEP     how many local dumps to keep (default 14; 0 keeps all)
  BACKUP_S3_URI   s3://bucket/prefix: also upload the dump and its manifest there
                  with the aws CLI (which must then be on PATH). Old objects are
                  not deleted here: give the bucket a lifecycle rule.

pg_dump must be of the server's major version or newer (pg_dump refuses an older
one). The dump is consistent (one snapshot) and the database stays online;
pg_dump holds a light lock on every table until it ends, so DDL such as creating
or dropping a check_history partition waits for it.

Not in the dump: ENCRYPTION_KEY. Channel secrets and target configs are sealed
with it, and a restored database is useless without the key that sealed it: keep
the key, separately from the dumps, for as long as you keep the dumps.

Exit status: 0 on success; 1 on any failure (including an upload that could not
be made: the local dump is kept); 2 on a usage error.
EOF
}

die() {
  echo "backup: error: $*" >&2
  exit 1
}
note() { echo "backup: $*"; }

# postgres://user:secret@host/db -> postgres://user:***@host/db, for messages
redact() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{print $1}'
  else
    die "neither sha256sum nor shasum is on PATH"
  fi
}

json_string() {
  # a JSON string for values without control characters (versions, names, digests)
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}

url=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      echo "backup: unknown option $1" >&2
      usage >&2
      exit 2
      ;;
    *)
      if [ -n "$url" ]; then
        echo "backup: one database URL at most" >&2
        exit 2
      fi
      url=$1
      ;;
  esac
  shift
done
url=${url:-${DATABASE_URL:-}}
[ -n "$url" ] || {
  echo "backup: no database: set DATABASE_URL or give a postgres:// URL (see --help)" >&2
  exit 2
}

backup_dir=${BACKUP_DIR:-./backups}
keep=${BACKUP_KEEP:-14}
s3_uri=${BACKUP_S3_URI:-}
[[ $keep =~ ^[0-9]+$ ]] || die "BACKUP_KEEP must be a whole number (got '$keep')"
if [ -n "$s3_uri" ] && [[ $s3_uri != s3://* ]]; then
  die "BACKUP_S3_URI must look like s3://bucket/prefix (got '$s3_uri')"
fi

for tool in pg_dump pg_restore psql; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is not on PATH: install the PostgreSQL client tools of the server's major version"
done

# Dumps hold wallet addresses, emails, hashed tokens and sealed secrets: owner-only files.
umask 077

psql_value() {
  psql -X -w -q -A -t -v ON_ERROR_STOP=1 -d "$url" -c "$1"
}

info=$(psql_value "SELECT current_setting('server_version_num') || '|' || current_setting('server_version') || '|' || current_database() || '|' || coalesce((SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'), '')") ||
  die "cannot query $(redact "$url") (is the URL right, and the server up?)"
IFS='|' read -r server_num server_version database timescale_version <<<"$info"
server_major=$((server_num / 10000))

dump_version=$(pg_dump --version | awk '{print $3}')
dump_major=${dump_version%%.*}
dump_major=${dump_major%%[!0-9]*}
if [ "${dump_major:-0}" -lt "$server_major" ]; then
  die "pg_dump $dump_version is older than the server (PostgreSQL $server_version) and cannot dump it: put the client tools of major $server_major first on PATH"
fi

migration_head=""
if [ "$(psql_value "SELECT to_regclass('lighthouse_migrations') IS NOT NULL")" = t ]; then
  migration_head=$(psql_value "SELECT coalesce(max(name), '') FROM lighthouse_migrations")
else
  note "warning: no lighthouse_migrations table: is this a Lighthouse database?"
fi

mkdir -p "$backup_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
while [ -e "$backup_dir/lighthouse-$stamp.dump" ]; do
  sleep 1
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
done
name="lighthouse-$stamp"
dump="$backup_dir/$name.dump"
manifest="$backup_dir/$name.manifest.json"
partial="$backup_dir/.$name.dump.partial"
trap 'rm -f "$partial" "$partial.json"' EXIT

note "dumping $(redact "$url") (PostgreSQL $server_version${timescale_version:+, TimescaleDB $timescale_version}) with pg_dump $dump_version"
if [ -n "$timescale_version" ]; then
  note "TimescaleDB: warnings about circular foreign-key constraints in its catalog are expected; scripts/restore.sh runs timescaledb_pre_restore()/post_restore() around the restore"
fi
started=$(date +%s)
pg_dump -w --format=custom --dbname="$url" --file="$partial" ||
  die "pg_dump failed; nothing was written to $backup_dir"
pg_restore --list "$partial" >/dev/null 2>&1 ||
  die "the dump pg_dump wrote cannot be read back by pg_restore --list"

size=$(wc -c <"$partial" | tr -d ' ')
digest=$(sha256_of "$partial")
{
  echo "{"
  echo "  \"file\": $(json_string "$name.dump"),"
  echo "  \"created_at\": $(json_string "$(date -u -d "@$started" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$started" +%Y-%m-%dT%H:%M:%SZ)"),"
  echo "  \"sha256\": $(json_string "$digest"),"
  echo "  \"size_bytes\": $size,"
  echo "  \"format\": \"custom\","
  echo "  \"database\": $(json_string "$database"),"
  echo "  \"server_version\": $(json_string "$server_version"),"
  echo "  \"pg_dump_version\": $(json_string "$dump_version"),"
  echo "  \"timescaledb_version\": $(json_string "$timescale_version"),"
  echo "  \"migration_head\": $(json_string "$migration_head")"
  echo "}"
} >"$partial.json"
mv "$partial.json" "$manifest"
mv "$partial" "$dump"
note "wrote $dump ($size bytes, sha256 $digest, migration head ${migration_head:-none}) in $(($(date +%s) - started)) s"

# Keep the newest $keep dumps (names sort by time) with their manifests.
if [ "$keep" -gt 0 ]; then
  find "$backup_dir" -maxdepth 1 -type f -name 'lighthouse-*.dump' | LC_ALL=C sort -r |
    tail -n "+$((keep + 1))" | while IFS= read -r f; do
    rm -f -- "$f" "${f%.dump}.manifest.json"
    note "removed old backup $f"
  done
fi

if [ -n "$s3_uri" ]; then
  command -v aws >/dev/null 2>&1 ||
    die "BACKUP_S3_URI is set ($s3_uri) but the aws CLI is not on PATH: nothing was uploaded (the local dump $dump is kept)"
  target=${s3_uri%/}
  aws s3 cp --only-show-errors "$dump" "$target/$name.dump" ||
    die "upload of $dump to $target/ failed (the local dump is kept)"
  aws s3 cp --only-show-errors "$manifest" "$target/$name.manifest.json" ||
    die "upload of $manifest to $target/ failed (the local dump is kept)"
  note "uploaded to $target/$name.dump and its manifest"
fi
