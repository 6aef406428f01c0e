"""Lockdown browsers: a browser policy per sitting (any, Safe Exam Browser, an Exam Browser
app), checked on every kiosk call; the SEB configuration CACT writes and its Config Key."""
