#!/bin/sh
# Runs the suite in two parts: the tests that can share the machine, on several processes at
# once (pytest-xdist), then alone those marked `serial` (they measure time, or restart the
# PostgreSQL cluster that every process uses).
#
#   tests/run.sh PYTHON [PYTEST ARGS...]
#
# TEST_WORKERS sets the number of processes of the first part (default: 2; 0 runs it in this
# process). The second part runs after failed tests too, not after an interrupted run or a
# usage error; the status is the first failure's, or 0 when every test that ran passed (a
# part that selects no test is no failure, unless neither selects any).
set -u

if [ "$#" -eq 0 ]; then
	echo "usage: $0 PYTHON [PYTEST ARGS...]" >&2
	exit 2
fi
python="$1"
shift

"$python" -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile -m "not serial" "$@"
shared=$?
# pytest's statuses: 0 passed, 1 tests failed, 2 interrupted, 3 internal error, 4 usage
# error, 5 no test selected.
case "$shared" in
0 | 1 | 5) ;;
*) exit "$shared" ;;
esac
"$python" -m pytest -p no:xdist -m serial "$@"
alone=$?

if [ "$shared" -eq 5 ] && [ "$alone" -eq 5 ]; then
	exit 5
fi
for status in "$shared" "$alone"; do
	if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
		exit "$status"
	fi
done
exit 0
