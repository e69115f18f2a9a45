"""The GraphQL surface: thin strawberry types and operations that call resolvers/."""
