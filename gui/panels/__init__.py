"""Control panels: data, network and training. Each builds its part of the engine Config."""

from .data_panel import DataPanel
from .network_panel import NetworkPanel
from .training_panel import TrainingPanel

__all__ = ["DataPanel", "NetworkPanel", "TrainingPanel"]
