"""The scheduler process: `flask scheduler run` and its database-guarded jobs."""
