"""Object store on a local folder (the embedded profile's lake)."""
