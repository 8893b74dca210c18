#!/usr/bin/env bash
# The deployment's PostgreSQL roles and databases, each service with its own:
#
#   TEMPORAL_DB_USER      owns TEMPORAL_DB and TEMPORAL_VISIBILITY_DB: the Temporal
#                         server and temporal-schema;
#   TANDEM_DB_OWNER       owns TANDEM_DB_NAME: tandem migrate, which makes the tables;
#   TANDEM_DB_APP_ROLE    tandem api and tandem worker: may use what the owner grants
#                         (tandem migrate --app-role), which leaves audit_log
#                         append-only.
#
# None is a superuser, none may create databases or roles, and each may connect
# only to its own databases. The postgres image runs this once, when it
# initialises an empty data directory (docker-compose.yml mounts it into
# /docker-entrypoint-initdb.d); it is idempotent, so running it again (docker
# compose exec postgresql /docker-entrypoint-initdb.d/10-roles.sh) makes what is
# missing and sets every password to the environment's, which is how passwords
# are changed. The names and passwords come from the environment; psql quotes
# them (%I, %L), so no value can change the statements.
set -euo pipefail

for v in POSTGRES_USER TEMPORAL_DB_USER TEMPORAL_DB_PASSWORD TEMPORAL_DB TEMPORAL_VISIBILITY_DB \
  TANDEM_DB_OWNER TANDEM_DB_OWNER_PASSWORD TANDEM_DB_APP_ROLE TANDEM_DB_APP_PASSWORD TANDEM_DB_NAME; do
  if [ -z "${!v:-}" ]; then
    echo "init-roles.sh: $v is not set" >&2
    exit 1
  fi
done

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  -v temporal_user="$TEMPORAL_DB_USER" -v temporal_password="$TEMPORAL_DB_PASSWORD" \
  -v temporal_db="$TEMPORAL_DB" -v visibility_db="$TEMPORAL_VISIBILITY_DB" \
  -v owner="$TANDEM_DB_OWNER" -v owner_password="$TANDEM_DB_OWNER_PASSWORD" \
  -v app="$TANDEM_DB_APP_ROLE" -v app_password="$TANDEM_DB_APP_PASSWORD" \
  -v tandem_db="$TANDEM_DB_NAME" <<'SQL'
-- Roles: made when missing, then given their password (and no more rights).
SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY[:'temporal_user', :'owner', :'app']) AS r
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', r, p)
  FROM (VALUES (:'temporal_user', :'temporal_password'), (:'owner', :'owner_password'), (:'app', :'app_password')) AS v(r, p) \gexec

-- Databases: made when missing, owned by their role.
SELECT format('CREATE DATABASE %I OWNER %I', d, o)
  FROM (VALUES (:'temporal_db', :'temporal_user'), (:'visibility_db', :'temporal_user'), (:'tandem_db', :'owner')) AS v(d, o)
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec

-- Who may connect where: not everyone (PostgreSQL's default), only the database's
-- own roles. The owner connects as owner; the app role is let in to Tandem's.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', d)
  FROM unnest(ARRAY[:'temporal_db', :'visibility_db', :'tandem_db']) AS d \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'tandem_db', :'app') \gexec
SQL
