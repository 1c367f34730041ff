"""Moderators' logins: throttling guesses, server-side sessions, what the last login was."""
