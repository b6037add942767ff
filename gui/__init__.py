"""Activation Lab's window: Qt panels and pyqtgraph views over the engine.

Nothing here does the engine's maths; the views draw Snapshots the training
worker sends from its thread.
"""
