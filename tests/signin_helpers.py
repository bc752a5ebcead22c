"""The accounts the tests sign in with (never real ones)."""

#: The PIN of every account the tests make.
TEST_SECRET = "246810"
#: The administrator the ``clinic`` fixture signs in.
TEST_ADMIN = "Dr Test Admin"
