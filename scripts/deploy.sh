#!/usr/bin/env bash
# Deploy every stack with one shared provider plugin cache and one provider lock file.
#
#   scripts/deploy.sh [cdktf deploy options, e.g. --auto-approve]   (or: make deploy ARGS=...)
#
# 1. preflight: stops here (exit 1) while anything blocks a first deploy;
# 2. synth into $CDKTF_OUTDIR (default cdktf.out), unless --skip-synth is given;
# 3. providers.lock.hcl: made once with `terraform providers lock` for every platform (commit
#    it), then copied into every stack directory, because each synth replaces those directories;
# 4. one `terraform init` in a scratch directory fills $TF_PLUGIN_CACHE_DIR (default
#    ~/.terraform.d/plugin-cache, created here; Terraform does not create it), verified against
#    the lock file, so the stacks' own inits only link the cached providers;
# 5. npx cdktf deploy '*' --skip-synth --output $OUT: cdktf runs the stacks' inits one after another (the
#    cache is not safe for concurrent writers), then applies in dependency order.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
TF="${TERRAFORM_BINARY_NAME:-terraform}"
OUT="${CDKTF_OUTDIR:-cdktf.out}"
LOCK="${PROVIDERS_LOCK:-providers.lock.hcl}"
PLATFORMS=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64)

export TF_PLUGIN_CACHE_DIR="${TF_PLUGIN_CACHE_DIR:-$HOME/.terraform.d/plugin-cache}"
unset TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE
mkdir -p "$TF_PLUGIN_CACHE_DIR"

"$PYTHON" main.py preflight

skip_synth=false
args=()
for arg in "$@"; do
  if [[ "$arg" == "--skip-synth" ]]; then skip_synth=true; else args+=("$arg"); fi
done
if [[ "$skip_synth" == false ]]; then
  "$PYTHON" main.py synth --out "$OUT"
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$PYTHON" -m fedinfra.provider_lock lock-config "$OUT" "$scratch"
if [[ ! -f "$LOCK" ]]; then
  "$TF" -chdir="$scratch" providers lock "${PLATFORMS[@]/#/-platform=}"
  cp "$scratch/.terraform.lock.hcl" "$LOCK"
  echo "wrote $LOCK (every provider, every platform): commit it" >&2
fi
cp "$LOCK" "$scratch/.terraform.lock.hcl"
"$TF" -chdir="$scratch" init -backend=false -input=false -lockfile=readonly
"$PYTHON" -m fedinfra.provider_lock install "$LOCK" "$OUT"

npx cdktf deploy '*' --skip-synth --output "$OUT" ${args[@]+"${args[@]}"}
