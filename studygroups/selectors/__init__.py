"""Read-side query functions: complex reads live here, writes in studygroups.services."""
