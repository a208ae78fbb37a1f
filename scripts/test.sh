#!/usr/bin/env bash
# Sets up, builds and runs every q8 test. Ends with a line "tests: N passed, N failed".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/scripts/setup.sh"
"$root/scripts/build.sh"
exec "$root/scripts/lit-summary.sh"
