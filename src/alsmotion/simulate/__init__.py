"""Physically plausible synthetic data with known truth: lumbar gait acceleration, force curves and
whole simulated trials. Used by tests, the demo and the devices' simulated twins."""
