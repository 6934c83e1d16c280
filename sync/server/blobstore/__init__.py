"""Where scans are kept: a folder (`local`) or an S3-compatible object store (`s3`)."""
