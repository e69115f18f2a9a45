"""The GraphQL surface of the admin area (see resolvers/admin/)."""
