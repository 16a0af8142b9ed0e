#!/usr/bin/env bash
# Re-runs the paper's experiments (and the bias-shift control) at their default scale and copies each report into docs/results/<name>/:
# report.md, results.json and the PNG figures only (no run folders, checkpoints or generated data).
#
#   bash scripts/regenerate-results.sh                       # every experiment
#   bash scripts/regenerate-results.sh mnist-activations     # one or more by name
#
# Each experiment trains into reports/<name>/ (git-ignored), where finished runs are reused when the script
# is run again (interrupt it and start it again: it continues). The command at the top of each report is the
# one that re-creates it: the same seeds give the same numbers, except the timings of imagenet-cost.
# Expected durations at the default scale are in docs/reproduction.md ("Scales"). Extra arguments after
# '--' go to every experiment, e.g. `-- --workers 2`.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(mnist-activations mnist-autoencoder cifar-compare imagenet-cost cifar-table bias-shift-control)
names=()
extra=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
  names+=("$1"); shift
done
[ ${#names[@]} -eq 0 ] && names=("${all[@]}")

for name in "${names[@]}"; do
  case " ${all[*]} " in *" $name "*) ;; *) echo "regenerate-results: unknown experiment '$name'; expected one of: ${all[*]}" >&2; exit 2 ;; esac
done
npm run build --silent >/dev/null
for name in "${names[@]}"; do
  echo "== $name: node dist/src/cli.js experiment $name --scale default ${extra[*]:-}"
  node dist/src/cli.js experiment "$name" --scale default "${extra[@]}"
  dest="docs/results/$name"
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  cp "reports/$name/report.md" "reports/$name/results.json" "$dest.tmp/"
  cp reports/"$name"/*.png "$dest.tmp/"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
  echo "== $name: copied to $dest ($(du -sh "$dest" | cut -f1))"
done
