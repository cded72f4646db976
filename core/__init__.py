"""DiveLab's torch-free core, imported by both sides and importing neither.

The event and frame contract, the demo spec contract, the job ticket and the worker channel
protocol, settings, errors, and the job store (models, repositories, the job lifecycle).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("divelab")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
