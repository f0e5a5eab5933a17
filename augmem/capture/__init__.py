"""Capture sources that put new memories on disk (the microphone; plugins add more)."""
