"""pmovalue: PMO value reports as a versioned static website."""

__version__ = "0.1.0"
