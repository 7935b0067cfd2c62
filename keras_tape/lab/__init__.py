"""The lab's own material: checks for its exercises, its numbers and the comparison with the previous practice.

`keras_tape.lab` holds what belongs to the course rather than to the library:
the `check_*` functions a notebook's exercise cell calls to check an answer,
with a message in Spanish or English (`checks`), the lab's figures and
settings (`constants`), and its task, a line fitted three ways and compared
(`compare`).

Example:

```python
from keras_tape import lab

lab.check_derivative(75.0, lambda x: x**3, 5.0)   # ✅ Correcto: ...
x, y = keras_tape.data.load_practice02()
print(lab.compare.format_comparison(lab.compare.compare_fits(x, y)))
```
"""

from keras_tape.lab import compare, constants
from keras_tape.lab.checks import (
    Check,
    check_accuracy,
    check_derivative,
    check_gradient,
    check_least_squares,
    check_train_step,
    check_value,
)

__all__ = [
    "Check",
    "check_accuracy",
    "check_derivative",
    "check_gradient",
    "check_least_squares",
    "check_train_step",
    "check_value",
    "compare",
    "constants",
]
