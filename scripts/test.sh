#!/usr/bin/env bash
# Runs the whole test suite (README: "Run the tests").
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet test Tood.sln -c Release -nologo --logger "console;verbosity=normal" "$@"
