"""Static site generator for the "Clusters meet Regions" workshop series."""
