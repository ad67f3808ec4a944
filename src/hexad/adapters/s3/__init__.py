"""Object store on any S3-compatible service (AWS S3, MinIO, Ceph, moto) through boto3."""
