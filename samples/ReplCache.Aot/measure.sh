#!/usr/bin/env bash
# Publishes the sample twice — Native AOT and JIT (framework-dependent) — and reports each one's size on disk and its
# wall-clock time from exec to exit (two nodes started, one key replicated, both stopped), the median of N runs.
#   samples/ReplCache.Aot/measure.sh [runs]        (default 11; needs clang and zlib1g-dev for the AOT publish)
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-11}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish -c Release -r linux-x64 -o "$out/aot" -v quiet -nologo >/dev/null
dotnet publish -c Release -r linux-x64 -o "$out/jit" -p:PublishAot=false --self-contained false -v quiet -nologo >/dev/null

median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

aot_size=$(stat -c %s "$out/aot/ReplCache.Aot")
jit_size=$(du -sb --exclude='*.pdb' --exclude='*.xml' --exclude='*.dbg' "$out/jit" | cut -f1)
printf 'AOT: %5d ms median of %d runs, %6.1f MB (one native file, no runtime needed)\n' "$(median_ms "$out/aot/ReplCache.Aot")" "$runs" "$(awk "BEGIN { print $aot_size / 1048576 }")"
printf 'JIT: %5d ms median of %d runs, %6.1f MB (assemblies; plus the shared .NET and ASP.NET Core runtimes)\n' "$(median_ms dotnet "$out/jit/ReplCache.Aot.dll")" "$runs" "$(awk "BEGIN { print $jit_size / 1048576 }")"
