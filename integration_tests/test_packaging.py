"""Every distribution is ready to publish: one license, one set of project metadata, READMEs that
read on PyPI. Reads the files only (no build); twine checks the built files by hand, see below.

    python3 -m venv /tmp/twine && /tmp/twine/bin/pip install twine build hatchling
    for d in . packages/* plugins/*; do
        /tmp/twine/bin/python -m build --no-isolation -o /tmp/dist "$d"
    done
    /tmp/twine/bin/twine check --strict /tmp/dist/*
"""

import hashlib
import pathlib
import re

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The folders holding a distribution: the meta-package (the root), the packages, the plugins.
FOLDERS = [ROOT, *sorted(p.parent for p in ROOT.glob("packages/*/pyproject.toml")),
           *sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))]
# sha256 of the Apache License 2.0 exactly as https://www.apache.org/licenses/LICENSE-2.0.txt
# publishes it (the same bytes as Debian's /usr/share/common-licenses/Apache-2.0).
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
REPO = "https://github.com/lamella-dev/lamella"
# Distributions that bundle data under a licence of its own, with the file crediting it.
EXTRA_LICENSES = {
    "lamella-io": ("Apache-2.0 AND CC-BY-4.0", "src/lamella_io/datasets/data/DIGITS_LICENSE.md"),
    # the application modules are ported from keras_applications 1.0.8 (MIT)
    "lamella-applications": ("Apache-2.0 AND MIT", "NOTICE"),
}
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
REQUIRED_CLASSIFIERS = {
    "Development Status :: 3 - Alpha",
    "Programming Language :: Python :: 3 :: Only",
    "Topic :: Scientific/Engineering :: Artificial Intelligence",
    *(f"Programming Language :: Python :: {v}" for v in PYTHONS),
}


def _pyproject(folder):
    return tomllib.loads((folder / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def projects():
    return {folder: _pyproject(folder)["project"] for folder in FOLDERS}


def test_every_distribution_is_found(projects):
    names = {project["name"] for project in projects.values()}
    assert {"lamella", "lamella-core", "lamella-layers", "lamella-optimizers", "lamella-losses",
            "lamella-callbacks", "lamella-io", "lamella-distributed", "lamella-applications",
            "lamella-example-swish"} <= names


def test_license_is_the_unmodified_apache_2_text_and_every_copy_is_identical():
    root = (ROOT / "LICENSE").read_bytes()
    assert hashlib.sha256(root).hexdigest() == APACHE_2_SHA256
    for folder in FOLDERS[1:]:
        # hatchling cannot ship a file above the project folder, so each keeps a copy
        assert (folder / "LICENSE").read_bytes() == root, folder / "LICENSE"


def test_license_metadata(projects):
    for folder, project in projects.items():
        expression, *extra_files = EXTRA_LICENSES.get(project["name"], ("Apache-2.0",))
        assert project["license"] == expression, folder
        assert project["license-files"] == ["LICENSE", *extra_files], folder
        for name in project["license-files"]:
            assert (folder / name).is_file(), folder / name
        # PEP 639: a license expression replaces the License :: classifiers (PyPI rejects both)
        assert not [c for c in project["classifiers"] if c.startswith("License ::")], folder
        # license-files as PEP 639 globs needs hatchling 1.27
        pyproject = _pyproject(folder)
        assert pyproject["build-system"]["requires"] == ["hatchling>=1.27"], folder
        # core metadata 2.4, not hatchling's newer default 2.5 that twine < 7 rejects
        for target in ("wheel", "sdist"):
            targets = pyproject["tool"]["hatch"]["build"]["targets"]
            assert targets[target]["core-metadata-version"] == "2.4", (folder, target)


def test_shared_metadata_agrees(projects):
    root = projects[ROOT]
    assert root["requires-python"] == ">=3.10"  # torch 2.13 needs 3.10
    assert root["authors"] == [{"name": "The lamella authors"}]
    assert set(root["urls"]) == {"Homepage", "Documentation", "Source", "Issues"}
    for url in root["urls"].values():
        assert url.startswith(REPO), url
    assert REQUIRED_CLASSIFIERS <= set(root["classifiers"])
    assert not [c for c in root["classifiers"] if re.fullmatch(
        r"Programming Language :: Python :: 3\.\d+", c) and c.rsplit(" ", 1)[1] not in PYTHONS]
    for folder, project in projects.items():
        for key in ("requires-python", "authors", "urls", "classifiers"):
            assert project[key] == root[key], (folder, key)
        assert project["keywords"] and "keras" in project["keywords"], folder
        assert project["readme"] == "README.md" and (folder / "README.md").is_file(), folder
    ruff = _pyproject(ROOT)["tool"]["ruff"]["target-version"]
    assert ruff == "py" + root["requires-python"].removeprefix(">=").replace(".", "")


def _links(text):
    """Inline link and image targets, reference-style definitions and HTML src/href values."""
    return (re.findall(r"\]\(\s*<?([^)\s>]*)", text)
            + re.findall(r"(?m)^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", text)
            + re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", text))


def test_package_readmes_have_no_relative_links():
    # PyPI shows a README without the repository around it: a relative link leads nowhere.
    for folder in FOLDERS[1:]:
        text = (folder / "README.md").read_text()
        for target in _links(text):
            assert re.match(r"(https?://|mailto:)", target), (folder / "README.md", target)


def test_repository_links_point_at_files_that_exist():
    for folder in FOLDERS[1:]:
        for target in _links((folder / "README.md").read_text()):
            match = re.match(re.escape(REPO) + r"/(?:blob|tree)/main/([^#?]+)", target)
            if match:
                assert (ROOT / match.group(1)).exists(), (folder / "README.md", target)


def test_root_readme_is_the_meta_package_page_and_the_front_page():
    text = (ROOT / "README.md").read_text()
    # the PyPI page of `lamella` starts with how to install it
    assert "`pip install lamella`" in text.splitlines()[0]
    # the repository's front page keeps its quick start (.ci/run runs tools/test)
    assert re.search(r"(?m)^\s+tools/demo\s", text) and re.search(r"(?m)^\s+tools/test\s", text)
