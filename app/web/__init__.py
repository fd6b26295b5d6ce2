"""HTTP plumbing shared by every route: tracking ids, error rendering, the OpenAPI document."""
