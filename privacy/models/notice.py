"""The privacy notice, its versions and a rider's acceptances and optional consents."""
