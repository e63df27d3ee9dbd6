"""The ``lamella`` command: ``lamella plugins [--json] [--strict]``, ``lamella version`` and
``lamella new-plugin NAME [--kind KIND] [--directory DIR]``.

Example::

    $ lamella plugins --strict   # exit 1, and say which, when a plugin is broken
"""

import argparse
import json
import sys

from lamella._version import __version__


def _print_listing(infos):
    if not infos:
        print("No lamella plugins are installed.")
    for info in infos:
        print(f"{info.name} {info.version} [{info.status}]  ({info.entry_point})")
        if info.contract is not None:
            print(f"    hook contract: {info.contract}")
        if info.error:
            print(f"    error: {info.error}")
        if info.unknown_hooks:
            print(f"    unknown hooks (never called): {', '.join(info.unknown_hooks)}")
        for clash in info.clashes:
            print(f"    clash: {clash['kind']} {clash['name']!r} is also registered by"
                  f" {clash['with']!r} (an error when used)")
        for override in info.overrides:
            print(f"    overrides: {override['kind']} {override['name']!r} of"
                  f" {override['replaced']!r}")
        for override in info.overridden:
            print(f"    overridden: {override['kind']} {override['name']!r} by {override['by']!r}")
        for kind, names in info.registered.items():
            print(f"    {kind} ({len(names)}): {', '.join(names)}")


def _plugins(args):
    from lamella.plugins import loader

    # A strict listing (--strict or LAMELLA_STRICT_PLUGINS=1) checks every plugin fully and
    # lists what fails; it never raises: the answer is the listing and the exit status, not a
    # traceback.
    strict = args.strict or loader.strict_from_env()
    infos = loader.load(strict=True, raise_errors=False).infos if strict else loader.plugin_infos()
    if args.json:
        json.dump([info.to_dict() for info in infos], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_listing(infos)
        from lamella.plugins import lookup

        for distribution in lookup.missing_first_party():
            print(f"{distribution} [not installed]  pip install {distribution}")
        from lamella.plugins.contract import CONTRACT_VERSION

        print(f"(lamella-core {__version__} implements hook contract {CONTRACT_VERSION})")
    if not strict:
        return 0
    # Strict: a failed plugin, and any name one plugin takes from another (a clash, an
    # override), is an error; unknown hooks already failed their plugin.
    failed = [info.name for info in infos if info.status in ("failed", "incompatible")]
    taking = sorted(i.name for i in infos if i.clashes or i.overrides or i.overridden)
    if failed:
        print(f"lamella plugins: failed: {', '.join(failed)}", file=sys.stderr)
    if taking:
        print(f"lamella plugins: clashes or overrides: {', '.join(taking)}", file=sys.stderr)
    return 1 if failed or taking else 0


def _new_plugin(args):
    from lamella.plugins import template

    return template.main(args)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lamella", description="lamella: Keras 2.3 on PyTorch")
    parser.add_argument("--version", action="version", version=f"lamella {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("plugins", help="list installed plugins and what they register")
    listing.add_argument("--json", action="store_true", help="print machine-readable JSON")
    listing.add_argument(
        "--strict",
        action="store_true",
        help="check every plugin fully (references import, no unknown hooks, no clashes or"
        " overrides); exit 1 if one fails",
    )
    listing.set_defaults(run=_plugins)
    version = commands.add_parser("version", help="print lamella's version")
    version.set_defaults(run=lambda args: print(__version__) or 0)
    new = commands.add_parser("new-plugin", help="write a ready-to-install plugin package")
    new.add_argument("name", help="the distribution name, e.g. my-plugin (package my_plugin)")
    new.add_argument("--kind", default="layer", help="what it provides (default: layer)",
                     choices=["layer", "optimizer", "loss", "metric", "callback", "activation"])
    new.add_argument("--directory", default=".", help="where to create NAME/ (default: .)")
    new.set_defaults(run=_new_plugin)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
