"""What operators do to messages through the admin API: resubmission and dry runs."""
