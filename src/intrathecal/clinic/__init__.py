"""Clinic domain and use cases: records, care-pathway workflows, worklist, audit chain.

Use cases live in ``patients``, ``pathway``, ``programming``, ``refills``, ``events``,
``devices``, ``scheduling``, ``worklist`` and ``reads``; each takes a ``UnitOfWork``
(``clinic.uow``), a command (``clinic.commands``) and an ``Actor`` (``clinic.records``).
"""
