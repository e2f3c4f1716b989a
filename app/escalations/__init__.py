"""Escalations: intake to resolution, levels and handoffs, SLA clocks, customer updates."""
