"""AWS building blocks: account context, KMS keys, VPC with flow logs, data bucket, EFS."""
