"""Smart Meeting Scribe shared package: settings, domain types, exporters and errors.

Imported by both the gateway and the worker; it never imports torch.
"""
