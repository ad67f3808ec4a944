"""Who may do what: the built-in user pool's passwords, tokens, MFA, roles and rate limits."""
