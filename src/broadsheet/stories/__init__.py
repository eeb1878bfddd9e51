"""Stories: grouping articles into stories and stories into threads."""
