"""Incubation: six-month cohorts of selected teams, milestone plans with evidence, the
stakeholder and coaching logs, reminders, and the outcome that can make a school."""
