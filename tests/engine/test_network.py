"""The network: exact gradients, reproducible seeds, shapes, and it learns XOR."""

import numpy as np
import pytest

from engine import activations, losses, optimizers
from engine.network import Network

ACTS = activations.names()
HEADS = losses.names()


def numerical_grads(net, X, T, reduction, h=1e-6):
    """Centred differences (L(w+h) - L(w-h)) / 2h for every parameter entry (CS231n style)."""
    grads = []
    for p in net.parameters():
        num = np.zeros_like(p.value)
        for idx in np.ndindex(p.value.shape):
            old = p.value[idx]
            p.value[idx] = old + h
            plus = net.head.loss(net.forward(X, keep=False), T, reduction)
            p.value[idx] = old - h
            minus = net.head.loss(net.forward(X, keep=False), T, reduction)
            p.value[idx] = old
            num[idx] = (plus - minus) / (2 * h)
        grads.append(num)
    return grads


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)


def check_gradients(net, X, y, reduction):
    T = net.targets(y)
    net.loss_and_backward(X, T, reduction)
    analytic = [p.grad.copy() for p in net.parameters()]
    for p, a, n in zip(net.parameters(), analytic, numerical_grads(net, X, T, reduction)):
        err = relative_error(a, n)
        assert err < 1e-6, f"{p.name}: relative error {err:.2e}"


