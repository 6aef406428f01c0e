"""Infrastructure shared by the domains; imports no domain module."""
