"""Accounts and tokens: register, log in (OAuth2 password flow), who am I."""
