"""Conformance suite for the git-hosting fake: GitHub's REST API over git objects."""
