"""The web portal: server-rendered pages for people who will never open a terminal.

A thin shell over the same library functions as the CLI and the JSON API (SPEC §14).
:func:`peerbench.portal.app.install_portal` adds it to the API's FastAPI app.
"""
