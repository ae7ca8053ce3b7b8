from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few iterations: this server is a throwaway test fixture, and
    DOT checks the hashed client secret on every confidential token request."""

    algorithm = "pbkdf2_sha256_fast"
    iterations = 1000
