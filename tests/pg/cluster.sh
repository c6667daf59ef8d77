#!/bin/sh
# Runs a command beside a throwaway PostgreSQL cluster, and removes the cluster afterwards.
#
#   tests/pg/cluster.sh COMMAND [ARGS...]
#
# The cluster lives in a temporary directory (its data, its unix socket and its log), listens on
# a free port of 127.0.0.1 only, trusts local connections and runs without fsync: it holds test
# data only. The command sees its address as COOLPAPERS_TEST_POSTGRES_URL. The cluster is
# stopped and its directory removed when the command ends, also when it fails or is interrupted;
# the command's exit status is this script's.
#
# initdb refuses to run as root: as root, the cluster is made and run by the `postgres` user
# (Debian's postgresql package creates it), who is given the temporary directory.
set -eu

if [ "$#" -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi

bindir="$(pg_config --bindir 2>/dev/null || true)"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "PostgreSQL's initdb was not found: install Debian's postgresql (make test does)" >&2
	exit 1
fi

root="$(mktemp -d "${TMPDIR:-/tmp}/coolpapers-pg.XXXXXX")"
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	if [ -f "$root/data/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$root/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$root"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ "$(id -u)" -eq 0 ]; then
	chown postgres "$root"
fi
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_owner "$bindir/initdb" -D "$root/data" -U postgres --auth=trust --encoding=UTF8 \
	--locale=C.UTF-8 >"$root/initdb.log" 2>&1 || { cat "$root/initdb.log" >&2; exit 1; }
as_owner "$bindir/pg_ctl" -D "$root/data" -l "$root/postgres.log" -w -t 60 start -o \
	"-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$root \
	-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
	-c shared_buffers=128MB" >/dev/null || { cat "$root/postgres.log" >&2; exit 1; }

COOLPAPERS_TEST_POSTGRES_URL="postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
COOLPAPERS_TEST_POSTGRES_LOG="$root/postgres.log"
export COOLPAPERS_TEST_POSTGRES_URL COOLPAPERS_TEST_POSTGRES_LOG
echo "PostgreSQL for the tests: $COOLPAPERS_TEST_POSTGRES_URL (in $root)" >&2
"$@"
