"""The operations on plans themselves, prepared in memory, then performed (as the stack operations).

One module each: :mod:`.create`, :mod:`.amend`, :mod:`.importing` (``import``), :mod:`.export`,
:mod:`.delete`, and the reads :mod:`.reads` (list, show).  Each has a ``Request`` (exactly its
workflow's inputs), a pure ``prepare`` that decides everything (the files to create or write,
the inputs to keep, the revision record, the stale pending record to close) or raises a typed
error before anything is written, and a ``start(request, ctx)`` that reads, prepares and
performs.  :mod:`.new` writes a new plan whole with its revision 1 (create, import).
"""
