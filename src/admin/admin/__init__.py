"""The admin Lambda function."""

API_PREFIX = "/admin/v1"  # where the admin API's routes live, on AWS and locally
