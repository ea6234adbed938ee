#!/usr/bin/env bash
# Berth vs. Debian's docker-registry (CNCF distribution 2.8): installs what is missing, builds Release, runs the
# benchmark. Arguments go to berth-bench (e.g. --full, --rows ping,pull, --help). Tables go to stdout, progress to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for package in docker-registry apache2-utils; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# apt starts no service in a container, but a docker-registry started by systemd elsewhere would only cost CPU.
command -v aws >/dev/null || { echo "bench/run.sh: the aws CLI is needed (Berth's repository and login token)" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release src/Berth.Cli -v quiet -nologo >&2
dotnet build -c Release bench/Berth.Bench -v quiet -nologo >&2
exec dotnet bench/Berth.Bench/bin/Release/net10.0/berth-bench.dll "$@"
