"""What `bench.compare` needs beyond Python, installed only through the package clients and only when missing:

- Node.js and npm: Debian's `nodejs` and `npm` packages (`apt-get install`, as root);
- PostGraphile 4.14.1 with @graphile-contrib/pg-simplify-inflector and postgraphile-plugin-connection-filter 2.x:
  `npm install` into bench/.node/ (git-ignored; the command owns it, delete it to start over);
- wrk, the load generator: Debian's `wrk` package. Why wrk and not a Python client: it is C on epoll and spends
  a few microseconds per request, where an httpx client spends a few hundred, and on a 2-core machine whatever
  the load generator burns is taken from the server and PostgreSQL being measured; its latency histogram gives
  p50 and p99; Lua scripts give each connection its own token and ticket numbers.

Nothing here runs at request time, and nothing is downloaded other than by apt-get and npm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parent / ".node"
NODE_MODULES = NODE_DIR / "node_modules"
NPM_PACKAGES = {
    "postgraphile": "4.14.1",
    "@graphile-contrib/pg-simplify-inflector": "6.1.0",
    "postgraphile-plugin-connection-filter": "2.3.0",
}


class MissingTool(RuntimeError):
    pass


def _apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        raise MissingTool(f"{', '.join(packages)} missing: run `sudo apt-get install {' '.join(packages)}`")
    print(f"installing {', '.join(packages)} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-q", *packages], env=env).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", *packages], env=env, check=True)


def ensure_wrk() -> str:
    if shutil.which("wrk") is None:
        _apt_install("wrk")
    path = shutil.which("wrk")
    if path is None:
        raise MissingTool("wrk is still missing after apt-get install wrk")
    return path


def _installed_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in NPM_PACKAGES:
        manifest = NODE_MODULES / name / "package.json"
        if manifest.exists():
            versions[name] = json.loads(manifest.read_text())["version"]
    return versions


def ensure_node_packages() -> dict[str, str]:
    """Node, npm and the pinned PostGraphile packages; returns the versions in use (node included)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        _apt_install("nodejs", "npm")
    if _installed_versions() != NPM_PACKAGES:
        NODE_DIR.mkdir(exist_ok=True)
        manifest = NODE_DIR / "package.json"
        if not manifest.exists():
            manifest.write_text(json.dumps({"name": "helpdesk-bench-node", "private": True}, indent=2) + "\n")
        print("installing PostGraphile into bench/.node with npm", flush=True)
        specs = [f"{name}@{version}" for name, version in NPM_PACKAGES.items()]
        subprocess.run(
            ["npm", "install", "--save-exact", "--no-audit", "--no-fund", "--loglevel=error", *specs],
            cwd=NODE_DIR,
            check=True,
        )
    versions = _installed_versions()
    if versions != NPM_PACKAGES:
        raise MissingTool(f"npm installed {versions}, expected {NPM_PACKAGES}")
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    return {"node": node, **versions}
