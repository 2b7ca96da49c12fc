#!/usr/bin/env bash
# `make test`: the suite on SQLite (browser tests included) and, when RISKREG_TEST_DATABASE_URL is set, again on
# PostgreSQL (browser tests excepted: they drive a served SQLite copy of the demo), the two passes at the same
# time. Run one after the other, each pass left a core idle while its slowest tests finished; side by side they
# keep both busy. The PostgreSQL pass's report is printed when both have finished.
#
# Usage: tests/passes.sh PYTHON WORKERS
set -uo pipefail
python=$1
workers=$2

postgresql_log=$(mktemp)
trap 'rm -f "$postgresql_log"' EXIT
postgresql_pid=
if [ -n "${RISKREG_TEST_DATABASE_URL:-}" ]; then
  echo "== PostgreSQL pass ($RISKREG_TEST_DATABASE_URL) running alongside; its report follows this one =="
  "$python" -m pytest -n "$workers" --dist loadgroup -m "not browser" -p no:cacheprovider >"$postgresql_log" 2>&1 &
  postgresql_pid=$!
fi

RISKREG_TEST_DATABASE_URL= "$python" -m pytest -n "$workers" --dist loadgroup
status=$?

if [ -n "$postgresql_pid" ]; then
  wait "$postgresql_pid"
  postgresql_status=$?
  echo
  echo "== PostgreSQL pass ($RISKREG_TEST_DATABASE_URL) =="
  cat "$postgresql_log"
  if [ "$status" -eq 0 ]; then status=$postgresql_status; fi
fi
exit "$status"
