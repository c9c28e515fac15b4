"""intrathecal: decision support, simulation and records for intrathecal drug delivery.

Not a certified medical device.
"""

__version__ = "0.1.0"
