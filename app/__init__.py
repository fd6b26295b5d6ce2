"""numbers-mock: a faithful, stateful fake of phone-number providers' search APIs."""

__version__ = "0.1.0"
