"""Fetch the GraphiQL page's assets from the npm registry into server/static/graphiql/, pinned and verified.

GraphiQL is the staff's manual, and staff often work on networks without the internet, so the page's scripts and
styles are served by the app itself (server/graphiql.py) instead of a CDN. This script is how they got there and
how they are upgraded: change a version and its hash below, run it, commit the files. It is never run by the server
or the tests; they only read the committed files (tests/test_graphiql_assets.py checks them against the pins).

    python scripts/fetch_graphiql.py           # download, verify, write
    python scripts/fetch_graphiql.py --check   # verify the committed files only (no network)

NPM_REGISTRY overrides the registry (default https://registry.npmjs.org), e.g. for a mirror.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ASSET_DIR = Path(__file__).resolve().parent.parent / "server" / "static" / "graphiql"


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    member: str
    """The file's path inside the package's tarball."""
    name: str
    """The file's name under ASSET_DIR."""
    integrity: str
    """Subresource-integrity hash (the same pins strawberry's CDN page uses)."""


ASSETS = (
    Asset("react", "18.2.0", "package/umd/react.production.min.js", "react.production.min.js",
          "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"),
    Asset("react-dom", "18.2.0", "package/umd/react-dom.production.min.js", "react-dom.production.min.js",
          "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"),
    Asset("graphiql", "3.8.3", "package/graphiql.min.js", "graphiql.min.js",
          "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"),
    Asset("graphiql", "3.8.3", "package/graphiql.min.css", "graphiql.min.css",
          "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"),
    Asset("@graphiql/plugin-explorer", "1.0.2", "package/dist/index.umd.js", "plugin-explorer.umd.js",
          "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"),
    Asset("@graphiql/plugin-explorer", "1.0.2", "package/dist/style.css", "plugin-explorer.css",
          "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"),
)  # fmt: skip


def integrity_of(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def _tarball_url(registry: str, package: str, version: str) -> str:
    bare = package.rsplit("/", 1)[-1]
    return f"{registry.rstrip('/')}/{package}/-/{bare}-{version}.tgz"


def fetch(registry: str) -> None:
    tarballs: dict[tuple[str, str], tarfile.TarFile] = {}
    ASSET_DIR.mkdir(parents=True, exist_ok=True)
    for asset in ASSETS:
        key = (asset.package, asset.version)
        if key not in tarballs:
            url = _tarball_url(registry, asset.package, asset.version)
            with urllib.request.urlopen(url, timeout=60) as response:
                tarballs[key] = tarfile.open(fileobj=io.BytesIO(response.read()), mode="r:gz")
        member = tarballs[key].extractfile(asset.member)
        if member is None:
            raise SystemExit(f"{asset.package}@{asset.version} has no file {asset.member}")
        content = member.read()
        if integrity_of(content) != asset.integrity:
            raise SystemExit(f"{asset.package}@{asset.version} {asset.member}: hash differs from the pin")
        (ASSET_DIR / asset.name).write_bytes(content)
        print(f"{asset.name}: {asset.package}@{asset.version}, {len(content):,} bytes, verified")


def problems() -> list[str]:
    """What is wrong with the committed assets (missing, or not the pinned bytes); empty when all is well."""
    found = []
    for asset in ASSETS:
        path = ASSET_DIR / asset.name
        if not path.is_file():
            found.append(f"{asset.name} is missing")
        elif integrity_of(path.read_bytes()) != asset.integrity:
            found.append(f"{asset.name} is not {asset.package}@{asset.version} {asset.member}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files; no network")
    args = parser.parse_args()
    if not args.check:
        fetch(os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org"))
    wrong = problems()
    for line in wrong:
        print(line, file=sys.stderr)
    raise SystemExit(1 if wrong else 0)


if __name__ == "__main__":
    main()
