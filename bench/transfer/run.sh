#!/usr/bin/env bash
# berth push/copy/pull against skopeo copy of the same content, on the same Berth server(s), alternating who goes first.
#   bash bench/transfer/run.sh [ROUNDS=3] [LAYERS=4] [LAYER_MIB=256]
# Prints a Markdown table (medians over rounds) on stdout; progress on stderr. Needs skopeo (apt) and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}; layers=${2:-4}; layer_mib=${3:-256}

command -v skopeo >/dev/null || { echo "bench/transfer: skopeo is needed (apt-get install skopeo)" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release src/Berth.Cli -v quiet -nologo >&2
berth() { dotnet src/Berth.Cli/bin/Release/net10.0/berth.dll "$@"; }

work=$(mktemp -d /var/tmp/berth-transfer.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# skopeo runs as if on a fresh machine each time: private HOME/XDG dirs, a registries.conf without search registries,
# an accept-anything policy, and (as root) its blob-info cache in /var/lib/containers/cache hidden under a tmpfs in a
# private mount namespace, so no run learns blob locations from an earlier one and the host's state is never touched.
mkdir -p "$work/skopeo-home"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' > "$work/policy.json"
echo 'unqualified-search-registries = []' > "$work/registries.conf"
skopeo_clean() {
  HOME="$work/skopeo-home" XDG_CONFIG_HOME="$work/skopeo-home/.config" XDG_CACHE_HOME="$work/skopeo-home/.cache" \
  XDG_DATA_HOME="$work/skopeo-home/.local/share" CONTAINERS_REGISTRIES_CONF="$work/registries.conf" TMPDIR="$work" \
  unshare --mount --propagation private /bin/sh -c 'mount -n -t tmpfs berth-bench /var/lib && exec skopeo "$@"' sh \
    --policy "$work/policy.json" "$@"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_server() { # NAME -> sets HOST_<NAME>
  local name=$1 port; port=$(free_port)
  # dotnet itself in the background (not the berth function's subshell), so the trap's kill reaches the server.
  dotnet src/Berth.Cli/bin/Release/net10.0/berth.dll serve --data-dir "$work/$name" --listen "127.0.0.1:$port" --create-on-push > "$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "podman login" "$work/$name.log" 2>/dev/null && break; sleep 0.2; done
  AWS_SHARED_CREDENTIALS_FILE="$work/$name/credentials" AWS_PROFILE=berth \
    berth ecr get-login-password --endpoint-url "http://127.0.0.1:$port" --region us-east-1 \
    | berth login --authfile "$work/auth.json" --username AWS --password-stdin --tls-verify=false "127.0.0.1:$port" >&2
  printf -v "HOST_$name" '%s' "127.0.0.1:$port"
}

echo "bench/transfer: making a ${layers}x${layer_mib} MiB OCI layout in $work" >&2
python3 bench/transfer/make-layout.py "$work/layout" "$layers" "$layer_mib"
start_server a
start_server b
export REGISTRY_AUTH_FILE="$work/auth.json"

declare -A times
measure() { # KEY COMMAND... ; records seconds
  local key=$1; shift
  sync
  local start end
  start=$(date +%s.%N)
  "$@" > "$work/last.out" 2>&1 || { echo "bench/transfer: '$key' failed:" >&2; tail -5 "$work/last.out" >&2; exit 1; }
  end=$(date +%s.%N)
  times[$key]+="$(echo "$end - $start" | bc) "
  echo "  $key: $(echo "$end - $start" | bc) s" >&2
}

for round in $(seq "$rounds"); do
  echo "round $round" >&2
  for tool in $( ((round % 2)) && echo "berth skopeo" || echo "skopeo berth"); do
    if [ "$tool" = berth ]; then
      measure "push/berth" berth push --tls-verify=false "oci:$work/layout:v1" "$HOST_a/bench/push-berth-$round:v1"
      measure "copy-repo/berth" berth copy --tls-verify=false "$HOST_a/bench/push-berth-$round:v1" "$HOST_a/bench/copy-berth-$round:v1"
      measure "copy-registry/berth" berth copy --tls-verify=false "$HOST_a/bench/push-berth-$round:v1" "$HOST_b/bench/copy-berth-$round:v1"
      measure "pull/berth" berth pull --tls-verify=false "$HOST_a/bench/push-berth-$round:v1" "oci:$work/pull-berth-$round:v1"
    else
      measure "push/skopeo" skopeo_clean copy --dest-tls-verify=false --dest-authfile "$work/auth.json" "oci:$work/layout:v1" "docker://$HOST_a/bench/push-skopeo-$round:v1"
      measure "copy-repo/skopeo" skopeo_clean copy --src-tls-verify=false --dest-tls-verify=false --authfile "$work/auth.json" "docker://$HOST_a/bench/push-skopeo-$round:v1" "docker://$HOST_a/bench/copy-skopeo-$round:v1"
      measure "copy-registry/skopeo" skopeo_clean copy --src-tls-verify=false --dest-tls-verify=false --authfile "$work/auth.json" "docker://$HOST_a/bench/push-skopeo-$round:v1" "docker://$HOST_b/bench/copy-skopeo-$round:v1"
      measure "pull/skopeo" skopeo_clean copy --src-tls-verify=false --authfile "$work/auth.json" "docker://$HOST_a/bench/push-skopeo-$round:v1" "oci:$work/pull-skopeo-$round:v1"
    fi
  done
  rm -rf "$work"/pull-*
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mib=$((layers * layer_mib))
echo "| operation (${layers} x ${layer_mib} MiB layers, ${mib} MiB) | berth s | skopeo s | berth MiB/s | skopeo MiB/s | skopeo time / berth time |"
echo "|---|---|---|---|---|---|"
for row in push copy-repo copy-registry pull; do
  b=$(echo "${times[$row/berth]}" | median); s=$(echo "${times[$row/skopeo]}" | median)
  printf '| %s | %.2f | %.2f | %.0f | %.0f | %.2f |\n' "$row" "$b" "$s" "$(echo "$mib / $b" | bc -l)" "$(echo "$mib / $s" | bc -l)" "$(echo "$s / $b" | bc -l)"
done
echo
echo "Medians of $rounds rounds; $(nproc) CPUs; $(skopeo --version); berth $(git rev-parse --short HEAD). push: oci layout -> registry A;"
echo "copy-repo: A/push-* -> A/copy-* (same registry: berth mounts across repositories); copy-registry: A -> B (bytes move);"
echo "pull: A -> oci layout. Each round uses new repositories, so nothing is skipped by HEAD."
