#!/usr/bin/env bash
# The official-SDK checks: installs the official LUSID Python SDK (`lusid-sdk`
# from PyPI) into a venv under target/, starts `lusid emulator
# --write-secrets`, runs the named check scripts of this directory against it
# (default: check.py, the instrument check, and portfolio_workflow.py, the
# first portfolio workflow) and reports. Skips (exit 0) with a message saying
# why when Python or PyPI is unavailable. Not part of `cargo test`.
#
#   tests/official-sdk/run.sh                        # both, latest lusid-sdk
#   tests/official-sdk/run.sh portfolio_workflow.py  # one
#   LUSID_SDK_VERSION=2.3.313 tests/official-sdk/run.sh
set -uo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ "$#" -eq 0 ]; then
    set -- check.py portfolio_workflow.py
fi
for script in "$@"; do
    if [ ! -f "$root/tests/official-sdk/$script" ]; then
        echo "FAIL: no check script tests/official-sdk/$script"
        exit 2
    fi
done
work="$root/target/official-sdk"
venv="$work/venv"
mkdir -p "$work"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: $python not found; the official-SDK check needs Python 3.8+"
    exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv" >"$work/venv.log" 2>&1; then
        echo "SKIP: cannot create a virtual environment ($python -m venv); see $work/venv.log"
        exit 0
    fi
fi
spec="lusid-sdk${LUSID_SDK_VERSION:+==$LUSID_SDK_VERSION}"
if ! "$venv/bin/pip" install -q --disable-pip-version-check "$spec" >"$work/pip.log" 2>&1; then
    if ! "$venv/bin/python" -c "import lusid" >/dev/null 2>&1; then
        echo "SKIP: cannot install $spec from PyPI; see $work/pip.log"
        exit 0
    fi
    echo "note: PyPI unreachable; using the lusid-sdk already in $venv"
fi
sdk_version="$("$venv/bin/pip" show lusid-sdk 2>/dev/null | sed -n 's/^Version: //p')"

(cd "$root" && cargo build -q -p lusid-cli) || { echo "FAIL: cargo build -p lusid-cli"; exit 1; }
lusid="$root/target/debug/lusid"
secrets="$work/secrets.json"
rm -f "$secrets"
"$lusid" emulator --equities 200 --write-secrets "$secrets" >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null; wait "$emulator_pid" 2>/dev/null' EXIT
for _ in $(seq 1 100); do
    [ -s "$secrets" ] && break
    sleep 0.1
done
if [ ! -s "$secrets" ]; then
    echo "FAIL: the emulator did not write $secrets"; cat "$work/emulator.err"; exit 1
fi

echo "lusid-sdk $sdk_version, $("$venv/bin/python" --version 2>&1), emulator at $(head -n1 "$work/emulator.out")"
status=0
for script in "$@"; do
    if "$venv/bin/python" "$root/tests/official-sdk/$script" "$secrets"; then
        echo "official-SDK $script: PASS (lusid-sdk $sdk_version)"
    else
        echo "official-SDK $script: FAIL (lusid-sdk $sdk_version)"
        status=1
    fi
done
exit "$status"
