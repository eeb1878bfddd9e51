"""Publishing: the web site, its feeds, the JSON API and the static edition."""
