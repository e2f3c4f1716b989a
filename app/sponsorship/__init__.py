"""The executive sponsorship program."""
