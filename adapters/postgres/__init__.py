"""PostgreSQL adapters on async psycopg 3; each module keeps its SQL beside the class that runs it."""
