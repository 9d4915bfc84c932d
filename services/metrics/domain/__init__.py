"""Metrics' rules, free of I/O: which counter an event moves and on which day, how a roll-up
folds counted events into daily totals batch by batch, which assignment wins, how a
submission's timing merges, how a time series and its percentiles are built."""
