#!/usr/bin/env bash
# Restores a dump made by scripts/backup.sh into a database; see usage() below.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/restore.sh [--force] [--jobs N] [--help] DUMP [DATABASE_URL] [-- PG_RESTORE_OPTIONS...]

Restores DUMP (a pg_dump custom-format file, e.g. one scripts/backup.sh wrote)
into the database at DATABASE_URL (the second argument, or the environment
variable), then prints the row counts of Lighthouse's main tables.

  1. When DUMP's manifest (lighthouse-<time>.manifest.json beside it) is there,
     checks the dump's sha256 and size against it.
  2. Refuses a target that already holds tables (anything beyond extensions),
     unless --force.
  3. When the dump holds TimescaleDB: makes sure the target has the extension at
     the dump's version (creating it if it is missing), and runs
     timescaledb_pre_restore() before and timescaledb_post_restore() after.
  4. pg_restore --no-owner --exit-on-error [--jobs N], then ANALYZE. A
     TimescaleDB dump is always restored in one job (see --jobs).
  5. Prints row counts and the migration head.

Options:
  --force       restore into a database that is not empty: its public schema,
                where Lighthouse keeps everything, is dropped with all it holds
                (DROP SCHEMA public CASCADE) and created again first. Also
                RESTORE_FORCE=1. Refused for TimescaleDB dumps: restore those
                into a new, empty database.
  --jobs N      parallel pg_restore jobs (default RESTORE_JOBS or 1); 4 to 8
                suit a large database on a server with as many cores. Plain
                PostgreSQL dumps only: a dump that holds TimescaleDB (its
                manifest names a TimescaleDB version, or its table of contents
                lists the _timescaledb_catalog schema) is restored in one job,
                and the script says so. In parallel, pg_restore loads chunks
                before the TimescaleDB catalog rows they reference and fails
                (chunk_hypertable_id_fkey, then "a worker process died
                unexpectedly"); TimescaleDB's documentation warns against it.
  -- ...        further options for pg_restore, e.g. -- --no-privileges

The target database must exist (CREATE DATABASE lighthouse_restored;). Stop
every Lighthouse process that writes to it first. The services need the
ENCRYPTION_KEY that was in use when the dump was taken.

Exit status: 0 on success; 1 on any failure (a partial restore is left as it is:
drop that database and restore into a new one); 2 on a usage error.
EOF
}

die() {
  echo "restore: error: $*" >&2
  exit 1
}
note() { echo "restore: $*"; }
usage_error() {
  echo "restore: $*" >&2
  echo "run scripts/restore.sh --help for usage" >&2
  exit 2
}

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

case "${RESTORE_FORCE:-0}" in
  1 | true | yes) force=1 ;;
  *) force=0 ;;
esac
jobs=${RESTORE_JOBS:-1}
positional=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --force) force=1 ;;
    --jobs | -j)
      [ $# -ge 2 ] || usage_error "$1 needs a number"
      jobs=$2
      shift
      ;;
    --jobs=*) jobs=${1#--jobs=} ;;
    --)
      shift
      extra=("$@")
      break
      ;;
    -*) usage_error "unknown option $1" ;;
    *) positional+=("$1") ;;
  esac
  shift
