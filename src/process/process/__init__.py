"""The process Lambda function."""
