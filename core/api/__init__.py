"""The vocabulary every room shares: requests, results, progress, cancellation, trajectories, user errors."""
