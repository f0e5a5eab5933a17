"""The background daemon: one per data folder (lock), folder watchers, microphone
capture, scheduled jobs and a local socket API. `augmem.daemon.client` is the light
side that the CLI and TUI import; `augmem.daemon.runtime` is the heavy side."""