done
[ ${#positional[@]} -ge 1 ] || usage_error "which dump? give the file to restore"
[ ${#positional[@]} -le 2 ] || usage_error "too many arguments: DUMP [DATABASE_URL]"
dump=${positional[0]}
url=${positional[1]:-${DATABASE_URL:-}}
[ -n "$url" ] || usage_error "no target: give a postgres:// URL after the dump or set DATABASE_URL"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || usage_error "--jobs must be a whole number of at least 1 (got '$jobs')"
if [ ! -f "$dump" ] || [ ! -r "$dump" ]; then die "cannot read the dump $dump"; fi

for tool in pg_restore psql; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is not on PATH: install the PostgreSQL client tools of the server's major version"
done

psql_target() {
  psql -X -w -q -v ON_ERROR_STOP=1 -d "$url" "$@"
}
psql_value() {
  psql_target -A -t -c "$1"
}

# 1. the file itself
manifest="${dump%.dump}.manifest.json"
manifest_field() {
  # our own format: one key per line, strings or whole numbers
  sed -n -E -e "s/^  \"$1\": \"(.*)\",?\$/\1/p" -e "s/^  \"$1\": ([0-9]+),?\$/\1/p" "$manifest" | head -n 1
}
expected_timescale=""
expected_head=""
if [ -f "$manifest" ]; then
  expected_sha=$(manifest_field sha256)
  expected_size=$(manifest_field size_bytes)
  expected_timescale=$(manifest_field timescaledb_version)
  expected_head=$(manifest_field migration_head)
  [[ $expected_timescale =~ ^[0-9A-Za-z.+-]*$ ]] ||
    die "the manifest's timescaledb_version '$expected_timescale' is not a version"
  note "checking $dump against its manifest ($(manifest_field created_at), ${expected_size} bytes)"
  size=$(wc -c <"$dump" | tr -d ' ')
  [ "$size" = "$expected_size" ] ||
    die "$dump has $size bytes, its manifest says $expected_size: truncated or not the same file"
  digest=$(sha256_of "$dump")
  [ "$digest" = "$expected_sha" ] ||
    die "$dump has sha256 $digest, its manifest says $expected_sha: corrupted or not the same file"
else
  note "warning: no manifest ($manifest) beside the dump: its checksum and versions are not checked"
fi
toc=$(pg_restore --list "$dump" 2>&1) || die "pg_restore cannot read $dump: $toc"
dump_timescale=0
if grep -Eq '^[0-9]+; [0-9]+ [0-9]+ EXTENSION - timescaledb( |$)' <<<"$toc"; then
  dump_timescale=1
fi
# TimescaleDB's catalog (_timescaledb_catalog) must be restored before the chunks that refer to it,
# which a parallel pg_restore does not guarantee: such a dump is restored in one job.
single_job_reason=""
if [ -n "$expected_timescale" ]; then
  single_job_reason="its manifest says it was taken with TimescaleDB $expected_timescale"
elif [ "$dump_timescale" = 1 ] ||
  grep -Eq '^[0-9]+; [0-9]+ [0-9]+ [A-Z][A-Z ]* (- )?_timescaledb_catalog( |$)' <<<"$toc"; then
  single_job_reason="its table of contents lists TimescaleDB's catalog (_timescaledb_catalog)"
fi
if [ -n "$single_job_reason" ] && [ "$jobs" -gt 1 ]; then
  note "restoring in 1 job, not $jobs: this is a TimescaleDB dump ($single_job_reason), and a parallel pg_restore of one fails (chunk_hypertable_id_fkey: chunks restored before the catalog rows they refer to); TimescaleDB's documentation warns against parallel restores"
  jobs=1
fi

# 2. the target
info=$(psql_value "SELECT current_setting('server_version_num') || '|' || current_setting('server_version') || '|' || current_database() || '|' || coalesce((SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'), '')") ||
  die "cannot query $(redact "$url"): is the server up, and does the database exist? (create it first: CREATE DATABASE <name>;)"
IFS='|' read -r server_num server_version database installed_timescale <<<"$info"
server_major=$((server_num / 10000))
restore_version=$(pg_restore --version | awk '{print $3}')
restore_major=${restore_version%%.*}
restore_major=${restore_major%%[!0-9]*}
if [ "${restore_major:-0}" -lt "$server_major" ]; then
  note "warning: pg_restore $restore_version is older than the server (PostgreSQL $server_version); if the restore fails, use the client tools of major $server_major"
fi

if [ "$dump_timescale" = 0 ] && [ -n "$installed_timescale" ]; then
  # Lighthouse takes the TimescaleDB path whenever the extension is installed, and the
  # dump's check_history is a partitioned table, not a hypertable.
  die "the dump comes from plain PostgreSQL, but the target has the timescaledb extension: run DROP EXTENSION timescaledb; in the (empty) target first, or restore into a database without it"
fi

user_tables=$(psql_value "
  SELECT CASE WHEN count(*) > 0 THEN count(*) || ' relations, e.g. ' || string_agg(name, ', ' ORDER BY k) FILTER (WHERE k <= 5) END
    FROM (SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
                 -- public (Lighthouse's own tables) first, TimescaleDB's internal schemas last
                 row_number() OVER (ORDER BY n.nspname <> 'public', n.nspname LIKE '\_timescaledb%',
                                             n.nspname, c.relname) AS k
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')) AS r")
if [ -n "$user_tables" ]; then
  if [ "$force" != 1 ]; then
    die "the target $(redact "$url") is not empty ($user_tables): restore into a new database (CREATE DATABASE ...), or pass --force to replace its public schema"
  fi
  [ "$dump_timescale" = 0 ] ||
    die "--force is not supported for a TimescaleDB dump (dropping hypertables and the extension under a restore is unsafe): restore into a new, empty database"
  note "--force: the target is not empty ($user_tables): dropping its public schema and all it holds"
  psql_target -1 -c "SET client_min_messages = warning" -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public" ||
    die "could not drop and create the public schema of $database (does this user own it?)"
fi

# 3. TimescaleDB
timescale_restoring=0
finish_timescale() {
  if [ "$timescale_restoring" = 1 ]; then
    timescale_restoring=0
    psql_value "SELECT timescaledb_post_restore()" >/dev/null ||
      echo "restore: error: timescaledb_post_restore() failed: run it by hand in $database before using it" >&2
  fi
}
trap finish_timescale EXIT

if [ "$dump_timescale" = 1 ]; then
  available=$(psql_value "SELECT string_agg(version, ', ' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'timescaledb'")
  [ -n "$available" ] ||
    die "the dump holds TimescaleDB objects but the target server has no timescaledb extension: restore it on a TimescaleDB server with the version the dump was taken with${expected_timescale:+ ($expected_timescale)}"
  if [ -n "$installed_timescale" ]; then
    [ -n "$expected_timescale" ] ||
      note "warning: no manifest, so the dump's TimescaleDB version is unknown; it must equal the target's ($installed_timescale)"
    if [ -n "$expected_timescale" ] && [ "$installed_timescale" != "$expected_timescale" ]; then
      die "the target has TimescaleDB $installed_timescale, the dump was taken with $expected_timescale: restore into a database with $expected_timescale (CREATE EXTENSION timescaledb VERSION '$expected_timescale'), then ALTER EXTENSION timescaledb UPDATE"
    fi
  elif [ -n "$expected_timescale" ]; then
    grep -qwF -- "$expected_timescale" <<<"${available//, / }" ||
      die "the dump was taken with TimescaleDB $expected_timescale, which this server does not offer (it has: $available): restore on a server that has $expected_timescale, then upgrade"
    note "creating the timescaledb extension at the dump's version $expected_timescale"
    psql_value "CREATE EXTENSION timescaledb VERSION '$expected_timescale'" >/dev/null ||
      die "CREATE EXTENSION timescaledb failed (is timescaledb in shared_preload_libraries?)"
  else
    note "warning: no manifest, so the dump's TimescaleDB version is unknown; it must equal the target's"
    psql_value "CREATE EXTENSION IF NOT EXISTS timescaledb" >/dev/null ||
      die "CREATE EXTENSION timescaledb failed (is timescaledb in shared_preload_libraries?)"
  fi
  note "TimescaleDB: timescaledb_pre_restore() (background jobs stop until post_restore)"
  psql_value "SELECT timescaledb_pre_restore()" >/dev/null || die "timescaledb_pre_restore() failed"
  timescale_restoring=1
fi

# 4. restore
note "restoring $dump into $(redact "$url") (PostgreSQL $server_version) with pg_restore $restore_version, $jobs job(s)"
started=$(date +%s)
if ! pg_restore -w --no-owner --exit-on-error --jobs="$jobs" --dbname="$url" ${extra[@]+"${extra[@]}"} "$dump"; then
  finish_timescale
  die "pg_restore failed (see above); $database is only partly restored: drop it and restore into a new, empty database"
fi
finish_timescale
note "restored in $(($(date +%s) - started)) s; ANALYZE (pg_restore does not restore planner statistics)"
psql_value "ANALYZE" >/dev/null || die "ANALYZE failed"

# 5. what is there now
head=""
if [ "$(psql_value "SELECT to_regclass('lighthouse_migrations') IS NOT NULL")" = t ]; then
  head=$(psql_value "SELECT coalesce(max(name), '') FROM lighthouse_migrations")
fi
note "row counts in $database:"
psql_target -P footer=off -c "
  SELECT t AS \"table\",
         (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', t), false, true, '')))[1]::text::bigint AS \"rows\"
    FROM unnest(ARRAY['users', 'sessions', 'api_keys', 'subscriptions', 'check_history',
                      'check_rollups_hourly', 'check_rollups_daily', 'canary_results', 'heartbeats',
                      'state_events', 'incidents', 'alerts', 'alert_deliveries', 'payments',
                      'audit_log', 'status_pages', 'maintenance_windows']) WITH ORDINALITY AS u(t, i)
   WHERE to_regclass(t) IS NOT NULL
   ORDER BY i"
note "migration head: ${head:-none}"
if [ -n "$expected_head" ] && [ "$head" != "$expected_head" ]; then
  die "the manifest's migration head is $expected_head, the restored database says ${head:-none}"
fi
note "done. Next: node migrations/dist/cli.js latest (if the code is newer), then start the services with the ENCRYPTION_KEY in use when the dump was taken"
