"""Webhooks (Standard Webhooks): endpoints users register, their delivery log, test pings and
the per-user secret that signs a job's ``callback_url`` events."""
