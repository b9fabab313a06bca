"""Server-side library: settings, metadata database, pooled store, tenancy, submissions.

The HTTP layer (:mod:`peerbench.api`) and the admin CLI are thin shells over this.
"""
