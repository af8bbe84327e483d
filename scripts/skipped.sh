#!/usr/bin/env bash
# Says which groups of tests could not run on this machine, and why: the tests that need an
# outside program or server skip (with a loud message only `go test -v` shows) when it is
# missing, and a plain `make test` would otherwise let a newcomer believe they ran.
set -uo pipefail
skipped=()
[ -x /usr/bin/chromium ] || skipped+=("the console's browser tests (no /usr/bin/chromium: apt-get install -y chromium)")
command -v dynalite >/dev/null 2>&1 || skipped+=("the DynamoDB tests against dynalite, and the replay of the DynamoDB recordings (npm install -g dynalite@4.0.0)")
command -v python3 >/dev/null 2>&1 || skipped+=("the replay of the Lambda recordings, whose functions are Python handlers (apt-get install -y python3)")
command -v aws >/dev/null 2>&1 || skipped+=("the AWS CLI smoke test (apt-get install -y awscli)")
{ command -v pg_dump && command -v pg_restore; } >/dev/null 2>&1 || skipped+=("the PostgreSQL dump and restore test (apt-get install -y postgresql-client)")
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || skipped+=("the fault suite's PostgreSQL restart and connection-cut scenarios (no /usr/lib/postgresql/*/bin: apt-get install -y postgresql)")
[ "$(id -u)" = 0 ] || skipped+=("the fault suite's disk-full scenario (it mounts a size-limited tmpfs: run as root)")
pg=${STEPWISE_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
hostport=$(printf '%s' "$pg" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=5432
if ! (exec 3<>"/dev/tcp/${host:-127.0.0.1}/$port") 2>/dev/null; then
  skipped+=("the PostgreSQL store, multi-node and backup tests (no server at ${host:-127.0.0.1}:$port; set STEPWISE_TEST_POSTGRES)")
fi
if [ ${#skipped[@]} -eq 0 ]; then
  echo "test groups skipped: none (Chromium, dynalite, python3, the AWS CLI, pg_dump, PostgreSQL and root were all there)"
else
  echo "test groups SKIPPED on this machine:"
  for s in "${skipped[@]}"; do echo "  - $s"; done
fi
