"""Meetings: upload for processing, task status, list, detail, transcript exports, audio,
speaker rename, delete."""
