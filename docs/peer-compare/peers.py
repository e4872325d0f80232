#!/usr/bin/env python3
"""Runs pyspf or checkdmarc against the loopback comparison server.

Usage (see run.sh, which runs everything inside a network namespace that has only
loopback):

    /usr/bin/python3 peers.py pyspf 127.0.0.1:5300        # Debian python3-spf
    python3 peers.py checkdmarc 127.0.0.1:5300            # PyPI checkdmarc

Prints one JSON object per domain on stdout.

Both peers are pinned to the given server, and the script refuses to start if anything
could reach another resolver:
  * pyspf (Debian's python3-spf, which uses pydns -- python3-dns, module DNS -- when
    dnspython is not installed for /usr/bin/python3): after import, pydns's
    DNS.defaults['server'] and ['port'] are set to the server, DiscoverNameServers() is
    made a no-op, and the choice of backend is asserted;
  * dnspython's default resolver (used by pyspf if it found dnspython) is replaced by
    one built with configure=False, nameservers=[ip], port=port;
  * checkdmarc gets the server as a dns.nameserver.Do53Nameserver(ip, port) object in
    its nameservers= argument (checkdmarc 6 passes Nameserver objects through);
  * dns.resolver.Resolver.__init__ is wrapped so that any other resolver created inside
    either library is forced to the same server;
  * socket.getaddrinfo refuses every host that is not a loopback address literal, so no
    HTTPS (MTA-STS, BIMI) or SMTP fetch can leave through the system resolver.
"""

import json
import socket
import sys


SENDER_IP = "192.0.2.10"

SPF_DOMAINS = [
    "good.example", "plusall.example", "qall.example", "noall.example",
    "toomany.example", "ten.example", "void.example", "ptr.example", "redirall.example",
    "redir.example", "dupinc.example", "incnone.example", "syntax.example",
    "afterall.example", "mx11.example", "unknownmod.example", "badmod.example",
    "caseall.example", "multi.example", "long.example", "long450.example",
]

DMARC_DOMAINS = [
    "good.example", "dm-pct.example", "dm-badtag.example", "dm-badp.example",
    "dm-nop.example", "dm-ext.example", "dm-extok.example", "dm-none.example",
    "dm-t.example", "dm-np.example", "nx.dm-np.example", "dm-psdbad.example",
    "dm-order.example", "dm-http.example", "dm-multi.example",
    "mail.org1.psd.example", "a.b.inter.example", "a.b.c.d.e.f.g.h.deep.example",
    "x.sub.orgn.example", "nodmarc.example",
]


def pin_socket():
    orig_gai = socket.getaddrinfo

    def gai(h, *a, **k):
        if isinstance(h, bytes):
            h = h.decode()
        if h is None or not (h.startswith("127.") or h == "::1"):
            raise OSError(f"peer-compare: refusing to resolve {h!r} outside loopback")
        return orig_gai(h, *a, **k)

    socket.getaddrinfo = gai


def pin_dnspython(host, port):
    import dns.nameserver
    import dns.resolver

    orig_init = dns.resolver.Resolver.__init__

    def init(self, filename="/etc/resolv.conf", configure=True):
        orig_init(self, filename=filename, configure=False)
        self.nameservers = [dns.nameserver.Do53Nameserver(host, port)]
        self.port = port

    dns.resolver.Resolver.__init__ = init
    dns.resolver.default_resolver = None
    dns.resolver.reset_default_resolver()
    r = dns.resolver.get_default_resolver()
    assert len(r.nameservers) == 1 and r.nameservers[0].port == port


def run_pyspf(host, port):
    import spf

    if spf.DNSLookup is spf.DNSLookup_pydns:
        import DNS

        DNS.DiscoverNameServers = lambda *a, **k: None
        DNS.defaults["server"] = [host]
        DNS.defaults["port"] = port
        DNS.defaults["server_rotate"] = 0
        print(f"pyspf backend: pydns {DNS.defaults}", file=sys.stderr)
    else:
        pin_dnspython(host, port)
        print("pyspf backend: dnspython", file=sys.stderr)

    for d in SPF_DOMAINS:
        q = spf.query(i=SENDER_IP, s=f"postmaster@{d}", h=d, timeout=5)
        res, code, expl = q.check()
        print(json.dumps({"peer": "pyspf", "domain": d, "result": res, "reason": expl,
                          "lookups": q.lookups}))


def run_checkdmarc(host, port):
    import dns.nameserver

    pin_dnspython(host, port)
    from checkdmarc.dmarc import check_dmarc
    from checkdmarc.spf import check_spf

    ns = [dns.nameserver.Do53Nameserver(host, port)]
    for d in SPF_DOMAINS:
        r = check_spf(d, nameservers=ns, timeout=3, retries=0)
        print(json.dumps({"peer": "checkdmarc-spf", "domain": d,
                          "valid": r.get("valid"), "error": r.get("error"),
                          "lookups": r.get("dns_lookups"),
                          "void": r.get("void_dns_lookups"),
                          "warnings": r.get("warnings", [])}, default=str))
    for d in DMARC_DOMAINS:
        r = check_dmarc(d, nameservers=ns, timeout=3, retries=0)
        tags = {k: v.get("value") for k, v in (r.get("tags") or {}).items()
                if isinstance(v, dict) and v.get("explicit", True)}
        print(json.dumps({"peer": "checkdmarc-dmarc", "domain": d,
                          "valid": r.get("valid"), "error": r.get("error"),
                          "location": r.get("location"), "record": r.get("record"),
                          "p": tags.get("p"), "sp": tags.get("sp"), "np": tags.get("np"),
                          "warnings": r.get("warnings", [])}, default=str))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    host, port = sys.argv[2].rsplit(":", 1)
    port = int(port)
    if not host.startswith("127."):
        sys.exit("refusing a non-loopback server")
    pin_socket()
    if sys.argv[1] == "pyspf":
        run_pyspf(host, port)
    elif sys.argv[1] == "checkdmarc":
        run_checkdmarc(host, port)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
