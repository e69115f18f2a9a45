"""The GraphQL surface of the accounts area (see resolvers/accounts/)."""
