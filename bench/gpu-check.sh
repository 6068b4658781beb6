#!/usr/bin/env bash
# The device check (issue 18): the bench's models and pipeline suites on a lent GPU machine, which
# has no network, no Node and no ../shared, and starts bare. Two steps:
#
#   bench/gpu-check.sh prepare   HERE, after `npm run build`: packs what the machine lacks into .gpu/
#                                (listed in .git/info/exclude): Node (xz), the production node_modules
#                                for linux-x64, dist/, the images the bench reads, and Vulkan's loader.
#   bench/gpu-check.sh run       THERE, as the device tool's command with carry [".gpu"]: unpacks,
#                                points Vulkan at the NVIDIA driver, runs the bench (webgpu = onnxruntime-
#                                node's WebGPU EP on Dawn/Vulkan; native = its CPU EP on the machine's
#                                cores) and a PyTorch peer of ResNeXt-50, and writes everything to $OUT.
#
# Sized for the device tool's limits: < 64 MiB carried, < 8 minutes of run (--max-minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
step=${1:-}
FRAMES=${GPU_CHECK_FRAMES:-4}
G=.gpu

prepare() {
  [ -f dist/node/bench.js ] || { echo "run npm run build first" >&2; exit 2; }
  local exclude; exclude="$(git rev-parse --git-common-dir)/info/exclude"
  grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
  # Node's binary compresses slowly (minutes): keep it when it is this Node's.
  if [ "$(cat "$G/node.version" 2>/dev/null)" != "$(node --version)" ]; then
    rm -rf "$G" && mkdir -p "$G"
    xz -T0 -6 -c "$(command -v node)" > "$G/node.xz" && node --version > "$G/node.version"
  fi
  rm -rf "$G/vulkan" && mkdir -p "$G/vulkan"
  # The runtime closure of package.json's dependencies and optionalDependencies (no dev tools).
  node -e '
    const { readFileSync, existsSync } = require("node:fs");
    const seen = new Set();
    const visit = (name, from) => {
      let dir = from;
      for (;;) {
        const candidate = `${dir}/node_modules/${name}`;
        if (existsSync(`${candidate}/package.json`)) { dir = candidate; break; }
        if (dir === ".") return;
        dir = dir.includes("/node_modules/") ? dir.slice(0, dir.lastIndexOf("/node_modules/")) : ".";
      }
      if (seen.has(dir)) return;
      seen.add(dir);
      const pkg = JSON.parse(readFileSync(`${dir}/package.json`, "utf8"));
      for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, dir);
    };
    const root = JSON.parse(readFileSync("package.json", "utf8"));
    for (const dep of Object.keys({ ...root.dependencies, ...root.optionalDependencies })) visit(dep, ".");
    console.log([...seen].map((dir) => dir.replace(/^\.\//, "")).sort().join("\n"));
  ' > "$G/packages.txt"
  # linux-x64 binaries only; onnxruntime-web's .wasm stays behind (the device runs native and webgpu).
  tar -c --exclude='*/bin/napi-v*/win32' --exclude='*/bin/napi-v*/darwin' --exclude='*/bin/napi-v*/linux/arm64' \
    --exclude='onnxruntime-web/dist/*.wasm' --exclude='onnxruntime-web/lib' --exclude='*.map' --exclude='*.d.ts' -T "$G/packages.txt" | xz -T0 -6 > "$G/node_modules.tar.xz"
  tar -c --exclude='*.map' dist/node dist/workers | xz -T0 -6 > "$G/dist.tar.xz"
  # The images the bench reads: record them while it prepares its inputs here, then carry those
  # files and an empty stand-in for every other crop (the mosaic picks crops from the sorted listing).
  : > "$G/reads.txt"
  SMEARSCOPE_READS_LOG="$PWD/$G/reads.txt" node --import ./bench/gpu-check/record-reads.mjs dist/node/bench.js prepare --frames "$FRAMES" >/dev/null
  local stage; stage=$(mktemp -d)
  (cd ../shared/data && find bm-matek-7 -type d) | while read -r dir; do mkdir -p "$stage/data/$dir"; done
  (cd ../shared/data && find bm-matek-7 -type f) | while read -r file; do : > "$stage/data/$file"; done
  sort -u "$G/reads.txt" | while read -r file; do mkdir -p "$stage/data/$(dirname "$file")"; cp "../shared/data/$file" "$stage/data/$file"; done
  # bench/node-inputs.ts lists the BCCD folder: carry its first frames under their own names.
  tar -C "$stage" -c data | xz -T0 -6 > "$G/data.tar.xz"
  rm -rf "$stage"
  # Vulkan's loader (the machine has the NVIDIA driver's ICD but maybe no libvulkan).
  (cd "$G/vulkan" && apt-get download libvulkan1 >/dev/null)
  du -ch "$G"/* | tail -n 1
}

run() {
  : "${OUT:?run on the device machine, where OUT is set}"
  for deb in "$G"/vulkan/*.deb; do dpkg -x "$deb" /; done; ldconfig
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
  mkdir -p /tmp/gpu-node && xz -dc "$G/node.xz" > /tmp/gpu-node/node && chmod +x /tmp/gpu-node/node
  export PATH=/tmp/gpu-node:$PATH
  xz -dc "$G/node_modules.tar.xz" | tar -x
  xz -dc "$G/dist.tar.xz" | tar -x
  mkdir -p ../shared && xz -dc "$G/data.tar.xz" | tar -x -C ../shared
  # The device tool returns at most 8 files: machine.txt, torch-peer.json, run.log, report.md and
  # each suite's bench JSON + SVG.
  { nvidia-smi; nproc; node --version; } > "$OUT/machine.txt" 2>&1 || true
  python3 bench/gpu-check/torch-peer.py > "$OUT/torch-peer.json" 2>> "$OUT/run.log" || true
  node dist/node/bench.js models --env node --backend native,webgpu --max-minutes 3 --out "$OUT" > "$OUT/report.md" 2>> "$OUT/run.log" || true
  node dist/node/bench.js pipeline --env node --backend native,webgpu --frames "$FRAMES" --max-minutes 2 --out "$OUT" >> "$OUT/report.md" 2>> "$OUT/run.log" || true
  tail -n 20 "$OUT/run.log"
}

case "$step" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: bench/gpu-check.sh prepare|run" >&2; exit 2 ;;
esac
