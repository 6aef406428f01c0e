"""Assessment programmes: a target population, its sittings (waves), coverage and analytics."""
