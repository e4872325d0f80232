#!/bin/sh
# Peer comparison driver: serves the comparison zones from the crate's loopback test
# server and runs pyspf, checkdmarc and `maildiag check` against it, all inside a fresh
# network namespace that has nothing but `lo` -- so no query can reach the machine's
# resolver or the internet whatever the peers do. Run by hand as root from the workspace
# root, after:
#   apt-get install -y python3-spf      # pyspf for /usr/bin/python3
#   pip install checkdmarc              # checkdmarc for the default python3
#   cargo build -p maildiag-dnsauth --example serve_compare
#   cargo build -p maildiag-cli
# Usage: unshare -n sh docs/peer-compare/run.sh OUTDIR
set -eu
OUT=${1:-/tmp/peer-compare}
ADDR=127.0.0.1:5300
mkdir -p "$OUT"
ip link set lo up
# Prove the namespace is cut off: the configured resolver must be unreachable.
if python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.connect(("192.0.2.53",53))' 2>/dev/null; then
  echo "a non-loopback route exists: run inside 'unshare -n'" >&2; exit 1
fi
target/debug/examples/serve_compare $ADDR >"$OUT/server.log" &
SERVER=$!
trap 'kill $SERVER' EXIT
sleep 1
count() { tail -n1 "$OUT/server.log"; }
echo "before peers: $(count)"
/usr/bin/python3 docs/peer-compare/peers.py pyspf $ADDR >"$OUT/pyspf.jsonl"
sleep 0.5; echo "after pyspf: $(count)"
python3 docs/peer-compare/peers.py checkdmarc $ADDR >"$OUT/checkdmarc.jsonl"
sleep 0.5; echo "after checkdmarc: $(count)"
DOMAINS=$(python3 -c 'import sys; sys.path.insert(0,"docs/peer-compare"); import peers; print(" ".join(dict.fromkeys(peers.SPF_DOMAINS+peers.DMARC_DOMAINS)))')
: >"$OUT/maildiag.jsonl"
for d in $DOMAINS; do
  sel=""
  [ "$d" = good.example ] && sel="--selector k1024 --selector k2048 --selector revoked --selector testing --selector sha1"
  # shellcheck disable=SC2086
  target/debug/maildiag check "$d" --ip 192.0.2.10 --nameserver $ADDR --dnsbl none \
    --timeout-ms 1000 --json $sel | python3 -c 'import json,sys; d=sys.argv[1]; print(json.dumps({"domain": d, "report": json.load(sys.stdin)}))' "$d" >>"$OUT/maildiag.jsonl" || true
done
sleep 0.5; echo "after maildiag: $(count)"
