#!/usr/bin/env bash
# Parses every fixture strictly with Google's own Dialogflow types (see check.py), in a
# virtual environment this script creates and reuses while requirements.txt is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CONFORMANCE_VENV:-.venv/conformance}"
stamp="$venv/.requirements.sha256"
want="$(sha256sum conformance/requirements.txt | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r conformance/requirements.txt
  echo "$want" > "$stamp"
fi
"$venv/bin/python" conformance/check.py --self-test
"$venv/bin/python" conformance/check.py "${1:-fixtures}"
