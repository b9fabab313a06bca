"""Browser tests of the portal (Playwright, Debian's Chromium, axe-core).

A package (unlike the other test folders) so the ``browser`` fixture can be
package-scoped: Playwright's sync API keeps an event loop running in the main thread
while it is open, which would break any later test calling ``asyncio.run``; the browser
closes when the last test of this folder has run.
"""