def data(n=9, d=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.arange(n) % k
    return X, y


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("act", ACTS)
def test_gradient_check_every_activation_head_reduction(act, head, reduction):
    k = 2 if head == "sigmoid" else 3
    X, y = data(k=k)
    net = Network(3, k, [4, 5], activation=act, head=head, init="normal",
                  init_params={"std": 0.8}, bias_init="like_weights", seed=1)
    check_gradients(net, X, y, reduction)


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("hidden", [[], [6], [4, 3, 5]])
def test_gradient_check_shapes(hidden, head):
    k = 2 if head == "sigmoid" else 4
    X, y = data(n=11, d=2, k=k, seed=2)
    net = Network(2, k, hidden, activation="tanh", head=head, init="he", bias_init="like_weights", seed=3)
    check_gradients(net, X, y, "mean")


def test_gradient_check_mixed_per_layer_activations():
    X, y = data(n=10, d=4, k=3, seed=4)
    net = Network(4, 3, [5, 4, 3, 4], activation=["sigmoid", "elu", "gelu", "leaky_relu"],
                  activation_params={"slope": 0.2, "alpha": 0.7}, head="softmax",
                  init="glorot_uniform", bias_init="like_weights", seed=5)
    assert [repr(a) for a in net.hidden_activations] == ["sigmoid", "elu(alpha=0.7)", "gelu", "leaky_relu(slope=0.2)"]
    check_gradients(net, X, y, "sum")


def test_backward_keeps_layer_gradients():
    X, y = data()
    net = Network(3, 3, [4, 5], activation="sigmoid", seed=0)
    net.loss_and_backward(X, net.targets(y))
    assert [d.shape for d in net.deltas] == [(9, 4), (9, 5), (9, 3)]
    assert [z.shape for z in net.zs] == [(9, 4), (9, 5), (9, 3)]
    assert [a.shape for a in net.activations] == [(9, 3), (9, 4), (9, 5)]
    # dW of layer 1 is X^T delta_1
    np.testing.assert_allclose(net.layers[0].W.grad, X.T @ net.deltas[0])


def test_same_seed_bit_identical_training_and_different_seeds_differ():
    X, y = data(n=40, d=2, k=2, seed=9)

    def train(seed):
        net = Network(2, 2, [8, 8], activation="tanh", init="xavier", bias_init="like_weights", seed=seed)
        opt = optimizers.get("adam", net.parameters(), lr=0.01)
        T = net.targets(y)
        losses_ = []
        for _ in range(30):
            losses_.append(net.loss_and_backward(X, T))
            opt.step()
        return losses_, net.get_weights()

    l1, w1 = train(0)
    l2, w2 = train(0)
    l3, w3 = train(1)
    assert l1 == l2
    for (a, b), (c, d) in zip(w1, w2):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert l1 != l3
    assert not np.array_equal(w1[0][0], w3[0][0])


def test_initialize_reproduces_and_set_weights_validates():
    net = Network(2, 3, [4], seed=11)
    first = net.get_weights()
    net.initialize(12)
    assert not np.array_equal(first[0][0], net.get_weights()[0][0])
    net.initialize(11)
    np.testing.assert_array_equal(first[0][0], net.get_weights()[0][0])
    with pytest.raises(ValueError, match="layer 1"):
        net.set_weights([(np.zeros((3, 4)), np.zeros(4)), first[1]])


def test_deep_and_wide_networks_work():
    X, y = data(n=16, d=5, k=3)
    deep = Network(5, 3, [8] * 20, activation="relu", init="he", seed=0)
    assert len(deep.layers) == 21
    deep.loss_and_backward(X, deep.targets(y))
    assert all(np.all(np.isfinite(p.grad)) for p in deep.parameters())
    wide = Network(5, 3, [1024], activation="tanh", seed=0)
    wide.loss_and_backward(X, wide.targets(y))
    assert wide.layers[0].W.grad.shape == (5, 1024)


def test_float32_on_request():
    X, y = data()
    net = Network(3, 3, [4], dtype="float32", seed=0)
    T = net.targets(y)
    net.loss_and_backward(X, T)
    assert all(p.value.dtype == np.float32 and p.grad.dtype == np.float32 for p in net.parameters())
    assert net.forward(X).dtype == np.float32
    net64 = Network(3, 3, [4], seed=0)
    np.testing.assert_allclose(net.forward(X), net64.forward(X), rtol=1e-5, atol=1e-6)


def test_zero_hidden_layers_is_logistic_regression():
    net = Network(2, 2, [], head="sigmoid", seed=0)
    assert net.n_parameters == 3
    assert net.summary() == "2 → 1 sigmoid · 3 parameters"


def test_repr_and_summary_describe_the_architecture():
    net = Network(2, 4, [16, 16], activation="relu", init="he")
    assert net.summary() == "2 → 16 relu → 16 relu → 4 softmax · 388 parameters"
    text = repr(net)
    assert "Dense(2 -> 16, relu)" in text and "Dense(16 -> 4, logits)" in text and "init=he" in text


def test_parameters_and_zero_grad():
    net = Network(2, 2, [3], seed=0)
    assert [p.name for p in net.parameters()] == ["W1", "b1", "W2", "b2"]
    assert [p.regularize for p in net.parameters()] == [True, False, True, False]
    X, y = data(d=2, k=2)
    net.loss_and_backward(X, net.targets(y))
    assert any(p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert not any(p.grad.any() for p in net.parameters())


def test_invalid_architecture_messages():
    with pytest.raises(ValueError, match="positive"):
        Network(2, 2, [4, 0])
    with pytest.raises(ValueError, match="2 activations for 3 hidden layers"):
        Network(2, 2, [4, 4, 4], activation=["relu", "tanh"])
    with pytest.raises(ValueError, match="exactly 2 classes"):
        Network(2, 3, [4], head="sigmoid")


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])
XOR_LR = {"gd": 0.5, "sgd": 0.5, "momentum": 0.1, "nag": 0.1, "adagrad": 0.3, "rmsprop": 0.02, "adam": 0.03}


@pytest.mark.parametrize("name", optimizers.names())
def test_tiny_network_learns_xor_with_each_optimiser(name):
    net = Network(2, 2, [8], activation="tanh", init="xavier", bias_init="like_weights", head="softmax", seed=0)
    opt = optimizers.get(name, net.parameters(), lr=XOR_LR[name])
    T = net.targets(XOR_Y)
    for _ in range(1500):
        loss = net.loss_and_backward(XOR_X, T)
        opt.step()
    assert np.array_equal(net.predict(XOR_X), XOR_Y)
    assert loss < 0.1
