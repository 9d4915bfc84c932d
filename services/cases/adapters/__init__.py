"""All of cases' SQL: the office's cases and timelines (`cases.py`), its roster (`staff.py`),
what an opening takes (`allocations.py`, with PostgreSQL's one-round-trip turn in
`rotation.py`), and the unit of work that opens them (`unit_of_work.py`)."""
