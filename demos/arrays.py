"""The numpy array types the demos compute with, named by their element type."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
