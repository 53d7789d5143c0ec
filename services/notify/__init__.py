"""The SMS and e-mail queue: verification codes and notices."""
