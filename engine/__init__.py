"""Activation Lab's engine: a small feed-forward network library in pure NumPy.

It never imports Qt. The GUI, the command line and the tests all drive it
through the same objects: registries of parts, a Network, and training sessions.
"""
