"""The live views. ``VIEWS`` lists them in display order; the window docks each one."""

from .boundary import BoundaryView
from .diagnostics import DiagnosticsView
from .gradients import GradientFlowView
from .histograms import ActivationHistogramView
from .loss import LossView
from .parameters import ParameterView

VIEWS = {cls.key: cls for cls in (LossView, BoundaryView, ActivationHistogramView, GradientFlowView,
                                  DiagnosticsView, ParameterView)}

__all__ = ["VIEWS", "LossView", "BoundaryView", "ActivationHistogramView", "GradientFlowView",
           "DiagnosticsView", "ParameterView"]
