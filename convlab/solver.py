"""Solver: trains a model with minibatch gradient descent (CS231n-compatible).

    solver = Solver(model, data, update_rule="adam",
                    optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, batch_size=50, num_epochs=10, seed=0)
    solver.train()
    solver.loss_history, solver.train_acc_history, solver.val_acc_history

``data`` is a dict with X_train, y_train, X_val, y_val (other keys are
ignored); ``model`` has ``params`` and ``loss(X, y=None)``. Training shows a
progress bar (a widget in notebooks, text in terminals; ``verbose=False``
turns it off), records the histories, decays the learning rate after each
epoch, and ends with the parameters that scored best on the validation set.
``save_checkpoint`` / ``load_checkpoint`` stop and resume training exactly:
a resumed run ends with the same parameters as one straight through.

With ``device="gpu"`` the model's parameters move to the GPU once, at the
start; the data stay on the CPU and each minibatch moves there once per step.
Histories are Python floats and checkpoints hold NumPy arrays either way.
"""
import json
import os
import tempfile

import numpy as np

from convlab import checks, optim
from convlab.gpu.backend import check_device, is_array, to_cpu, to_device
from convlab.errors import ShapeError
from convlab.i18n import _

CHECKPOINT_FORMAT = "convlab-solver-checkpoint-1"


