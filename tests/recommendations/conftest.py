import pytest


@pytest.fixture
def as_user(client, sign_in):
    """Sign in as someone, signing out whoever was signed in before."""

    def _as_user(user):
        client.post("/sign-out")
        return sign_in(user)

    return _as_user
