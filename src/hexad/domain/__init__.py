"""The MSP's business data: row schemas (the import format), SQLAlchemy models, migrations, frames."""
