"""The lab's numbers: its formulas, its hand loops' settings and the previous practice's results.

The notebooks and the exercise checks read them from here, so a figure the
lab quotes is written once.

Example:

```python
from keras_tape.lab import constants

x, y = keras_tape.data.polynomial_data(coef=constants.POLYNOMIAL_COEF)
```
"""

# Part 1: x^3 and its derivatives at the points the lab uses.
TAPE_BASICS = {
    "watch a constant: d/dx x^3 at 5": 75.0,
    "trainable variable: d/dx x^3 at 6": 108.0,
    "watch_accessed_variables=False": None,
    "nested tapes: d2/dx2 x^3 at 3": 18.0,
    "persistent tape: d/dx x^3 at 2": 12.0,
    "persistent tape: d/dx 3x^2 at 2": 12.0,
    "stop_recording: d/dx x^3 at 3": 27.0,
}

# Part 2: the lab's line, y = 6.12x + 1.35.
LINE_SLOPE = 6.12
LINE_INTERCEPT = 1.35

# The previous practice: plain gradient descent on the MSE, from slope = intercept = 0,
# on keras_tape.data.load_practice02(); (slope, intercept, MSE) it reached and the optimum.
PRACTICE_LEARNING_RATE = 1e-4
PRACTICE_ITERATIONS = 1000
PRACTICE_GRADIENT_DESCENT = (1.477744, 0.088937, 112.6148)
PRACTICE_LEAST_SQUARES = (1.322431, 7.991021, 110.2574)

# Part 3: y = 6x^2 + 8x + 2 on x = 0..10, in ascending powers.
POLYNOMIAL_COEF = (2.0, 8.0, 6.0)

# Part 4: the MLP 784-256-128-10 (ReLU, logits), MSE on one-hot targets.
MLP_HIDDEN_UNITS = (256, 128)
MLP_LEARNING_RATE = 1e-3
MLP_BATCH_SIZE = 128
MLP_EPOCHS = 25
