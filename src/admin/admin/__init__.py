"""The admin Lambda function."""
