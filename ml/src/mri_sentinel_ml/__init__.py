"""MRI Sentinel model training, calibration and export (research use only)."""

__version__ = "0.1.0"
