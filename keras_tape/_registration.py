"""Registers keras_tape's models with Keras once Keras is imported, without importing it first.

`import keras_tape` must stay quick (the `keras-tape` command answers
`--help` without TensorFlow), yet `keras.models.load_model` in a fresh
process must find the models after `import keras_tape`, whichever of
`keras` and `keras_tape` is imported first. So `keras_tape.models` is
imported at once if Keras already is, and otherwise right after Keras's
own import finishes, by a finder on `sys.meta_path` that removes itself
when done. When a keras_tape module is what imports Keras (say
`keras_tape.tape_model`), the models, which import that module, wait until
it has finished: importing them halfway through it would fail.
"""

from __future__ import annotations

import importlib
import sys
import threading

_MODELS = "keras_tape.models"


def register_models_with_keras() -> None:
    """Imports `keras_tape.models` now if Keras is imported, else as soon as it is."""
    if "keras" in sys.modules:
        importlib.import_module(_MODELS)
    elif not any(isinstance(finder, _AfterKeras) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterKeras())


class _AfterKeras:  # a meta path finder (importlib.abc would import importlib.resources: slow)
    """Finds nothing itself: wraps the loaders of `keras` and keras_tape's modules to act after them."""

    def __init__(self):
        self.local = threading.local()  # per thread: `depth`, keras_tape modules executing one inside another
        self.done = False

    def find_spec(self, name, path=None, target=None):
        if self.done or not (name == "keras" or name.startswith("keras_tape.")):
            return None
        spec = _find_elsewhere(self, name, path, target)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _ThenRegister(spec.loader, self)
        return spec

    def exec_module(self, loader, module) -> None:
        """Executes `module` with its own `loader`, then imports the models if Keras is loaded."""
        counts = module.__name__ != "keras"
        depth = getattr(self.local, "depth", 0)
        self.local.depth = depth + counts
        try:
            loader.exec_module(module)
        finally:
            self.local.depth = depth
        keras = sys.modules.get("keras")
        keras_loaded = keras is module or (keras is not None and not getattr(keras.__spec__, "_initializing", False))
        if depth == 0 and keras_loaded and not self.done:
            self.done = True
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            importlib.import_module(_MODELS)


class _ThenRegister:  # a loader
    """A module's own loader, run through `_AfterKeras.exec_module`."""

    def __init__(self, loader, finder: _AfterKeras):
        self.loader = loader
        self.finder = finder

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # The module sees its real loader, as importlib.resources and linecache expect.
        module.__loader__ = module.__spec__.loader = self.loader
        self.finder.exec_module(self.loader, module)

    def __getattr__(self, name):
        return getattr(self.loader, name)


def _find_elsewhere(skip, name, path, target):
    for finder in sys.meta_path:
        if finder is skip or not hasattr(finder, "find_spec"):
            continue
        spec = finder.find_spec(name, path, target)
        if spec is not None:
            return spec
    return None
