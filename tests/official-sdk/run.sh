#!/usr/bin/env bash
# The official-SDK checks: installs the official Python SDKs the named check
# scripts need from PyPI into a venv under target/ (`lusid-sdk` for check.py
# and portfolio_workflow.py; `lusid-drive-sdk` 2.4.8 and `luminesce-sdk`
# 2.4.187 for drive_workflow.py), starts `lusid emulator --write-secrets`,
# runs the scripts against it (default: all three) and reports. Skips
# (exit 0) with a message saying why when Python or PyPI is unavailable. Not
# part of `cargo test`.
#
#   tests/official-sdk/run.sh                        # all, latest lusid-sdk
#   tests/official-sdk/run.sh portfolio_workflow.py  # one
#   LUSID_SDK_VERSION=2.3.313 tests/official-sdk/run.sh
set -uo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ "$#" -eq 0 ]; then
    set -- check.py portfolio_workflow.py drive_workflow.py
fi

# The packages a check script needs, as pip requirements.
packages_of() {
    case "$1" in
        drive_workflow.py) echo "lusid-drive-sdk==2.4.8 luminesce-sdk==2.4.187" ;;
        *) echo "lusid-sdk${LUSID_SDK_VERSION:+==$LUSID_SDK_VERSION}" ;;
    esac
}
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
specs=""
for script in "$@"; do
    specs="$specs $(packages_of "$script")"
done
specs="$(echo $specs | tr ' ' '\n' | sort -u | tr '\n' ' ')"
# shellcheck disable=SC2086 # one word per requirement
if ! "$venv/bin/pip" install -q --disable-pip-version-check $specs >"$work/pip.log" 2>&1; then
    echo "note: cannot install$specs from PyPI; see $work/pip.log"
fi
# The version of each package, or the reason a script is skipped.
installed() {
    "$venv/bin/pip" show "${1%%==*}" 2>/dev/null | sed -n 's/^Version: //p'
}

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

echo "$("$venv/bin/python" --version 2>&1), emulator at $(head -n1 "$work/emulator.out")"
status=0
for script in "$@"; do
    versions=""
    missing=""
    for spec in $(packages_of "$script"); do
        version="$(installed "$spec")"
        if [ -z "$version" ]; then
            missing="$missing ${spec%%==*}"
        else
            versions="$versions ${spec%%==*} $version"
        fi
    done
    if [ -n "$missing" ]; then
        echo "official-SDK $script: SKIP (cannot install$missing from PyPI; see $work/pip.log)"
        continue
    fi
    if "$venv/bin/python" "$root/tests/official-sdk/$script" "$secrets"; then
        echo "official-SDK $script: PASS ($versions )"
    else
        echo "official-SDK $script: FAIL ($versions )"
        status=1
    fi
done
exit "$status"
