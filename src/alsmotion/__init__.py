"""alsmotion: instrumented motor assessment (lumbar-IMU gait, handheld dynamometry) for ALS trials.

``import alsmotion`` needs only numpy, scipy and pandas. Subpackages that need more (BLE, Qt, Dask,
pyarrow, matplotlib) import it where it is used.
"""

from alsmotion._version import __version__
from alsmotion.errors import AlsmotionError

__all__ = ["AlsmotionError", "__version__"]
