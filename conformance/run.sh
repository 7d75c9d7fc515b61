#!/usr/bin/env bash
# Parses every fixture strictly with Google's own Dialogflow types (see check.py), in a virtual
# environment this script creates, and reuses while requirements.txt and python3 are unchanged.
# Usage (from anywhere): bash conformance/run.sh [FIXTURES_DIR]   (default: fixtures)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CONFORMANCE_VENV:-.venv/conformance}"
stamp="$venv/.requirements.sha256"
want="$( (cat conformance/requirements.txt; python3 --version) | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "conformance: installing conformance/requirements.txt into $venv"
  python3 -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r conformance/requirements.txt
  echo "$want" > "$stamp"
fi
"$venv/bin/python" conformance/check.py --self-test
"$venv/bin/python" conformance/check.py "${1:-fixtures}"
