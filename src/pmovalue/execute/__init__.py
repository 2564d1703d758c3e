"""Running notebook jobs: the plan, the cache, the runner and the executors."""
