"""The browser side of the server: sign-in, the officer console and the admin pages."""
