"""model_to_dot / plot_model draw the layers and their connections."""

import importlib.util

import pytest

import lamella
from lamella.testing import SeededDense as ToyDense
from lamella.utils import model_to_dot, plot_model

# pydot is optional (a GPU test machine lacks it); the missing-pydot message is tested below.
HAS_PYDOT = importlib.util.find_spec("pydot") is not None
needs_pydot = pytest.mark.skipif(not HAS_PYDOT, reason="pydot is not installed (optional)")


def _two_branch_model():
    a, b = lamella.Input((3,), name="a"), lamella.Input((3,), name="b")
    shared = ToyDense(2, name="shared")
    return lamella.Model([a, b], [shared(a), ToyDense(1, name="head")(shared(b))])


@needs_pydot
def test_nodes_and_edges_follow_the_graph():
    dot = model_to_dot(_two_branch_model(), show_shapes=True)
    labels = {n.get_name(): n.get("label") for n in dot.get_nodes() if n.get("label")}
    assert sorted(label.split("\n")[0].strip('"') for label in labels.values()) == [
        "a: InputLayer", "b: InputLayer", "head: SeededDense", "shared: SeededDense"]
    assert any("(None, 3)" in label for label in labels.values())
    edges = {(labels[e.get_source()].split(":")[0].strip('"'),
              labels[e.get_destination()].split(":")[0].strip('"')) for e in dot.get_edges()}
    assert edges == {("a", "shared"), ("b", "shared"), ("shared", "head")}


@needs_pydot
def test_sequential_draws_its_input(tmp_path):
    model = lamella.Sequential([ToyDense(2, input_shape=(4,), name="d")])
    path = tmp_path / "model.dot"
    plot_model(model, to_file=str(path))
    text = path.read_text()
    assert "d_input: InputLayer" in text and "d: SeededDense" in text and "->" in text


def test_image_format_without_graphviz_says_what_to_install(tmp_path, monkeypatch):
    import shutil

    if not HAS_PYDOT:
        with pytest.raises(ImportError, match="pip install pydot"):
            plot_model(_two_branch_model(), to_file=str(tmp_path / "model.png"))
        return
    if shutil.which("dot"):
        pytest.skip("Graphviz is installed here; the missing-program message cannot be shown")
    with pytest.raises(OSError, match="Graphviz"):
        plot_model(_two_branch_model(), to_file=str(tmp_path / "model.png"))
