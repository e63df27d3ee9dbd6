# Shared by the tools/ scripts: paths, the Python to use, and the package list.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${LAMELLA_PYTHON:-python3}"
VENV="${LAMELLA_VENV:-$ROOT/.venv}"
TORCH_SPEC="torch==2.13.0"
# Tools every environment needs besides the packages' own dependencies.
# pydot: the optional dependency behind lamella.utils.plot_model, so its tests run everywhere.
DEV_TOOLS=("hatchling>=1.27" editables pytest hypothesis pydot ruff)
# Tools for the documentation site and the release check (tools/test builds the docs with
# `mkdocs build --strict` and runs tools/check-dists); only the development environment needs
# them. None brings a torch (checked with `pip install --dry-run`).
DOCS_TOOLS=("mkdocs==1.6.1" "mkdocs-material==9.8.2" "mkdocstrings==1.0.8"
            "mkdocstrings-python==2.0.11" "twine==7.0.0" "build==1.6.1")
# Every first-party package, core first.
PACKAGES=(core-engine layers optimizers losses callbacks io distributed applications)
# Optional extras a package's tests exercise: tools/setup and tools/isolated-test install them,
# so CI runs those tests (they skip where the extra is missing).
declare -A PACKAGE_EXTRAS=([callbacks]=tensorboard [io]=pandas)

# package_spec PKG: "packages/PKG" with its test extras, e.g. "packages/callbacks[tensorboard]".
package_spec() {
  local extra="${PACKAGE_EXTRAS[$1]:-}"
  echo "packages/$1${extra:+[$extra]}"
}

# ensure_torch VENV: install the pinned CPU torch before anything can ask pip for a bare torch.
ensure_torch() {
  local py="$1/bin/python"
  if ! "$py" -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
    "$py" -m pip install --quiet --disable-pip-version-check "$TORCH_SPEC"
  fi
}

# stamp_of FILES...: a hash that changes when any of the files changes.
stamp_of() {
  local f
  for f in "$@"; do if [ -f "$f" ]; then cat "$f"; fi; done | sha256sum | cut -c1-16
}
