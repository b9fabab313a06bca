"""The HTTP API: a thin FastAPI shell over :mod:`peerbench.server`.

``peerbench.api.app.create_app(settings)`` builds the app; ``peerbench serve`` runs it
with uvicorn. This package imports nothing itself, so the client can share
:mod:`peerbench.api.schemas` without loading the server.
"""
