//! Invoice data in, PDF bytes out. Knows nothing of the database.
