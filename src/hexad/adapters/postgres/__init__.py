"""PostgreSQL backends for the distributed profile (psycopg 3 with psycopg_pool)."""
