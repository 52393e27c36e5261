"""Partner publications: candidate table -> disclosure control -> Great Expectations gate -> versioned release.

The flow is write -> audit -> publish (see docs/publication.md). Entry points: :func:`publish.run.publish` and
:func:`publish.run.latest`; the gate alone runs with ``outcomes gate [TABLE]`` (``publish.run.check``).
"""
