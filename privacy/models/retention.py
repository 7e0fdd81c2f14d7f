"""What the daily retention task removed, run by run."""
