"""Notify's storage beyond `repository.py`: the shared repository base, and the staff side
(roster, assignments, the bell)."""
