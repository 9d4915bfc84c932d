"""Metrics' rules, free of I/O: which counter an event moves and on which day, how a roll-up
folds counted events into daily totals batch by batch, which assignment and which status change
win and which cases count in a caseload, which closure is a case's outcome and what an office's
report sums, how a submission's timing merges, how a time series and its percentiles are
built."""
