"""The model layer: one small embedder interface (`base`), a registry (`registry`),
artifact handling (`artifacts`) and the model families (`aist`, `minilm`, `teg`, …).

This package imports nothing on its own: import the submodule you need. (Eager imports
here raced when two daemon threads imported the package at the same moment.)
"""
