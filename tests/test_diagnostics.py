"""explain(), draw_graph() and GradientMonitor."""

import io
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.diagnostics import GradientMonitor, explain


def _leaf(v):
    return cr.tensor(v, dtype=cr.float64, requires_grad=True)


GRAPHS = {
    "sin_x2": lambda x, w: (x * x).sin(),
    "fan_out": lambda x, w: x * w + (x * w).exp() - w / x,
    "tanh_sigmoid": lambda x, w: (x.tanh() * w.sigmoid()).pow(3),
    "vector": lambda x, w: ((x * w).relu() + x.abs()).sum(),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_explain_matches_backward(name):
    shape = (3,) if name == "vector" else ()
    rng = np.random.default_rng(1)
    x = _leaf(rng.uniform(0.5, 1.5, shape))
    w = _leaf(rng.uniform(-1.0, 1.0, shape))
    out = GRAPHS[name](x, w)
    buf = io.StringIO()
    grads = explain(out, {"x": x, "w": w}, file=buf)
    out.backward()
    np.testing.assert_array_equal(grads["x"], x.grad.numpy())
    if "w" in grads:
        np.testing.assert_array_equal(grads["w"], w.grad.numpy())
    text = buf.getvalue()
    assert "Forward pass" in text and "d out/d x" in text


def test_explain_prints_each_chain_rule_step():
    x = _leaf(math.pi / 4)
    buf = io.StringIO()
    grads = explain((x * x).sin(), {"x": x}, file=buf)
    text = buf.getvalue()
    assert "cos(v1)" in text  # the local derivative of sin, named by its operand
    assert grads["x"] == pytest.approx(math.cos(math.pi**2 / 16) * 2 * math.pi / 4, abs=1e-15)


def test_explain_rejects_freed_graph_and_vectors():
    x = _leaf(1.0)
    y = x.exp()
    y.backward()
    with pytest.raises(RuntimeError, match="freed"):
        explain(y, file=io.StringIO())
    with pytest.raises(RuntimeError, match="one element"):
        explain(_leaf([1.0, 2.0]) * 2, file=io.StringIO())


def test_draw_graph_lists_ops_and_gradients(tmp_path):
    pytest.importorskip("graphviz")
    from chainrule.viz import draw_graph

    x = _leaf(2.0)
    w = _leaf(3.0)
    y = (x * w).tanh() + x
    y.backward()
    dot = draw_graph(y, {"x": x, "w": w}, path=tmp_path / "g")
    src = dot.source
    for op in ("TanhBackward", "MulBackward", "AddBackward"):
        assert op in src
    assert "grad" in src and '"x' in src or "x\n" in src
    assert (tmp_path / "g.dot").read_text() == src


def _two_layer():
    return cr.nn.Sequential(cr.nn.Linear(4, 8), cr.nn.Sigmoid(), cr.nn.Linear(8, 1))


def test_gradient_monitor_records_layers_and_flags():
    cr.manual_seed(0)
    model = _two_layer()
    monitor = GradientMonitor(model, vanishing=1e-12, exploding=1e12)
    for _ in range(3):
        model.zero_grad()
        model(cr.randn(16, 4)).pow(2).mean().backward()
        monitor.record()
    assert set(monitor.history) == {"0", "2"}
    assert all(len(v) == 3 for v in monitor.history.values())
    expected = math.sqrt(sum(float((p.grad.numpy() ** 2).sum())
                             for p in model[0].parameters()))
    assert monitor.latest()["0"] == pytest.approx(expected)
    assert monitor.vanishing_layers() == [] and monitor.exploding_layers() == []

    strict = GradientMonitor(model, vanishing=1e9, exploding=1e10)
    strict.record()
    assert sorted(strict.vanishing_layers()) == ["0", "2"]
    assert "VANISHING" in strict.report()


def test_gradient_monitor_plot(tmp_path):
    pytest.importorskip("matplotlib")
    model = _two_layer()
    monitor = GradientMonitor(model)
    model(cr.randn(4, 4)).sum().backward()
    monitor.record()
    path = monitor.plot(tmp_path / "grads.png")
    assert path.exists() and path.stat().st_size > 1000


def test_gradient_monitor_validates_arguments():
    with pytest.raises(ValueError):
        GradientMonitor(vanishing=1.0, exploding=0.5)
    with pytest.raises(ValueError):
        GradientMonitor(every=0)
