#!/usr/bin/env bash
# Runs a command with a private Azurite (Table, Queue and Blob services) on free loopback ports.
# Azurite comes from .tools/ (installed by `make azurite`). The command sees
# AZURITE_CONNECTION_STRING; Azurite is stopped when the command ends, whatever its outcome.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/.tools/node_modules/.bin/azurite"
[ -x "$bin" ] || { echo "azurite is not installed: run 'make azurite'" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
  || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
blob=$(free_port); queue=$(free_port); table=$(free_port)
data=$(mktemp -d "${TMPDIR:-/tmp}/azurite.XXXXXX")

"$bin" --silent --skipApiVersionCheck --disableProductStyleUrl --inMemoryPersistence \
  --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
  --tableHost 127.0.0.1 --tablePort "$table" >"$data/azurite.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT INT TERM

for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$table") 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/azurite.log" >&2; echo "azurite failed to start" >&2; exit 2; }
  sleep 0.1
done

account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
export AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/$account;QueueEndpoint=http://127.0.0.1:$queue/$account;TableEndpoint=http://127.0.0.1:$table/$account;"
echo "azurite: tables on 127.0.0.1:$table, queues on :$queue, blobs on :$blob" >&2
"$@"
