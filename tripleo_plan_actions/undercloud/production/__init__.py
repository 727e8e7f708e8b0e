"""The ``production`` profile of the local undercloud: stock multi-process services (see :mod:`.profile`)."""