class Solver:
    """Train ``model`` on ``data``; see the module docstring.

    Arguments (CS231n's, plus seed and callback):
    - update_rule: "sgd", "sgd_momentum", "rmsprop", "adam" or a function
      with the signature of convlab.optim's rules
    - optim_config: hyperparameters for the rule, e.g. {"learning_rate": 1e-3}
    - lr_decay: the learning rate is multiplied by this after each epoch
    - batch_size, num_epochs
    - num_train_samples, num_val_samples: how many examples the accuracy
      checks use (None: all)
    - checkpoint_name: if set, save a checkpoint after every epoch to
      "{checkpoint_name}_epoch_{epoch}.npz"
    - print_every: update the progress bar's loss every this many iterations
    - verbose: show the progress bar and one line per epoch
    - seed: makes minibatch sampling (and so training) reproducible
    - callback: callback(solver, event), event "iteration" after every
      step and "epoch" after each accuracy check, e.g. for live plots
    - device: "cpu" or "gpu" to train there (moves the model's parameters);
      None keeps the model where it is (model.device, else "cpu")
    """

    def __init__(self, model, data, update_rule="sgd", optim_config=None, lr_decay=1.0,
                 batch_size=100, num_epochs=10, num_train_samples=1000,
                 num_val_samples=None, checkpoint_name=None, print_every=10,
                 verbose=True, seed=None, callback=None, device=None):
        self.model = model
        self.device = check_device(device or getattr(model, "device", "cpu"))
        if hasattr(model, "to"):
            model.to(self.device)
        else:       # a CS231n-style model: a params dict and loss()
            model.params.update({k: to_device(v, self.device)
                                 for k, v in model.params.items()})
        self.X_train, self.y_train = _split(data, "train")
        self.X_val, self.y_val = _split(data, "val")
        if isinstance(update_rule, str):
            if update_rule not in optim.RULES:
                raise ShapeError(_("update_rule {rule!r} is not one of {rules}.").format(
                    rule=update_rule, rules=", ".join(optim.RULES)))
            self.update_rule_name, update_rule = update_rule, optim.RULES[update_rule]
        else:
            self.update_rule_name = getattr(update_rule, "__name__", "custom")
        self.update_rule = update_rule
        self.optim_config = dict(optim_config or {})
        self.lr_decay = float(lr_decay)
        self.batch_size = checks.whole_number("batch_size", batch_size, minimum=1)
        self.num_epochs = checks.whole_number("num_epochs", num_epochs, minimum=1)
        self.num_train_samples = num_train_samples
        self.num_val_samples = num_val_samples
        self.checkpoint_name = checkpoint_name
        self.print_every = checks.whole_number("print_every", print_every, minimum=1)
        self.verbose = verbose
        self.callback = callback
        self.rng = np.random.default_rng(seed)
        self._reset()

    def _reset(self):
        self.epoch = 0
        self.iteration = 0
        self.best_val_acc = 0.0
        self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {k: dict(self.optim_config) for k in self.model.params}

    @property
    def iterations_per_epoch(self):
        return max(len(self.X_train) // self.batch_size, 1)

    def _step(self):
        """One gradient update on a random minibatch."""
        batch = self.rng.choice(len(self.X_train), self.batch_size)
        # The data stay on the CPU; each minibatch moves to the device once.
        loss, grads = self.model.loss(to_device(self.X_train[batch], self.device),
                                      to_device(self.y_train[batch], self.device))
        self.loss_history.append(float(loss))
        for name, w in self.model.params.items():
            self.model.params[name], self.optim_configs[name] = self.update_rule(
                w, grads[name], self.optim_configs[name])

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of X (N, ...) the model classifies as y (N,).

        num_samples: check a random subset of this size (None: all of X).
        """
        X, y = to_cpu(X), to_cpu(y)
        if num_samples is not None and len(X) > num_samples:
            subset = self.rng.choice(len(X), num_samples)
            X, y = X[subset], y[subset]
        predictions = np.concatenate([
            to_cpu(np.argmax(self.model.loss(to_device(X[i:i + batch_size], self.device)),
                             axis=1))
            for i in range(0, len(X), batch_size)])
        return float(np.mean(predictions == y))

    def train(self):
        """Train up to num_epochs (continuing where a loaded checkpoint stopped).

        Ends with model.params set to the best parameters seen on the
        validation set.
        """
        from tqdm.auto import tqdm

        total = self.num_epochs * self.iterations_per_epoch
        bar = tqdm(total=total, initial=self.iteration, disable=not self.verbose,
                   desc=_("training"), unit="it", dynamic_ncols=True)
        while self.iteration < total:
            self._step()
            t, self.iteration = self.iteration, self.iteration + 1
            if self.callback:
                self.callback(self, "iteration")
            epoch_end = self.iteration % self.iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] = config.get("learning_rate", 1e-2) * self.lr_decay
            if t % self.print_every == 0 or epoch_end:
                bar.set_postfix(loss=f"{self.loss_history[-1]:.3f}", epoch=self.epoch,
                                refresh=False)
            bar.update(1)
            if t == 0 or epoch_end or self.iteration == total:
                self._check_and_record(bar)
        bar.close()
        self.model.params = {k: v.copy() for k, v in self.best_params.items()}

    def _check_and_record(self, bar):
        train_acc = self.check_accuracy(self.X_train, self.y_train, self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.verbose:
            bar.write(_("epoch {epoch}/{epochs}: train acc {train:.3f}, val acc "
                        "{val:.3f}, loss {loss:.3f}").format(
                epoch=self.epoch, epochs=self.num_epochs, train=train_acc, val=val_acc,
                loss=self.loss_history[-1]))
        if self.checkpoint_name:
            self.save_checkpoint(f"{self.checkpoint_name}_epoch_{self.epoch}.npz")
        if self.callback:
            self.callback(self, "epoch")

    # --- checkpoints ---------------------------------------------------------

    def save_checkpoint(self, path):
        """Save everything needed to resume training to ``path`` (.npz).

        Plain arrays and JSON, no pickle: loading a checkpoint never runs code.
        Arrays on a GPU are saved as NumPy arrays.
        """
        arrays, meta_configs = {}, {}
        for name, config in self.optim_configs.items():
            meta_configs[name] = {}
            for key, value in config.items():
                if is_array(value):
                    arrays[f"optim/{name}/{key}"] = to_cpu(value)
                else:
                    meta_configs[name][key] = value
        for name, value in self.model.params.items():
            arrays[f"params/{name}"] = to_cpu(value)
            arrays[f"best_params/{name}"] = to_cpu(self.best_params[name])
        meta = dict(format=CHECKPOINT_FORMAT, epoch=self.epoch, iteration=self.iteration,
                    best_val_acc=self.best_val_acc, loss_history=self.loss_history,
                    train_acc_history=self.train_acc_history,
                    val_acc_history=self.val_acc_history, optim_configs=meta_configs,
                    update_rule=self.update_rule_name, lr_decay=self.lr_decay,
                    batch_size=self.batch_size, num_epochs=self.num_epochs,
                    rng_state=self.rng.bit_generator.state)
        arrays["meta"] = np.array(json.dumps(meta))
        folder = os.path.dirname(os.path.abspath(path))
        # Write to a temporary file and rename: an interrupted save never
        # leaves a half-written checkpoint under the real name.
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as f:
            np.savez(f, **arrays)
        os.replace(f.name, path)

    def load_checkpoint(self, path):
        """Restore the model and the training state saved by save_checkpoint."""
        with np.load(path, allow_pickle=False) as saved:
            if "meta" not in saved.files:
                raise ShapeError(_("{path} is not a convlab Solver checkpoint.").format(
                    path=path))
            meta = json.loads(str(saved["meta"]))
            arrays = {k: saved[k] for k in saved.files if k != "meta"}
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise ShapeError(_("{path} is not a convlab Solver checkpoint.").format(
                path=path))
        params = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("params/")}
        expected = {k: v.shape for k, v in self.model.params.items()}
        if {k: v.shape for k, v in params.items()} != expected:
            raise ShapeError(_("{path} was saved from another model: its parameters "
                               "{saved} do not match this model's {expected}.").format(
                path=path, saved={k: v.shape for k, v in params.items()},
                expected=expected))
        self.model.params = {k: to_device(v, self.device) for k, v in params.items()}
        self.best_params = {k.split("/", 1)[1]: to_device(v, self.device)
                            for k, v in arrays.items() if k.startswith("best_params/")}
        self.optim_configs = meta["optim_configs"]
        for key, value in arrays.items():
            if key.startswith("optim/"):
                _prefix, name, field = key.split("/", 2)
                self.optim_configs[name][field] = to_device(value, self.device)
        for key in ("epoch", "iteration", "best_val_acc", "loss_history",
                    "train_acc_history", "val_acc_history"):
            setattr(self, key, meta[key])
        self.rng.bit_generator.state = meta["rng_state"]


def _split(data, part):
    """X and y of one part ("train" or "val") of a data dict, checked."""
    if not isinstance(data, dict):
        raise TypeError(_("data must be a dict with X_train, y_train, X_val, y_val, "
                          "got {type}.").format(type=type(data).__name__))
    missing = [k for k in (f"X_{part}", f"y_{part}") if k not in data]
    if missing:
        raise ShapeError(_("data is missing {keys}: it needs X_train, y_train, X_val "
                           "and y_val.").format(keys=", ".join(missing)))
    X, y = data[f"X_{part}"], data[f"y_{part}"]
    checks.array(f"X_{part}", X)
    checks.array(f"y_{part}", y, 1, "(N,)")
    if len(X) != len(y):
        raise ShapeError(_("X_{part} has {n} examples but y_{part} has {m} labels.").format(
            part=part, n=len(X), m=len(y)))
    return to_cpu(X), to_cpu(y)     # the data stay on the CPU (see _step)
