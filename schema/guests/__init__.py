"""The GraphQL surface of the guests area (see resolvers/guests/)."""
