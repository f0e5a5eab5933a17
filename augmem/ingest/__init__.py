"""Ingest: decode files, chunk notes, split recordings, embed in batches, write the store."""
