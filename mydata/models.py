"""A rider's export, correction requests and account closure."""
