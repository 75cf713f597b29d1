"""The default ConvNet, trained on the handwritten digits (``convlab demo``).

Offline, seeded and reproducible: scikit-learn's bundled 8x8 digits, the
lecture's pattern with two conv layers, one pool and one hidden FC layer.
"""
import time

from convlab.models import ConvNet
from convlab.solver import Solver

SPEC = "[(CONV-RELU)*2-POOL]*1-(FC-RELU)*1-FC"


def digits_convnet(seed=0):
    """The demo's ConvNet for 8x8 single-channel digits (38,282 parameters)."""
    return ConvNet.from_spec(SPEC, input_shape=(1, 8, 8), num_classes=10,
                             filters=[16, 32], hidden_dims=64, seed=seed)


def train_digits(epochs=15, seed=0, batch_size=50, learning_rate=2e-3, verbose=True,
                 callback=None):
    """Train digits_convnet on load_digits(); returns (results, model, solver).

    results: test_accuracy, best val_accuracy, train_seconds, epochs, seed, spec.
    """
    from convlab.data import load_digits

    data = load_digits()
    model = digits_convnet(seed)
    solver = Solver(model, data, update_rule="adam",
                    optim_config={"learning_rate": learning_rate}, lr_decay=0.95,
                    batch_size=batch_size, num_epochs=epochs, num_train_samples=None,
                    seed=seed, verbose=verbose, callback=callback)
    start = time.perf_counter()
    solver.train()
    seconds = time.perf_counter() - start
    test_accuracy = float((model.predict(data["X_test"]) == data["y_test"]).mean())
    results = dict(test_accuracy=test_accuracy, val_accuracy=solver.best_val_acc,
                   train_seconds=round(seconds, 3), epochs=epochs, seed=seed,
                   batch_size=batch_size, spec=SPEC, n_train=len(data["X_train"]),
                   n_test=len(data["X_test"]))
    return results, model, solver
