"""`python -m keras_tape`: the same as the `keras-tape` command."""

import sys

from keras_tape.cli import main

if __name__ == "__main__":
    sys.exit(main())
