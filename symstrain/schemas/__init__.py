"""JSON Schemas of every command's ``--json`` document (``<command>.json``) and the shared ``common.json``."""
