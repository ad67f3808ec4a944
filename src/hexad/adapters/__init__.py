"""One folder per engine implementing `hexad.ports`; chosen once at start-up from the profile."""
