#!/usr/bin/env bash
# Runs a command under a supported Node.js (22 or newer; @pulumi/pulumi 3.249+ needs it and Node 20 is past
# its end of life): the machine's own `node` when it is new enough, else Node $WITH_NODE_MAJOR (default 22)
# from the npm registry's `node` package, installed once into $NODE_CACHE/<major> and put first on PATH, so
# npm, jest and the Pulumi hosts they start all run on it. WITH_NODE_MAJOR=24 forces a line (CI's second run).
set -euo pipefail
want=${WITH_NODE_MAJOR:-}
have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ -z "$want" ] && [ "$have" -ge 22 ]; then exec "$@"; fi
major=${want:-22}
if [ "$have" = "$major" ]; then exec "$@"; fi
dir=${NODE_CACHE:-/var/cache/pulumi-qemu-vcpu/node}/$major
if [ ! -x "$dir/node_modules/node/bin/node" ]; then
	echo "with-node: installing Node $major from the npm registry into $dir" >&2
	mkdir -p "$dir"
	npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "node@$major" >&2
fi
mkdir -p "$dir/bin"
ln -sfn ../node_modules/node/bin/node "$dir/bin/node"
export PATH="$dir/bin:$PATH"
echo "with-node: Node $(node --version) ($dir/bin/node)" >&2
exec "$@"
