"""Sustainability: schools, their four annual financial reports, the NACSA-style metrics and
ratings, each school's trajectory to 100% coverage, and the portfolio against the coalition's goals."""
