"""Review rounds: rubrics, conflicts of interest, assignment, scoring, ranking and decisions."""
