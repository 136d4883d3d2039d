"""The audit trail of published runs (outputs.md): what changed since the previous run of a
period (:mod:`.revisions`), how a run compares with figures produced elsewhere
(:mod:`.reconcile`), and whether a published run can be re-done with identical results
(:mod:`.verify`). Everything here reads files a run left; nothing here writes to a published run
or to the archive.
"""
