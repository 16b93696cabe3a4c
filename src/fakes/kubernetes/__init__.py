"""An in-memory Kubernetes API server that the official client and kubectl talk to.

This package holds the model of the API server: the resource registry, the store and
its rules. Nothing here imports the ``kubernetes`` client.
"""
