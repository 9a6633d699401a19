"""Transports: how the recorder reaches peripherals (bleak over BlueZ, or in-process twins)."""
