"""The ``lamella`` command: ``lamella plugins [--json]`` and ``lamella version``."""

import argparse
import json
import sys

from lamella import plugins
from lamella._version import __version__


def _plugins(args):
    infos = plugins.plugin_infos()
    if args.json:
        json.dump([info.to_dict() for info in infos], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not infos:
        print("No lamella plugins are installed.")
        return 0
    for info in infos:
        print(f"{info.name} {info.version} [{info.status}]  ({info.entry_point})")
        if info.error:
            print(f"    error: {info.error}")
        for kind, names in info.registered.items():
            print(f"    {kind} ({len(names)}): {', '.join(names)}")
    failed = sum(info.status == "failed" for info in infos)
    return 1 if failed and args.strict else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lamella", description="lamella: Keras 2.3 on PyTorch")
    parser.add_argument("--version", action="version", version=f"lamella {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("plugins", help="list installed plugins and what they register")
    listing.add_argument("--json", action="store_true", help="print machine-readable JSON")
    listing.add_argument("--strict", action="store_true", help="exit 1 when a plugin failed")
    listing.set_defaults(run=_plugins)
    version = commands.add_parser("version", help="print lamella's version")
    version.set_defaults(run=lambda args: print(__version__) or 0)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
